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

# %% [markdown] slideshow={"slide_type": "slide"}
# Every example runs on generated data, in seconds.
#
# An ordinary program maps inputs to outputs by rules a person wrote. **Deep learning**
# turns that round: give the program example inputs *and* the outputs you want, and it
# infers the relationship itself. It does so with a neural network of many layers (hence
# *deep*): an **input layer** where the inputs are encoded as numbers (tensors, the next
# lesson), **hidden layers** that find patterns in those numbers, and an **output layer**
# that returns the answer, again as numbers. Deep learning is one kind of machine
# learning, which is one part of AI; images get convolutional networks (`lenet5`), text
# transformers (`transformer`).
#
# This lesson runs one small example of each idea, and checks each one.

# %% [markdown]
# **Teacher:** About 25 minutes. Before class run `dojo run intro --quick` once so the
# kernel and imports are warm; in class run every cell live, top to bottom. Open with a
# question and take three answers before the first slide: *name a program whose rules
# nobody could write down* (spam filter, face unlock, speech to text).

# %% [markdown]
# **Say:** Every program you have written maps inputs to outputs by rules you wrote. Today
# we turn that round: we hand the computer inputs *and* the answers we want, and it finds
# the rule. "Deep" only means the rule is built from many layers stacked.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Rules written by hand vs rules learned
#
# Two interleaved half-moons of points, blue above and red below. A person who looks at
# the picture writes a rule, a threshold on the height:

# %% slideshow={"slide_type": "subslide"}
from torchdojo import show
from torchdojo.experiments import intro

show.source(intro.hand_rule)

# %% [markdown] slideshow={"slide_type": "slide"}
# The other way: 200 labelled points, and a small network (2 → 32 → 32 → 2, ReLU) that
# learns the rule from them, trained with cross-entropy and Adam through the course's one
# training loop. Both are scored on 1,000 points neither has seen. One run computes every
# example of this lesson:

