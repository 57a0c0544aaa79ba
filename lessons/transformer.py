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
# Two tests: the dates task of the `seq2seq` lesson, and a decoder-only character
# model against an LSTM on the corpus of the `lstm` lesson, with the same number
# of training tokens.
#
# A transformer keeps attention and drops recurrence: every position looks at every
# other position in one step, so a whole sequence is processed in parallel. Each
# layer is attention then a small MLP, each wrapped in a residual connection with
# layer norm before it. The attention is the course's own `MultiHeadAttention`
# (lesson `attention`):

# %% [markdown]
# **Teacher:** About 40 minutes; a full run takes minutes, so run it quick live. The one
# idea: a block is attention then an MLP, each with a residual and a layer norm before it;
# stack blocks, add positions, and that is a transformer. Ask what is gone since `seq2seq`.

# %% [markdown]
# **Say:** An RNN reads a sentence the way we read aloud, one word after another. A
# transformer sees the whole line at once, and every word asks every other word what it
# needs. That is why it trains in parallel, and why it must be told where each word stands.

# %%
from torchdojo import show
from torchdojo.models.transformer import Block, CharTransformer, Seq2SeqTransformer

show.source(Block)

# %% [markdown]
# ## Where am I? Positional encodings
#
# Attention is a weighted *set* operation: shuffle the inputs and the outputs shuffle
# with them. Order has to be added to the input. The original transformer adds
# sinusoids of geometrically spaced frequencies:
#
# $$PE_{pos, 2i} = \sin(pos / 10000^{2i/d}), \qquad PE_{pos, 2i+1} = \cos(pos / 10000^{2i/d})$$
#
# Low channels turn fast (they tell neighbours apart), high channels slowly (they
# tell the beginning from the end); $PE_{p} \cdot PE_{p+k}$ depends only on the offset
# $k$, which makes relative positions easy to read off.
#
# ## No peeking: the causal mask
#
# A decoder that predicts token $t+1$ must not see it. In training all positions are
# computed at once, so position $t$'s attention scores to later positions are set to
# $-\infty$ before the softmax: the lower-triangular mask on the right.

# %% [markdown]
# **Teacher:** Ask what attention alone would compute for `AB` and for `BA`: the same two
# outputs, swapped. Then point at the figure: fast-turning low channels and slow high ones
# in the first two panels, the causal mask's lower triangle in the third.

# %%
from torchdojo.experiments import transformer as experiment

show.figure(experiment.positions_figure())

# %% [markdown]
# ## Encoder-decoder on dates, and a character model
#
# The encoder reads the written date with unmasked self-attention; the decoder
# writes the ISO string with causal self-attention and *cross-attention* to the
# encoder's output (queries from the decoder, keys and values from the encoder).
# Training, data and scoring are exactly those of the `seq2seq` lesson.
#
# The second half trains a decoder-only model (GPT-style: causal self-attention
# only) and an LSTM on the same character windows for the same number of epochs.

# %% [markdown]
# **Teacher:** Common confusion: in cross-attention, which side gives the queries? The
# decoder; keys and values come from the encoder. Ask which one sets the length of the
# output (the queries: one output per decoder position).

# %%
show.source(Seq2SeqTransformer.forward)
show.source(CharTransformer.forward)

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("transformer", quick=quick_mode())
print(result.dataset_label)
print({k: round(v, 4) for k, v in result.metrics.items()})
print(f"val loss: transformer {result.metrics['transformer_val_loss']:.4f}, "
      f"LSTM {result.metrics['lstm_val_loss']:.4f} nats per character")

# %% [markdown]
# ## Cross-attention and validation loss
#
# The heat maps show, averaged over heads, which source characters the last decoder
# layer reads for each output character. (Quick mode trains tiny models briefly;
# `dojo run transformer` gives the sharp version.)

# %%
from torchdojo.experiments.seq2seq import attention_figure

show.figure(attention_figure(result.model, result.data))
show.figure(experiment.char_curves(result.char_history, result.lstm_history))
print(result.sample)

# %% [markdown]
# ## Try it
#
# - `dojo run transformer --set layers=1 n_heads=1`: how small can the date model be?
# - `dojo run transformer --set char_layers=2`: does the character model still beat the LSTM?
# - `dojo run transformer --set corpus=my_text.txt`: your own text.

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
# (A full run takes minutes on a CPU; in a quick session, `quick=True`, it takes
# seconds and compares with the quick run above.)
#
# **1. One head.** *Predict*: with `n_heads=1`, does the date model's exact match
# drop?

# %%
one_head = show.your_turn(lambda: run_experiment("transformer", quick=quick_mode(),
                                                 quiet=True, overrides={"n_heads": 1}))
show.compare(result, one_head, "exact_match")

# %% [markdown]
# **2. A short context.** *Predict*: with only 16 characters of context (`block=16`)
# for both character models, does the transformer still beat the LSTM?

# %%
short = show.your_turn(lambda: run_experiment("transformer", quick=quick_mode(),
                                              quiet=True, overrides={"block": 16}))
show.compare(result, short, "transformer_val_loss", "lstm_val_loss",
             "minus_lstm_val_loss")

# %% [markdown]
# ## Check yourself
#
# **1. Shuffle the inputs of self-attention that has no positional encoding. What happens?**
#
# <details><summary>Answer</summary>
#
# The outputs are shuffled the same way and otherwise unchanged: attention treats its
# inputs as a set. Positional encodings are what tell it the order.
#
# </details>
#
# **2. Why does a transformer train on all positions at once while an RNN cannot?**
#
# <details><summary>Answer</summary>
#
# With teacher forcing and the causal mask, every position's prediction comes from the
# same few matrix products over the whole sequence; an RNN must finish h_{t−1} before
# it can compute h_t.
#
# </details>
#
# **3. Where do cross-attention's queries, keys and values come from?**
#
# <details><summary>Answer</summary>
#
# Queries from the decoder, keys and values from the encoder's output: each output
# position asks which source positions to read.
#
# </details>

# %% [markdown]
# ## Further reading
#
# - Vaswani et al., [Attention is all you need](https://arxiv.org/abs/1706.03762) (2017).
# - Rush et al., [The annotated transformer](https://nlp.seas.harvard.edu/annotated-transformer/).
# - Karpathy, [nanoGPT](https://github.com/karpathy/nanoGPT): a decoder-only model and
#   its training loop in two short files.
