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
# Every promised property of the data is checked.
#
# Images have a fixed size; sequences do not. A sentence, a melody or a stream of
# sensor readings can be short or long, and what it *means* often depends on the
# order of its parts. To teach a network to read order, we need data whose label
# depends on order and on nothing else.
#
# Our generator writes sequences of symbols. Each one contains exactly one `A` and
# one `B` among distractors `c, d, e, ...`; the label is **1 if `A` comes before `B`**.
# Both classes hold the same symbols in the same numbers, so a model that only counts
# symbols (a "bag of tokens") is stuck at 50 %: it has to remember what came first.

# %% [markdown]
# **Teacher:** About 20 minutes; nothing trains. The one idea: to test whether a model reads
# order, build data in which order is the only clue. Write `c A d B e` and `c B d A e` on the
# board: the same symbols, opposite labels.

# %% [markdown]
# **Say:** A model that only counts symbols sees the same counts in both classes, so on this
# data it can do no better than a coin flip. Any accuracy well above 50 % in the next lesson
# is proof that the network remembers what came first.

# %%
from torchdojo import show
from torchdojo.data.sequences import make_sequences

show.source(make_sequences)

# %% [markdown]
# ## Padding and masks
#
# To put sequences of different lengths into one tensor we **pad** them to the longest
# with a reserved symbol (`PAD`, id 0, shown as `.`) and keep a **mask** that is True
# on real tokens. A model must never let the padding change its answer.

# %% [markdown]
# **Teacher:** Ask for the shape of `data.tokens` before running (6 rows, as long as the
# longest sequence). Common confusion: `PAD` is an ordinary id, 0, so a model reads it like
# any other symbol unless the mask or the lengths stop it.

# %%
data = make_sequences(6, min_len=4, max_len=14, seed=1)
for i in range(len(data)):
    print(data.text(i), " length", int(data.lengths[i]), " label", int(data.labels[i]))
print("tokens", tuple(data.tokens.shape), "lengths", data.lengths.tolist())
print(data.mask.int())

# %% [markdown]
# ## Packed sequences
#
# Recurrent layers in PyTorch can skip the padding altogether: `pack_padded_sequence`
# stores only the real tokens, time step by time step, with the number of sequences
# still running at each step (`batch_sizes`). The RNN then stops each sequence at
# its own length.

# %% [markdown]
# **Teacher:** From the lengths printed above, have the room work out `batch_sizes` before
# running: at step t, how many of the six sequences are still going? It can only shrink,
# and its sum is the number of real tokens.

# %%
from torch.nn.utils.rnn import pack_padded_sequence

packed = pack_padded_sequence(data.tokens, data.lengths, batch_first=True, enforce_sorted=False)
print("real tokens:", packed.data.numel(), "= sum of lengths", int(data.lengths.sum()))
print("sequences still running at each step:", packed.batch_sizes.tolist())

# %% [markdown]
# ## The experiment: generate, check, draw
#
# `dojo run sequences` generates the data set and checks, at run time, what the
# generator promises: masks match lengths, padding is only `PAD`, the label follows
# the rule, reversing a sequence flips its label (same symbols, other order: proof
# that order alone decides), classes are balanced, and the same seed gives the same
# data. The lesson's target is that none of these checks fails.

# %%
from torchdojo.data.sequences import check
from torchdojo.runner import quick_mode, run_experiment

show.source(check)
result = run_experiment("sequences", quick=quick_mode())
print({k: round(v, 3) for k, v in result.metrics.items()})

# %%
from torchdojo.experiments.sequences import batch_figure, lengths_figure

show.figure(batch_figure(result.data, 10))
show.figure(lengths_figure(result.data))

# %% [markdown]
# ## Try it
#
# - `dojo run sequences --set max_len=60`: longer sequences, a harder memory task
#   for the next lesson (`rnn`).
# - Change `vocab_size`: more distractor symbols do not make the task harder for a
#   model that remembers, only for one that guesses.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. Longer sequences.** *Predict*: with `max_len=60`, what is the mean length
# (`mean_length`)?

# %%
longer = show.your_turn(lambda: run_experiment("sequences", quick=quick_mode(),
                                               quiet=True, overrides={"max_len": 60}))
show.compare(result, longer, "mean_length", "checks_failed")

# %% [markdown]
# **2. An odd number.** *Predict*: with `n=11` sequences, what share is labelled 1, and
# does the "classes balanced" check still pass?

# %%
odd = show.your_turn(lambda: run_experiment("sequences", quick=quick_mode(), quiet=True,
                                            overrides={"n": 11}))
show.compare(result, odd, "label1_share", "checks_failed")

# %% [markdown]
# ## Check yourself
#
# **1. Why must both classes hold the same symbols in the same numbers?**
#
# <details><summary>Answer</summary>
#
# Otherwise a model could count symbols and ignore order; the task is built so that
# only the order of `A` and `B` decides, and reversing a sequence flips its label.
#
# </details>
#
# **2. What goes wrong if a model does not use the mask?**
#
# <details><summary>Answer</summary>
#
# It reads `PAD` as input, so its answer depends on how much padding the batch has,
# that is on how long the *other* sequences in the batch are.
#
# </details>
#
# **3. A packed batch holds sequences of lengths 5, 3 and 2. What is `batch_sizes`?**
#
# <details><summary>Answer</summary>
#
# The number of sequences still running at each step: [3, 3, 2, 1, 1].
#
# </details>

# %% [markdown]
# ## Further reading
#
# - PyTorch, [`pack_padded_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html).
# - Karpathy, [The unreasonable effectiveness of recurrent neural networks](https://karpathy.github.io/2015/05/21/rnn-effectiveness/)
#   (2015).
# - Elman, [Finding structure in time](https://doi.org/10.1207/s15516709cog1402_1)
#   (1990).