# %% slideshow={"slide_type": "subslide"}
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("intro", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(f"hand rule {100 * m['rule_acc']:.1f}%, learned {100 * m['learned_acc']:.1f}% "
      f"on held-out points: the learned rule wins by {100 * m['learned_minus_rules_acc']:.1f} "
      "points")

# %% [markdown]
# **Teacher:** Before running this cell, ask the room to predict which rule wins on the
# held-out points, and by how much. After, point at the figure: where does the
# threshold go wrong? (At the tips of the moons, where the two classes share a height.)

# %% slideshow={"slide_type": "subslide"}
show.figure(result.pictures["rules"])

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. When deep learning pays, and when it does not
#
# It pays where the rules would be a long list, or tangled, or keep changing (retrain on
# new examples instead of rewriting rules), and where the data is large and unstructured
# (images, sound, text) with patterns no one can state. It does not pay where a line or a
# one-line rule already works: then a linear model is as accurate, smaller, faster and
# easier to explain. The same two models on a task a line separates (two blobs) and on the
# moons:

# %% slideshow={"slide_type": "subslide"}
print(f"{'':14s}{'linear model':>14s}{'MLP':>8s}")
for task in ("blobs", "moons"):
    print(f"{task:14s}{100 * m[f'{task}_linear_acc']:13.1f}%"
          f"{100 * m[f'{task}_mlp_acc']:7.1f}%")
print(f"parameters: linear {m['linear_params']:.0f}, MLP {m['mlp_params']:.0f}")
print(intro.WHEN_IT_PAYS)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The kinds of learning
#
# - **Supervised**: inputs *and* outputs are given. The moons classifier above.
# - **Unsupervised / self-supervised**: only inputs are given; the data supplies its own
#   task. Here an autoencoder learns to squeeze noisy seven-segment digits through 8
#   numbers and rebuild them, without a single label.
# - **Transfer**: what one model learned on task A is reused for task B.
# - **Reinforcement**: no answers at all, only rewards for what the program does.
#
# The digits the networks see (top: clean, below: the noisy copies):

# %% [markdown]
# **Say:** Four kinds of learning, and one thing tells them apart: what the data gives you.
# An answer for every input is supervised; no answers, and the data sets its own task, is
# self-supervised; answers for another task is transfer; no answers at all, only a score
# for what you did, is reinforcement.

# %% slideshow={"slide_type": "subslide"}
show.figure(result.pictures["digits"])
show.source(intro.reconstruction)
show.source(intro.autoencoder)

# %% [markdown] slideshow={"slide_type": "slide"}
# **Self-supervised, checked.** With just two labels per digit, a linear classifier (a
# *probe*) on the autoencoder's 8-number codes should read the digit better than the same
# probe on the 77 raw pixels: the codes keep the digit and drop much of the noise.
#
# **Transfer, checked.** A *digit reader* learns from many labelled digits (task A; 2,000
# in the full run). Task B asks "even or odd?" with the same 20 labels: a new linear head
# on the reader's frozen features vs the same network trained from scratch on the 20
# labels.

# %% slideshow={"slide_type": "subslide"}
show.source(intro.transfer)

# %% [markdown] slideshow={"slide_type": "slide"}
# **Reinforcement, checked.** Five slot machines pay 1 with unknown chances. The player
# keeps a running mean of each arm's rewards, mostly pulls the best so far (*exploit*), and
# with probability epsilon pulls a random one (*explore*). After a few hundred pulls it
# should be on the best arm almost all the time. (Exercise 40 asks you to write these two.)

# %% slideshow={"slide_type": "subslide"}
show.source(intro.choose_arm)
show.source(intro.update_estimate)

# %% slideshow={"slide_type": "subslide"}
show.figure(result.pictures["kinds"])
print(f"self-supervised: probe on raw pixels {100 * m['raw_probe_acc']:.1f}%, "
      f"on codes {100 * m['code_probe_acc']:.1f}%")
print(f"transfer: from scratch {100 * m['scratch_acc']:.1f}%, "
      f"on the reader's features {100 * m['transfer_acc']:.1f}%")
print(f"reinforcement: best arm in {100 * m['bandit_best_arm_share']:.0f}% of the last pulls")

# %% [markdown] slideshow={"slide_type": "slide"}
# Every example's check, as the registry states it and `dojo verify intro` tests it:

# %% slideshow={"slide_type": "subslide"}
from torchdojo import registry

for check in registry.find("intro").checks:
    for target in check.targets:
        verdict = "PASS" if target.met(m) else "FAIL"
        print(f"{str(target):34s} measured {m[target.metric]:.3f}  {verdict}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The six steps of every project, and where this course teaches each
#
# | step | what you do | lessons |
# |---|---|---|
# | data | turn raw data into input tensors | `tensors`, `mnist-data`, `sequences` |
# | model | choose layers that map inputs to outputs | `affine`, `xor`, `mnist-mlp`, `lenet5` |
# | loss and optimiser | what "wrong" means; how to descend | `losses`, `descent`, `landscape` |
# | loop | forward, loss, backward, step, over and over | `descent`, `workflow`, `quickstart` |
# | evaluate | score on data the model never trained on | `classify`, `mnist-linear`, `workflow` |
# | improve and save | experiment; save, reload the best | `mnist-deep`, `workflow`, `quickstart` |
#
# The same map, from the package (`intro.WORKFLOW`), with each lesson's title:

# %% slideshow={"slide_type": "subslide"}
for step, lessons in intro.WORKFLOW.items():
    titles = ", ".join(f"{key} ({registry.find(key).title})" for key in lessons)
    print(f"{step:20s}{titles}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare. In a terminal, `dojo run intro --quick --set epsilon=1.0`
# does the same.
#
# **1. Always explore.** The player above explores with probability 0.1. *Predict*: when
# it explores on every pull (`epsilon=1.0`), what share of the last 100 pulls lands on
# the best arm?

# %% slideshow={"slide_type": "subslide"}
explorer = show.your_turn(lambda: run_experiment("intro", quick=quick_mode(), quiet=True,
                                                 overrides={"epsilon": 1.0}))
show.compare(result, explorer, "bandit_best_arm_share", "bandit_mean_reward")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **2. More labels.** *Predict*: with 20 labels per digit instead of 2, does transfer's
# lead over training from scratch grow or shrink?

# %%
more_labels = show.your_turn(lambda: run_experiment(
    "intro", quick=quick_mode(), quiet=True, overrides={"labels_per_digit": 20}))
show.compare(result, more_labels, "scratch_acc", "transfer_acc",
             "transfer_minus_scratch_acc")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check yourself
#
# **1. Why score the hand rule and the network on points neither was built from?**
#
# <details><summary>Answer</summary>
#
# Fitting the points you learned from is easy (a big enough network memorises them);
# only points neither has seen show whether a rule captured the pattern, and the same
# points for both make the comparison fair.
#
# </details>
#
# **2. On the two blobs the linear model is as accurate as the MLP. Why prefer it there?**
#
# <details><summary>Answer</summary>
#
# It has 6 parameters instead of about 1,200: it trains faster, needs fewer examples,
# and its rule (one line) can be read and explained.
#
# </details>
#
# **3. The transfer head and the scratch network see the same 20 labels. Where does the
# head's advantage come from?**
#
# <details><summary>Answer</summary>
#
# From task A's labelled digits (2,000 in the full run): the reader's hidden layer
# already turns noisy pixels into "which digit" features, so task B only has to learn
# which of those features mean "even". With many labels for B, scratch catches up:
# transfer matters most when labels are few.
#
# </details>

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further reading
#
# - Michael Nielsen, *Neural Networks and Deep Learning*,
#   [chapter 1](http://neuralnetworksanddeeplearning.com/chap1.html): perceptrons,
#   sigmoid neurons and a network that learns to read digits.
# - [Deep Learning with PyTorch: A 60 Minute Blitz](https://pytorch.org/tutorials/beginner/deep_learning_60min_blitz.html):
#   tensors, autograd, networks and a classifier, in PyTorch's own words.
# - Zero to Mastery, [learnpytorch.io](https://www.learnpytorch.io/00_pytorch_fundamentals/):
#   the quickstart outline 003 follows, from "what is deep learning?" to the workflow.
