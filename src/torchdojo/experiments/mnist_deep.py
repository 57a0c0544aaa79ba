"""mnist-deep (870): a seven-layer MLP; initialisation, activation and normalisation compared
by the gradient norm each layer receives, then the best recipe trained to the target.

Backpropagation multiplies the output's error by one Jacobian per layer,

    dL/dh_l = W_{l+1}^T diag(f'(z_{l+1})) ... W_L^T dL/dz_L,    dL/dW_l = dL/dz_l h_{l-1}^T,

so if each factor shrinks a vector (sigmoid's f' <= 1/4, weights drawn too small) the
first layers get vanishing gradients; if each grows it (weights too large), exploding ones.
Kaiming init (He et al. 2015) keeps Var(z) constant through ReLU layers; batch or layer
norm re-centres and re-scales every layer's inputs whatever the weights do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import torch
from torch import Tensor, nn

from torchdojo.errors import DojoError
from torchdojo.experiments.image_classifier import (
    ClassifierResult,
    ImageTensors,
    load_tensors,
    make_optimizer,
    train_classifier,
)
from torchdojo.figures import plots
from torchdojo.models.mlp import MLP, count_parameters, init_weights
from torchdojo.train import tasks
from torchdojo.train.context import SWITCH_NAMES, Context

Activation = Literal["relu", "sigmoid", "tanh"]
Init = Literal["default", "kaiming", "xavier", "normal"]
Norm = Literal["none", "batch", "layer"]

# The short runs of the comparison: every activation with every init, no normalisation;
# then batch and layer norm added to the best plain recipe and to two that vanish.
VARIANTS: tuple[tuple[str, str, str], ...] = (
    *((a, i, "none") for a in ("relu", "tanh", "sigmoid")
      for i in ("default", "kaiming", "xavier", "normal")),
    *((a, i, n) for a, i in (("relu", "kaiming"), ("tanh", "normal"), ("sigmoid", "normal"))
      for n in ("batch", "layer")),
)
SHOWN = (("sigmoid", "normal", "none"), ("sigmoid", "normal", "batch"),
         ("relu", "default", "none"), ("relu", "kaiming", "batch"))  # per-step panels


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    hidden: tuple[int, ...] = (512, 512, 512, 512, 512, 512)  # 6 hidden + output = 7 layers
    activation: Activation = "relu"
    init: Init = "kaiming"
    norm: Norm = "batch"
    dropout: float = 0.1
    epochs: int = 15
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    train_limit: int | None = None  # use only this many training images (quick runs)
    compare: bool = True  # run the short comparison of init / activation / norm first
    compare_limit: int = 10000  # training images for each comparison run
    compare_epochs: int = 2
    grad_every: int = 10  # record per-layer gradient norms every this many steps
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 4, "batch_size": 32, "lr": 5e-3, "train_limit": 2000,
         "hidden": "64,64,64,64,64,64", "compare_limit": 320, "compare_epochs": 1,
         "grad_every": 2}

# smoke runs (tests of the lesson script; two steps per fit): a small variant comparison
SMOKE = {"compare_limit": 64}


class GradNormRecorder:
    """Records ||dL/dW|| of each weight every `every` backward passes, as training happens.

    A post-accumulate-grad hook (called once the parameter's .grad is complete) sees the
    gradient of the very batch the optimiser is about to use: no extra forward pass.
    """

    def __init__(self, weights: Sequence[nn.Parameter], every: int = 1):
        self.every = every
        self._calls = [0] * len(weights)
        self._norms: list[list[Tensor]] = [[] for _ in weights]
        self._handles = [w.register_post_accumulate_grad_hook(self._hook(i))
                         for i, w in enumerate(weights)]

    def _hook(self, layer: int):
        def hook(param: Tensor) -> None:
            if self._calls[layer] % self.every == 0:
                self._norms[layer].append(param.grad.detach().norm())  # stays on device
            self._calls[layer] += 1

        return hook

    @property
    def steps(self) -> list[int]:
        """The training steps (1 = the first) at which norms were recorded."""
        return [1 + k * self.every for k in range(min(len(n) for n in self._norms))]

    @property
    def norms(self) -> list[list[float]]:
        """norms[layer][i]: ||dL/dW_layer|| at steps[i], layer 0 = nearest the input."""
        n = len(self.steps)
        return [torch.stack(v[:n]).tolist() if n else [] for v in self._norms]

    def close(self) -> None:
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()


def build_model(config: Config, activation: str | None = None, init: str | None = None,
                norm: str | None = None) -> MLP:
    """The deep MLP, with the config's activation/init/norm unless others are given."""
    if not config.hidden or min(config.hidden) < 1:
        raise DojoError(f"hidden must be positive widths, e.g. 512,512; got {config.hidden}")
    model = MLP(784, config.hidden, 10, activation=activation or config.activation,
                norm=norm or config.norm, dropout=config.dropout)
    init_weights(model, init or config.init)
    return model


def name(activation: str, init: str, norm: str) -> str:
    """A variant's label, e.g. 'sigmoid + normal(0.01) init + batch norm'."""
    shown = "normal(0.01)" if init == "normal" else init
    return f"{activation} + {shown} init" + ("" if norm == "none" else f" + {norm} norm")


def compare(config: Config, tensors: ImageTensors, ctx: Context) -> list[dict]:
    """Short runs of each variant on a subset: validation accuracy (held-out training images)
    and per-step gradient norms."""
    x, y = tensors.train
    keep = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(config.seed))
    subset = (x[keep[:config.compare_limit]], y[keep[:config.compare_limit]])
    short = replace(config, epochs=config.compare_epochs)
    steps_per_epoch = -(-subset[0].shape[0] // config.batch_size)
    every = max(1, min(config.grad_every, steps_per_epoch // 10))
    rows = []
    for activation, init, norm in VARIANTS:
        model = build_model(config, activation, init, norm).to(ctx.device)
        optimizer, scheduler = make_optimizer(model, short, steps_per_epoch, ctx.device)
        recorder = GradNormRecorder([m.weight for m in model.linears()], every)
        ctx.fit(model, subset, loss_fn=tasks.classification, optimizer=optimizer,
                scheduler=scheduler, epochs=short.epochs, batch_size=config.batch_size,
                seed=config.seed, log=False)
        recorder.close()
        val = ctx.evaluate(model, tensors.val, tasks.classification)
        first = [layer[0] for layer in recorder.norms]  # at step 1, i.e. at initialisation
        rows.append({"activation": activation, "init": init, "norm": norm,
                     "name": name(activation, init, norm), "val_acc": val["acc"],
                     "grad_first_layer": first[0], "grad_last_layer": first[-1],
                     "grad_ratio": first[0] / first[-1], "steps": recorder.steps,
                     "norms": recorder.norms})
        ctx.say(f"  {rows[-1]['name']:<42s} val acc {100 * val['acc']:5.1f} %   "
                f"|dL/dW| first / last layer at init {first[0] / first[-1]:.1e}")
    return rows


@dataclass(kw_only=True)
class DeepResult(ClassifierResult):
    """The main run's model and tensors, plus the comparison's rows and its own norms."""

    comparison: list[dict[str, Any]]  # one row per variant (name, val_acc, grad_ratio, ...)
    grad_norms: tuple[list[int], list[list[float]]]  # steps, norms[layer][i] of the main run


def run(config: Config, ctx: Context) -> DeepResult:
    """Compare variants in short runs, then train the configured deep MLP to the target."""
    model = build_model(config)  # checks the settings before any data is read
    tensors = load_tensors(config.dataset, ctx.device, train_limit=config.train_limit,
                           seed=config.seed)
    rows = []
    subset = min(config.compare_limit, tensors.train[0].shape[0])
    if config.compare:
        ctx.say(f"comparison: {len(VARIANTS)} variants, {config.compare_epochs} epoch(s) on "
                f"{subset:,} training images")
        rows = compare(config, tensors, ctx)
    ctx.say(f"main run: MLP 784-{'-'.join(map(str, config.hidden))}-10 "
            f"({len(config.hidden) + 1} layers, {name(config.activation, config.init, config.norm)}"
            f"), {count_parameters(model):,} parameters, on {tensors.data.label}")
    model = model.to(ctx.device)
    steps_per_epoch = -(-tensors.train[0].shape[0] // config.batch_size)
    recorder = GradNormRecorder([m.weight for m in model.linears()],
                                max(1, min(config.grad_every, steps_per_epoch // 4)))
    try:
        result = train_classifier(model, tensors, config, ctx)
    finally:
        recorder.close()
    norms = recorder.norms
    if recorder.steps and not ctx.run.resume:  # a resumed run did not see step 1
        result.metrics["grad_ratio_at_init"] = norms[0][0] / norms[-1][0]
    for row in rows:  # the whole table in the notes and comparison.json; two numbers here
        key = (row["activation"], row["init"], row["norm"])
        if key in (("sigmoid", "normal", "none"), ("relu", "kaiming", "batch")):
            result.metrics[f"{'_'.join(key)}_grad_ratio"] = row["grad_ratio"]
        result.notes.append(f"{row['name']}: val acc {100 * row['val_acc']:.1f} % after "
                            f"{config.compare_epochs} epoch(s) on {subset:,} images; "
                            f"|dL/dW| first / last layer at init = {row['grad_ratio']:.2g}")
    result = DeepResult(**vars(result), comparison=rows, grad_norms=(recorder.steps, norms))
    if ctx.is_main:
        main = f"main run: {name(config.activation, config.init, config.norm)}"
        series = {r["name"]: (r["steps"], r["norms"]) for r in rows
                  if (r["activation"], r["init"], r["norm"]) in SHOWN}
        result.figures["grad_norms"] = ctx.savefig(
            plots.layer_grad_norms({**series, main: (recorder.steps, norms)}), "grad_norms")
        if rows:
            ctx.run.write_json("comparison.json", rows)
            result.figures["comparison"] = ctx.savefig(plots.variant_table(
                [r["name"] for r in rows], [[n[0] for n in r["norms"]] for r in rows],
                [r["val_acc"] for r in rows]), "comparison")
    return result
