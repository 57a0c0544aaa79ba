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
# Two comparisons: a character-level LSTM against a plain RNN of the same width and
# training budget (validation loss), and an LSTM forecaster against the naive
# last-value forecast on a seasonal series.
#
# A plain RNN's memory fades: the gradient from step $t$ back to step $t-k$ is
# multiplied by $W_{hh}$ (and a $\tanh'$) $k$ times, so it vanishes or explodes. The
# long short-term memory (Hochreiter & Schmidhuber, 1997) adds a **cell** $c_t$
# updated by addition, and three gates that decide what to forget, what to write and
# what to show:
#
# $$i = \sigma(W_{ii}x + W_{hi}h + b_i),\quad f = \sigma(W_{if}x + W_{hf}h + b_f),\quad
#   g = \tanh(W_{ig}x + W_{hg}h + b_g),\quad o = \sigma(W_{io}x + W_{ho}h + b_o)$$
# $$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)$$

# %% [markdown]
# **Teacher:** About 40 minutes; a full run takes minutes, so run it quick live. The one
# idea: the cell is updated by *addition*, so with f near 1 the memory and its gradient
# pass through many steps almost unchanged. Write c_t = f ⊙ c_{t−1} + i ⊙ g and circle the +.

# %%
from torchdojo import show
from torchdojo.models.rnn import lstm_cell_step

show.source(lstm_cell_step)

# %% [markdown]
# ## The gates, checked against `nn.LSTM`
#
# `nn.LSTM` stacks the four gates' weights in the order input, forget, cell, output.
# Run the hand-written step with its weights and compare:

# %% [markdown]
# **Teacher:** Common confusion: `nn.LSTM` stacks its four gates as input, forget, cell,
# output (i, f, g, o). Ask what the printed difference would look like with two gates
# swapped: no longer rounding-sized.

# %%
import torch
from torch import nn

from torchdojo.models.rnn import lstm_unroll

torch.manual_seed(0)
lstm = nn.LSTM(input_size=5, hidden_size=6, batch_first=True)
xs = torch.randn(3, 8, 5)  # (B, T, I)
ours, _ = lstm_unroll(lstm, xs)  # (B, T, H), step by step
theirs, _ = lstm(xs)
print("max |ours - nn.LSTM| =", (ours - theirs).abs().max().item())

# %% [markdown]
# ## A character-level language model
#
# The text is cut into windows; at every position the model predicts the next
# character, and the loss is the cross-entropy in **nats per character** (guessing
# uniformly among $V$ characters costs $\ln V$). The corpus is the first that exists
# of: a file you name (`--set corpus=PATH`), the fortune files of Debian's `fortunes`,
# the system word list, a small built-in text.

# %%
from torchdojo.data.text import CharTokenizer, char_windows, load_corpus
from torchdojo.models.rnn import CharLM

show.source(CharLM)
corpus = load_corpus(max_chars=2000)
tokenizer = CharTokenizer.from_text(corpus.text)
x, y = char_windows(tokenizer.encode(corpus.text), block=16)
print(corpus.label)
print(repr(tokenizer.decode(x[3])), "->", repr(tokenizer.decode(y[3])))

# %% [markdown]
# ## Sampling with a temperature
#
# To write text, feed a prompt, draw the next character from
# $\mathrm{softmax}(\text{logits} / T)$, feed it back, repeat. A low temperature $T$
# sharpens the distribution (safe, repetitive); a high one flattens it (adventurous).

# %% [markdown]
# **Say:** Temperature does not change what the model knows, only how boldly it samples.
# Low, and it repeats its safest guess; high, and it takes risks and makes typos. Listen
# for both in the three samples.

# %%
from torchdojo.methods.sampling import generate

show.source(generate)

# %% [markdown]
# ## The experiment
#
# `dojo run lstm` trains an LSTM and then a plain RNN of the same width, with the same
# seed, windows, steps and schedule, prints samples, and trains the forecaster.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("lstm", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
for note in result.notes:
    print(note[:200])

# %% [markdown]
# **Teacher:** Before the figure, ask for the loss of a uniform guess: ln V nats per
# character (the grey line). Then ask which model will end further below it, with the same
# width, steps and seed.

