# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# The target is on the order task of lesson `sequences` (label 1 when `A` comes
# before `B`).
#
# A recurrent network reads a sequence one step at a time and carries a **hidden
# state** $h_t$, a vector that summarises everything read so far. The same weights
# are used at every step, so the network reads sequences of any length:
#
# $$h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})$$
#
# That one line is all of `nn.RNN`. Here it is written by hand:

# %% [markdown]
# **Teacher:** About 30 minutes. The one idea: an RNN is one line applied at every step with
# the same weights, and h is its only memory. Unroll three steps of `c A B` on the board,
# one box per step, the same W in every box.

# %%
from torchdojo import show
from torchdojo.models.rnn import RNNCellByHand, rnn_cell_step

show.source(rnn_cell_step)
show.source(RNNCellByHand.unroll)

# %% [markdown]
# ## Checked against `nn.RNN`
#
# Copy an `nn.RNN`'s weights into the hand-written cell, run both over the same
# sequences, and compare every hidden state:

# %% [markdown]
# **Teacher:** Ask: exactly zero, or rounding-sized? Same weights and the same formula,
# but float32 sums in a different order can differ in the last bits. Read the printed
# value together.

# %%
import torch
from torch import nn

torch.manual_seed(0)
rnn = nn.RNN(input_size=5, hidden_size=7, batch_first=True)
xs = torch.randn(3, 9, 5)  # (B, T, I)
ours = RNNCellByHand.from_rnn(rnn).unroll(xs)  # (B, T, H)
theirs, _ = rnn(xs)
print("max |ours - nn.RNN| =", (ours - theirs).abs().max().item())

# %% [markdown]
# ## The classifier
#
# Symbols are embedded as vectors, the RNN reads them (packed, so padding is skipped),
# and a linear layer turns the **last real hidden state** into two logits.

# %% [markdown]
# **Say:** The classifier reads one vector, the hidden state after the last real symbol,
# not after the padding. Everything the answer needs, which of `A` and `B` came first,
# must survive in that vector through every distractor that follows.

# %%
from torchdojo.models.rnn import SequenceClassifier

show.source(SequenceClassifier)

# %% [markdown]
# ## Training
#
# Adam with a one-cycle schedule and gradient clipping (a plain RNN's gradients can
# explode when they are multiplied by $W_{hh}$ at every step back in time). After
# training, the hand-written cell replays the trained network on test sequences and
# must agree with it (`hand_cell_max_abs_diff`).

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("rnn", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 6) for k, v in result.metrics.items()})

# %%
from torchdojo.figures import plots

show.figure(plots.curves(result.history, ["loss", "acc"]))

# %% [markdown]
# ## The hidden state over time
#
# Each column is $h_t$ after reading one more symbol (red positive, blue negative).
# Look for the columns where `A` and `B` arrive: the state changes pattern there, and
# must keep *which came first* through all the distractors that follow. On the right,
# the classifier is read after every prefix; prefixes that lack `A` or `B` were never
# seen in training, so only the value at the full length is meaningful.

# %% [markdown]
# **Teacher:** Find the columns where `A` and `B` arrive and ask what happens to the
# pattern after them. On the right panel, read only the value at the full length: the room
# will want to read the earlier ones too.

# %%
from torchdojo.experiments.rnn import hidden_state_figure

show.figure(hidden_state_figure(result.model, result.test))

# %% [markdown]
# ## Try it
#
# - `dojo run rnn --set max_len=80`: longer gaps between `A` and `B`; watch the plain
#   RNN struggle (vanishing gradients), then `--set cell=lstm` (next lesson).
# - `dojo run rnn --set hidden=8`: how small can the memory be?

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. Longer gaps.** *Predict*: with sequences up to `max_len=80`, does the plain RNN
# still reach 95 %?

# %%
long_gaps = show.your_turn(lambda: run_experiment("rnn", quick=quick_mode(), quiet=True,
                                                  overrides={"max_len": 80}))
show.compare(result, long_gaps, "train_acc", "test_acc")

# %% [markdown]
# **2. A memory of two numbers.** *Predict*: with `hidden=2`, can the RNN still tell
# which of `A` and `B` came first?

# %%
tiny = show.your_turn(lambda: run_experiment("rnn", quick=quick_mode(), quiet=True,
                                             overrides={"hidden": 2}))
show.compare(result, tiny, "train_acc", "test_acc")

# %% [markdown]
# ## Check yourself
#
# **1. The same W_hh is used at every step. What does that buy, and what does it cost?**
#
# <details><summary>Answer</summary>
#
# Sequences of any length with a fixed number of parameters, and what is learned at
# one position works at all. The cost: the gradient from step t back to t − k is
# multiplied by W_hh (and tanh′) k times, so it vanishes or explodes.
#
# </details>
#
# **2. What does gradient clipping do, and why here?**
#
# <details><summary>Answer</summary>
#
# It rescales the whole gradient to norm at most `grad_clip` when it is larger, keeping
# its direction. An exploding gradient would otherwise make one huge step that undoes
# training.
#
# </details>
#
# **3. Why classify from the last *real* hidden state, not the last padded position?**
#
# <details><summary>Answer</summary>
#
# After a short sequence ends, the later positions hold only padding; the state at the
# sequence's own length is the one that has read all of it and nothing else.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Karpathy, [The unreasonable effectiveness of recurrent neural networks](https://karpathy.github.io/2015/05/21/rnn-effectiveness/).
# - Bengio, Simard and Frasconi, [Learning long-term dependencies with gradient
#   descent is difficult](https://doi.org/10.1109/72.279181) (1994).
# - Goodfellow, Bengio and Courville, *Deep Learning*,
#   [chapter 10](https://www.deeplearningbook.org/contents/rnn.html).
