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
# The target's exact match is measured on dates the model never saw.
#
# Some tasks turn one sequence into another of a different length: translation,
# summarising, or here, normalising a date written by a person into ISO format:
#
#     "the 3rd of March 1987"  ->  "1987-03-03"
#     "Tue 3 Mar 1987"         ->  "1987-03-03"
#
# The data are synthetic but the problem is real (every form you have filled in has
# met it). Dates are split *before* they are written, so no test date appears in
# training in any of the 15 formats:

# %% [markdown]
# **Teacher:** About 35 minutes; a full run takes minutes, so run it quick live. The one
# idea: without attention the whole input squeezes through one vector; with it, the decoder
# looks back at every source character at every step it writes.

# %% [markdown]
# **Teacher:** Ask why dates are split before they are written. (If 3 March 1987 were in
# training in one format and in the test in another, the test would reward remembering
# dates, not reading them.)

# %%
from torchdojo import show
from torchdojo.data import dates

for fmt in range(dates.N_FORMATS):
    print(dates.write_date(dates.dt.date(1987, 3, 3), fmt))
show.source(dates.make_pairs)

# %% [markdown]
# ## Encoder, decoder, and the bottleneck
#
# The **encoder**, a bidirectional GRU, reads the characters and produces one vector
# $h_j$ per source position. The **decoder**, a GRU cell, writes the output one
# character at a time: from its state $s_{t-1}$, the previous character $y_{t-1}$ and
# a context vector $c_t$ it predicts $y_t$.
#
# Without attention, $c_t = c$ is one fixed vector for the whole source: everything
# the decoder will ever know about the input must squeeze through it. With
# **additive attention** (Bahdanau et al., 2015) the decoder looks back at every
# $h_j$ at every step:
#
# $$e_{tj} = v^\top \tanh(W s_{t-1} + U h_j), \quad a_{tj} = \mathrm{softmax}_j(e_{tj}),
# \quad c_t = \sum_j a_{tj} h_j$$

# %% [markdown]
# **Say:** Think of translating a long sentence. Without attention you read it once, close
# the book and write from memory; with attention you keep the book open and glance back at
# the words you need for each word you write.

# %%
from torchdojo.models.seq2seq import AdditiveAttention, Seq2Seq

show.source(AdditiveAttention)
show.source(Seq2Seq._step)

# %% [markdown]
# ## Teacher forcing, then greedy decoding
#
# In training the decoder is fed the *true* previous character (teacher forcing), so
# all steps learn at once and early mistakes do not derail later steps. At test time
# there is no truth to feed: greedy decoding feeds back the model's own argmax. A
# test pair counts only if all ten characters come out right.

# %% [markdown]
# **Teacher:** Common confusion: training and testing decode differently. Ask what can go
# wrong at test time that teacher forcing never shows in training (one wrong character is
# fed back and can derail the rest), and why exact match is strict: all ten must be right.

# %%
from torchdojo.experiments import seq2seq as experiment

show.source(experiment.translation_loss)
show.source(experiment.exact_match)

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("seq2seq", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})

# %% [markdown]
# ## Learning curves and what attention looks at
#
# Each row of a heat map is one output character, each column one source character.
# The year digits attend to the year, the month digits to the month name (or number),
# the day digits to the day: the model has learned an alignment nobody gave it.
# (In quick mode the model is tiny and barely trained; run `dojo run seq2seq` for
# the sharp version.)

# %% [markdown]
# **Teacher:** Before the heat maps, ask which source characters the year digits should look
# at, and which the month digits. In quick mode the maps are blurry: show the book's full
# run for the sharp alignment.

# %%
from torchdojo.figures import plots

show.figure(plots.curves(result.history, ["loss", "char_acc"]))
model, data = result.model, result.data
show.figure(experiment.attention_figure(model, data))
for written, predicted, true in experiment.examples(model, data, 6):
    print(f"{written!r:32} -> {predicted}   (true {true})")

# %% [markdown]
# ## Try it
#
# - `dojo run seq2seq --set compare_plain=true hidden=32`: with a small state the
#   fixed-summary model loses more than the attention model does.
# - `dojo run seq2seq --set n_train=2000`: how much data does each model need?
# - The transformer lesson solves the same task with attention only, no recurrence.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. A small state.** *Predict*: with `hidden=16`, which loses more exact match, the
# model without attention (`exact_match_plain`) or the one with it?

# %%
small = show.your_turn(lambda: run_experiment("seq2seq", quick=quick_mode(), quiet=True,
                                              overrides={"hidden": 16}))
show.compare(result, small, "exact_match_plain", "exact_match")

# %% [markdown]
# **2. Less data.** *Predict*: with only 1,000 training dates (`n_train=1000`), which
# model suffers more?

# %%
less = show.your_turn(lambda: run_experiment("seq2seq", quick=quick_mode(), quiet=True,
                                             overrides={"n_train": 1000}))
show.compare(result, less, "exact_match_plain", "exact_match")

# %% [markdown]
# ## Check yourself
#
# **1. What is teacher forcing, and why is greedy decoding at test time harder?**
#
# <details><summary>Answer</summary>
#
# In training the decoder is fed the true previous character; at test time it is fed
# its own, so one wrong character becomes the input of every later step.
#
# </details>
#
# **2. Without attention, what limits the encoder-decoder?**
#
# <details><summary>Answer</summary>
#
# Everything the decoder will know about the source must pass through one fixed
# vector c, the encoder's summary; longer inputs and smaller states make that harder.
#
# </details>
#
# **3. An attention row puts nearly all its weight on the source's year. What does that say?**
#
# <details><summary>Answer</summary>
#
# That output character is computed from those source positions: the model has learned
# to align the year it writes with the year it read.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Sutskever, Vinyals and Le, [Sequence to sequence learning with neural networks](https://arxiv.org/abs/1409.3215)
#   (2014).
# - Bahdanau, Cho and Bengio, [Neural machine translation by jointly learning to align
#   and translate](https://arxiv.org/abs/1409.0473) (2015): additive attention.
# - PyTorch, [NLP from scratch: translation with a sequence to sequence network and
#   attention](https://pytorch.org/tutorials/intermediate/seq2seq_translation_tutorial.html).