# %%
from torchdojo.experiments.lstm import text_curves

show.figure(text_curves(result.history, result.rnn_history, result.tokenizer.vocab_size))

# %% [markdown]
# The gates at work on the start of the corpus: which units close their forget gate
# (reset the cell) at a space or a newline? Then samples from the trained LSTM at
# three temperatures.

# %%
show.figure(result.gates_figure)

# %% [markdown]
# Samples:

# %%
lstm_model, tokenizer = result.lstm, result.tokenizer
for temperature in (0.3, 0.8, 1.2):
    g = torch.Generator().manual_seed(0)
    print(f"T={temperature}:", repr(generate(lstm_model, tokenizer, "The ", 120, temperature, g)))

# %% [markdown]
# ## A time series
#
# The same recurrent machinery forecasts numbers: from the last 28 days of a seasonal
# series (trend + weekly + yearly pattern + persistent noise), predict tomorrow. The
# baseline to beat is the naive forecast "tomorrow = today".

# %% [markdown]
# **Teacher:** Ask why "tomorrow = today" is a strong baseline here: the noise persists from
# day to day. The forecaster predicts the *change* from the last value, so it starts from
# the naive forecast and only has to learn the correction.

# %%
from torchdojo.data.series import make_series

show.source(make_series)
print({k: round(v, 4) for k, v in result.metrics.items() if k.startswith("series")})
show.figure(result.series_figure)

# %% [markdown]
# ## Try it
#
# - `dojo run lstm --set corpus=mybook.txt`: any UTF-8 text file of your own.
# - `--set hidden=512 epochs=6`: a bigger model, better samples, a longer wait.
# - `--set block=16`: shorter windows mean shorter memory; does the LSTM's lead shrink?

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. Short windows.** *Predict*: with `block=8` (backpropagation through only 8
# characters), does the LSTM's lead over the RNN (`lstm_minus_rnn_val_loss`, negative
# when the LSTM is better) grow or shrink?

# %%
short = show.your_turn(lambda: run_experiment("lstm", quick=quick_mode(), quiet=True,
                                              overrides={"block": 8}))
show.compare(result, short, "lstm_val_loss", "rnn_val_loss", "lstm_minus_rnn_val_loss")

# %% [markdown]
# **2. Two days of history.** *Predict*: from only the last 2 days
# (`series_window=2`), does the forecaster still beat "tomorrow = today"?

# %%
two_days = show.your_turn(lambda: run_experiment("lstm", quick=quick_mode(), quiet=True,
                                                 overrides={"series_window": 2}))
show.compare(result, two_days, "series_mse", "series_mse_ratio_to_naive")

# %% [markdown]
# ## Check yourself
#
# **1. Why does the cell c_t carry gradients further back than an RNN's h_t?**
#
# <details><summary>Answer</summary>
#
# c_t = f ⊙ c_{t−1} + i ⊙ g, so ∂c_t/∂c_{t−1} = f, elementwise: no weight matrix and
# no tanh′ in the way. Where the forget gate stays near 1 the gradient passes almost
# unchanged.
#
# </details>
#
# **2. The course starts every forget-gate bias at 1 (`init_forget_bias`). Why not 0?**
#
# <details><summary>Answer</summary>
#
# σ(0) = 0.5 would halve the cell at every step from the start, so memory would fade
# within a few characters before training had learned to keep it; σ(1) ≈ 0.73 keeps
# more (Gers et al., 2000; Jozefowicz et al., 2015).
#
# </details>
#
# **3. What does sampling give at temperature T → 0, and at a very high T?**
#
# <details><summary>Answer</summary>
#
# T → 0 always picks the most likely character: repetitive loops. A very high T makes
# every character equally likely: noise.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Hochreiter and Schmidhuber, [Long short-term memory](https://doi.org/10.1162/neco.1997.9.8.1735)
#   (1997).
# - Christopher Olah, [Understanding LSTM networks](https://colah.github.io/posts/2015-08-Understanding-LSTMs/)
#   (2015).
# - Jozefowicz, Zaremba and Sutskever, [An empirical exploration of recurrent network
#   architectures](https://proceedings.mlr.press/v37/jozefowicz15.html) (2015): the
#   forget-gate bias of 1.
