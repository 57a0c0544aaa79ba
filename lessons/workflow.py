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
# # The PyTorch workflow end to end
#
# *Seed 003.* Target: **the reloaded model gives identical predictions**.
#
# Every project follows the same path: data → tensors → model → loss and optimizer →
# training loop → evaluate → improve → save and reload. Here it is on the smallest
# problem there is: find w and b of the line y = 0.7 x + 0.3 from noisy points.

# %%
from torchdojo import show
from torchdojo.experiments import workflow

show.source(workflow.make_data)  # 1. data -> tensors
show.source(workflow.train_model)  # 2-4. model, loss and optimizer, the loop
show.source(workflow.save_and_reload)  # 7. save the state dict, load it with weights_only=True

# %%
from torchdojo.runner import quick_mode, run_experiment

result = run_experiment("workflow", quick=quick_mode())
m = result.metrics
print(f"5. evaluate: test MSE {m['first_test_mse']:.2e} after a short first attempt")
print(f"6. improve:  test MSE {m['test_mse']:.2e} after training longer; "
      f"w = {m['weight']:.3f}, b = {m['bias']:.3f}")
print(f"7. reload:   max |prediction before - after| = {m['reload_max_abs_diff']}")

# %%
import torch
from matplotlib.figure import Figure

train, test = result.objects["train"], result.objects["test"]
x_all = torch.cat([train[0], test[0]]).cpu()
fig = Figure(figsize=(5.5, 3.6))
ax = fig.subplots()
ax.scatter(train[0].cpu(), train[1].cpu(), s=10, label="train")
ax.scatter(test[0].cpu(), test[1].cpu(), s=10, label="test")
with torch.no_grad():
    ax.plot(x_all, result.objects["reloaded"](x_all), "k-", label="reloaded model")
ax.legend()
show.figure(fig)
