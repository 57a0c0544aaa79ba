"""workflow (003): the PyTorch workflow end to end on a straight line y = 0.7 x + 0.3:
data -> tensors -> model -> loss and optimizer -> loop -> evaluate -> improve -> save, reload."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.experiments.toy_classifier import positive
from torchdojo.figures import plots
from torchdojo.models.affine import Affine
from torchdojo.train.context import SWITCH_NAMES, Context, Result


@dataclass
class Config:
    weight: float = 0.7  # the line the model must find
    bias: float = 0.3
    n_points: int = 50
    noise: float = 0.01
    first_epochs: int = 5  # the first, too short, attempt
    epochs: int = 100  # the improved one
    batch_size: int = 10
    lr: float = 0.1
    momentum: float = 0.9
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 30}


def regression(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict[str, Tensor]]:
    """Mean squared error of the predictions, in the loop's (loss, metrics) shape."""
    x, y = batch
    prediction = model(x)  # (B, 1)
    return F.mse_loss(prediction, y), {}


def make_data(config: Config) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """Step 1, data -> tensors: x in [0, 1), y = w x + b + noise; first 80 % train, rest test."""
    g = torch.Generator().manual_seed(config.seed)
    x = torch.linspace(0, 1, config.n_points + 1)[:-1, None]  # (N, 1)
    y = config.weight * x + config.bias + config.noise * torch.randn(x.shape, generator=g)
    cut = int(0.8 * config.n_points)
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def train_model(config: Config, train: tuple[Tensor, Tensor], epochs: int, ctx: Context,
                log: bool) -> tuple[Affine, list[dict]]:
    """Steps 2-5: model, loss, optimizer, loop."""
    torch.manual_seed(config.seed)
    model = Affine(1, 1).to(ctx.device)  # 2. a model: y = w x + b, w and b random
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr,  # 3. loss (MSE) + optimizer
                                momentum=config.momentum)
    history = ctx.fit(model, train, loss_fn=regression, optimizer=optimizer,  # 4. the loop
                      epochs=epochs, batch_size=config.batch_size, seed=config.seed, log=log,
                      quiet=True)
    return model, history


def save_and_reload(model: Affine, path: Path) -> Affine:
    """Step 7: save the state dict (tensors only) and load it into a fresh model, safely."""
    torch.save(model.state_dict(), path)
    fresh = Affine(1, 1)
    fresh.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return fresh


@dataclass(kw_only=True)
class WorkflowResult(Result):
    model: Affine  # the improved model, as saved
    reloaded: Affine  # loaded back from model.pt
    first: Affine  # the first, too short, attempt
    train: tuple[Tensor, ...]  # (x, y)
    test: tuple[Tensor, ...]


def run(config: Config, ctx: Context) -> WorkflowResult:
    """Fit the line twice (short, then improved), evaluate, save, reload, compare predictions."""
    positive(n_points=config.n_points - 4, first_epochs=config.first_epochs,
             epochs=config.epochs, batch_size=config.batch_size, lr=config.lr)
    train, test = make_data(config)
    train = tuple(t.to(ctx.device) for t in train)
    test = tuple(t.to(ctx.device) for t in test)
    first, _ = train_model(config, train, config.first_epochs, ctx, log=False)
    first_mse = ctx.evaluate(first, test, regression)["loss"]  # 5. evaluate
    model, history = train_model(config, train, config.epochs, ctx, log=True)  # 6. improve
    test_mse = ctx.evaluate(model, test, regression)["loss"]
    reloaded = save_and_reload(model.cpu(), ctx.run.dir() / "model.pt")
    x_all = torch.cat([train[0], test[0]]).cpu()
    with torch.no_grad():
        before, after = model(x_all), reloaded(x_all)
    w, b = model.weight.item(), model.bias.item()
    metrics = {"first_test_mse": first_mse, "test_mse": test_mse, "weight": w, "bias": b,
               "weight_error": abs(w - config.weight), "bias_error": abs(b - config.bias),
               "reload_max_abs_diff": float((before - after).abs().max())}
    ctx.say(f"after {config.first_epochs} epochs test MSE {first_mse:.4g}; after {config.epochs}: "
            f"{test_mse:.4g}; learned w = {w:.3f}, b = {b:.3f} (true {config.weight}, "
            f"{config.bias}); reloaded predictions differ by {metrics['reload_max_abs_diff']}")
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    ax.scatter(train[0].cpu(), train[1].cpu(), s=10, label="train")
    ax.scatter(test[0].cpu(), test[1].cpu(), s=10, label="test")
    with torch.no_grad():
        ax.plot(x_all, first.cpu()(x_all), "--", label=f"after {config.first_epochs} epochs")
    ax.plot(x_all, after, "k-", lw=1, label=f"after {config.epochs} epochs (reloaded)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=8)
    ax.set_title(f"y = {config.weight} x + {config.bias}: predictions")
    fig.tight_layout()
    result = WorkflowResult(metrics, dataset="generated",
                            dataset_label=f"{config.n_points} points on y = {config.weight} x "
                                          f"+ {config.bias}, noise {config.noise:g}",
                            history=history, model=model, reloaded=reloaded, first=first,
                            train=train, test=test)
    result.figures["predictions"] = ctx.savefig(fig, "predictions")
    result.figures["curves"] = ctx.savefig(plots.curves(history, ["loss"]), "curves")
    return result
