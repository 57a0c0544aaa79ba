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
# Every project follows the same path: data → tensors → model → loss and optimizer →
# training loop → evaluate → improve → save and reload. Here it is on the smallest
# problem there is: find w and b of the line y = 0.7 x + 0.3 from noisy points.

# %% [markdown]
# **Teacher:** About 20 minutes. The one idea: every project walks the same seven steps,
# numbered in the comments of the first cell. Write them on the board and tick each one
# off as its cell runs.

# %% [markdown]
# **Say:** A straight line is the dullest model there is, and that is the point: with
# nothing interesting in the model, we can watch the path around it. Every later lesson
# fills the same slots with bigger data and bigger models.

# %%
from torchdojo import show
from torchdojo.experiments import workflow

show.source(workflow.make_data)  # 1. data -> tensors
show.source(workflow.train_model)  # 2-4. model, loss and optimizer, the loop
show.source(workflow.save_and_reload)  # 7. save the state dict, load it with weights_only=True

# %% [markdown]
# **Teacher:** Ask the room to predict the learned w and b (the truth is 0.7 and 0.3), and
# whether the reloaded model's predictions differ from the saved one's at all. The last
# printed line answers: same tensors, same arithmetic, so the difference is exactly 0.

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("workflow", quick=quick_mode())
print({k: float(f"{v:.4g}") for k, v in result.metrics.items()})  # every metric, 4 digits
m = result.metrics
print(f"5. evaluate: test MSE {m['first_test_mse']:.2e} after a short first attempt")
print(f"6. improve:  test MSE {m['test_mse']:.2e} after training longer; "
      f"w = {m['weight']:.3f}, b = {m['bias']:.3f}")
print(f"7. reload:   max |prediction before - after| = {m['reload_max_abs_diff']}")

# %% [markdown]
# **Teacher:** In the figure, point at where the test points lie: the last 20 % of x, to the
# right of every training point, so the test measures extrapolation. Ask: would a random
# 80/20 split be easier or harder? (Easier: each test point would sit between training ones.)

# %%
import torch
from matplotlib.figure import Figure

train, test = result.train, result.test
x_all = torch.cat([train[0], test[0]]).cpu()
fig = Figure(figsize=(5.5, 3.6))
ax = fig.subplots()
ax.scatter(train[0].cpu(), train[1].cpu(), s=10, label="train")
ax.scatter(test[0].cpu(), test[1].cpu(), s=10, label="test")
with torch.no_grad():
    ax.plot(x_all, result.reloaded(x_all), "k-", label="reloaded model")
ax.legend()
show.figure(fig)

# %% [markdown]
# ## Your turn
#
# Predict first, then run. Each cell repeats the run above with one setting changed
# and prints the numbers to compare.
#
# **1. Noisier points.** *Predict*: with `noise=0.3` (30 times more), what test MSE
# does the improved model reach, and is the reloaded model still identical?

# %%
noisy = show.your_turn(lambda: run_experiment("workflow", quick=quick_mode(), quiet=True,
                                              overrides={"noise": 0.3}))
show.compare(result, noisy, "test_mse", "weight", "bias", "reload_max_abs_diff")

# %% [markdown]
# **2. No momentum.** *Predict*: with `momentum=0.0`, is the short first attempt (5
# epochs) better or worse than with momentum 0.9?

# %%
plain_sgd = show.your_turn(lambda: run_experiment("workflow", quick=quick_mode(),
                                                  quiet=True, overrides={"momentum": 0.0}))
show.compare(result, plain_sgd, "first_test_mse", "test_mse")

# %% [markdown]
# ## Check yourself
#
# **1. Why save `model.state_dict()` rather than the model object?**
#
# <details><summary>Answer</summary>
#
# A state dict is only named tensors: it loads into any code that builds the same
# layers, even after the class changed, and with `weights_only=True` loading it runs
# no code. A pickled model ties the file to the exact class and module path.
#
# </details>
#
# **2. Why is the test split set aside before training, and never trained on?**
#
# <details><summary>Answer</summary>
#
# Its score must say how the model does on points it has never seen. Points it was
# fitted to make the score optimistic.
#
# </details>
#
# **3. The learned w and b are not exactly 0.7 and 0.3. Is that a bug?**
#
# <details><summary>Answer</summary>
#
# No: the model fits the 40 noisy training points, whose best line differs a little
# from the line they were drawn from (and training stops after finitely many steps).
#
# </details>

# %% [markdown]
# ## Further reading
#
# - learnpytorch.io, [01. PyTorch workflow fundamentals](https://www.learnpytorch.io/01_pytorch_workflow/):
#   the same straight line, step by step.
# - PyTorch, [Saving and loading models](https://pytorch.org/tutorials/beginner/saving_loading_models.html).
# - PyTorch, [Quickstart](https://pytorch.org/tutorials/beginner/basics/quickstart_tutorial.html).
