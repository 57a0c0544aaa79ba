"""intro (003): what deep learning is, in small runs on generated data, each with a check.

1. Rules by hand vs rules learned, on two moons: a threshold a person writes vs a small MLP.
2. When deep learning pays: a linear model vs the MLP, on a linear task and on the moons.
3. One example per kind of learning: supervised (1.); self-supervised (an autoencoder's
   codes of unlabelled seven-segment digits help a linear probe at two labels per digit);
   transfer (a digit reader's features answer "even or odd?" from the same 20 labels better
   than the same net trained from scratch); reinforcement (an epsilon-greedy bandit).
4. The six-step workflow, each step mapped to the lessons that teach it (`WORKFLOW`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data import toy
from torchdojo.errors import DojoError
from torchdojo.experiments.toy_classifier import positive, strict_accuracy, train
from torchdojo.figures import boundaries, plots
from torchdojo.models.affine import Affine
from torchdojo.models.mlp import MLP, count_parameters
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.tasks import predict


@dataclass
class Config:
    # 1-2. rules vs learned, and when it pays (2-D points)
    n_train: int = 200
    n_test: int = 1000
    moon_noise: float = 0.15
    rule_threshold: float = 0.25  # the hand-written rule: upper moon where x2 > this
    hidden: int = 32
    epochs: int = 60  # 0 leaves the MLP untrained: the rule then wins
    batch_size: int = 100
    lr: float = 0.02  # Adam
    # 3. self-supervised and transfer (seven-segment digits)
    pixel_noise: float = 0.4
    n_unlabelled: int = 2000  # for the autoencoder, and (labelled) for the digit reader
    labels_per_digit: int = 2  # the few labels both probes, the transfer head and scratch get
    code_size: int = 8
    ae_epochs: int = 20
    source_epochs: int = 20  # task A: read the digit
    probe_epochs: int = 100
    # 3. reinforcement: Bernoulli slot machines, the chance that each arm pays 1
    arm_means: tuple[float, ...] = (0.1, 0.3, 0.2, 0.8, 0.4)
    epsilon: float = 0.1  # 1.0 explores for ever and never exploits: the share target fails
    pulls: int = 500
    last_pulls: int = 100  # the best-arm share is measured on these
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 40, "ae_epochs": 8, "source_epochs": 8, "probe_epochs": 60,
         "n_unlabelled": 1500}

# Step of every deep-learning project (003) -> the registry lessons that teach it.
WORKFLOW: dict[str, tuple[str, ...]] = {
    "data": ("tensors", "mnist-data", "sequences"),
    "model": ("affine", "xor", "mnist-mlp", "lenet5"),
    "loss and optimiser": ("losses", "descent", "landscape"),
    "loop": ("descent", "workflow", "quickstart"),
    "evaluate": ("classify", "mnist-linear", "workflow"),
    "improve and save": ("mnist-deep", "workflow", "quickstart"),
}

DIGITS_LR = 3e-3  # Adam, for every network on the digits (autoencoder, reader, scratch)
PROBE_LR = 0.05  # Adam, full batch, for the linear probes and the transfer head

WHEN_IT_PAYS = ("Deep learning pays where the rules are too many or too tangled to write "
                "down (the moons, images, text) and data is plentiful; where a straight line "
                "or a one-line rule already works, a linear model is as good, smaller and "
                "faster to train, and easier to explain.")


# --- data ------------------------------------------------------------------------------------

def two_moons(n: int, *, noise: float, seed: int) -> tuple[Tensor, Tensor]:
    """Two interleaved half circles, points (N, 2) and classes (N,): 0 upper, 1 lower moon."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    t = math.pi * torch.rand(n, generator=g)
    upper = torch.stack([t.cos(), t.sin()], 1)  # radius 1 around (0, 0)
    lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)  # flipped, moved to (1, 0.5)
    x = torch.where(y[:, None] == 0, upper, lower) + noise * torch.randn(n, 2, generator=g)
    order = torch.randperm(n, generator=g)
    return x[order].float(), y[order].long()


SEGMENTS = ("abcdef", "bc", "abdeg", "abcdg", "bcfg", "acdfg", "acdefg", "abc", "abcdefg",
            "abcdfg")  # the segments each digit 0-9 lights, as on a calculator display
HEIGHT, WIDTH = 11, 7


def digit_templates() -> Tensor:
    """The ten clean seven-segment digits, (10, 11, 7) images of 0s and 1s."""
    top, mid, bottom, left, right = 1, HEIGHT // 2, HEIGHT - 2, 1, WIDTH - 2
    where = {"a": (top, slice(left, right + 1)), "b": (slice(top, mid + 1), right),
             "c": (slice(mid, bottom + 1), right), "d": (bottom, slice(left, right + 1)),
             "e": (slice(mid, bottom + 1), left), "f": (slice(top, mid + 1), left),
             "g": (mid, slice(left, right + 1))}
    images = torch.zeros(10, HEIGHT, WIDTH)
    for digit, lit in enumerate(SEGMENTS):
        for segment in lit:
            images[(digit, *where[segment])] = 1.0
    return images


def noisy_digits(digits: Tensor, *, noise: float, seed: int) -> Tensor:
    """Each digit's template plus Gaussian pixel noise, flattened: (N,) -> (N, 77)."""
    g = torch.Generator().manual_seed(seed)
    images = digit_templates()[digits]  # (N, 11, 7)
    return (images + noise * torch.randn(images.shape, generator=g)).flatten(1)


def random_digits(n: int, *, seed: int) -> Tensor:
    """n digits drawn uniformly from 0-9."""
    return torch.randint(0, 10, (n,), generator=torch.Generator().manual_seed(seed))


# --- 1. rules by hand vs rules learned ------------------------------------------------------

def hand_rule(x: Tensor, threshold: float) -> Tensor:
    """What a person writes after one look at the moons: upper moon (0) if x2 > threshold."""
    return (x[:, 1] <= threshold).long()  # (N,): 1 = the lower moon


def accuracy(predicted: Tensor, y: Tensor) -> float:
    """Share of predictions equal to the labels."""
    return float((predicted.cpu() == y.cpu()).float().mean())


def rules_vs_learned(config: Config, ctx: Context) -> tuple[dict[str, float], dict, list]:
    """Score the hand rule and a small MLP trained on examples, both on held-out points."""
    moons = two_moons(config.n_train, noise=config.moon_noise, seed=config.seed)
    test = two_moons(config.n_test, noise=config.moon_noise, seed=config.seed + 1)
    torch.manual_seed(config.seed)
    net = MLP(2, (config.hidden, config.hidden), 2)
    history = _fit(net, moons, ctx, config, epochs=config.epochs, log=True)
    test_x, test_y = (t.to(ctx.device) for t in test)
    rule_acc = accuracy(hand_rule(test_x, config.rule_threshold), test_y)
    learned_acc = strict_accuracy(net, test_x, test_y)
    metrics = {"rule_acc": rule_acc, "learned_acc": learned_acc,
               "learned_minus_rules_acc": learned_acc - rule_acc}
    return metrics, {"net": net, "moons": moons, "moons_test": test}, history


# --- 2. when deep learning pays --------------------------------------------------------------

def when_it_pays(config: Config, ctx: Context, supervised: dict) -> tuple[dict[str, float], dict]:
    """A linear model vs the MLP on a linear task (blobs) and on the moons (the MLP of 1.)."""
    blobs = toy.problem1(config.n_train, seed=config.seed)
    blobs_test = toy.problem1(config.n_test, seed=config.seed + 1)
    moons, moons_test, net = supervised["moons"], supervised["moons_test"], supervised["net"]
    models = {}
    for name, data in (("blobs_linear", blobs), ("blobs_mlp", blobs), ("moons_linear", moons)):
        torch.manual_seed(config.seed)
        models[name] = Affine(2, 2) if name.endswith("linear") else MLP(
            2, (config.hidden, config.hidden), 2)
        _fit(models[name], data, ctx, config, epochs=config.epochs)
    models["moons_mlp"] = net
    metrics = {}
    for name, model in models.items():
        x, y = (t.to(ctx.device) for t in (blobs_test if name.startswith("blobs") else moons_test))
        metrics[f"{name}_acc"] = strict_accuracy(model, x, y)
    metrics["linear_params"] = float(count_parameters(models["blobs_linear"]))
    metrics["mlp_params"] = float(count_parameters(net))
    return metrics, {"models": models, "blobs_test": blobs_test}


# --- 3. self-supervised and transfer ---------------------------------------------------------

def reconstruction(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
    """Self-supervised: the target is the input itself, loss = mean squared error."""
    (x,) = batch
    return F.mse_loss(model(x), x), {}


def autoencoder(size: int, hidden: int, code: int) -> nn.Sequential:
    """encoder (size -> hidden -> code), then decoder (code -> hidden -> size); [0] encodes."""
    return nn.Sequential(MLP(size, (hidden,), code), MLP(code, (hidden,), size))


def probe_accuracy(features: Tensor, labels: Tensor, test_features: Tensor, test_labels: Tensor,
                   ctx: Context, config: Config, classes: int) -> float:
    """Train a linear classifier on the few labelled features; its held-out accuracy."""
    torch.manual_seed(config.seed)
    probe = Affine(features.shape[1], classes)
    train(probe, (features, labels), ctx, epochs=config.probe_epochs, batch_size=len(labels),
          lr=PROBE_LR, optimizer="adam", seed=config.seed)
    return strict_accuracy(probe, test_features, test_labels)


def digit_sets(config: Config, ctx: Context) -> dict[str, tuple[Tensor, Tensor]]:
    """A pool of digit images (the autoencoder sees only the images, the digit reader their
    labels too), the few labelled ones (each digit equally often) and a test set."""
    sets = {}
    few = torch.arange(10).repeat(config.labels_per_digit)
    for name, digits, seed in (("pool", random_digits(config.n_unlabelled, seed=config.seed),
                                config.seed + 10), ("few", few, config.seed + 30),
                               ("test", random_digits(2000, seed=config.seed + 1),
                                config.seed + 20)):
        x = noisy_digits(digits, noise=config.pixel_noise, seed=seed)
        sets[name] = (x.to(ctx.device), digits.to(ctx.device))
    return sets


def self_supervised(config: Config, ctx: Context, sets: dict) -> tuple[dict[str, float], dict]:
    """Autoencode unlabelled digits; a linear probe on its codes vs on raw pixels, few labels."""
    (pool, _), (few_x, few_y), (test_x, test_y) = sets["pool"], sets["few"], sets["test"]
    torch.manual_seed(config.seed)
    ae = autoencoder(pool.shape[1], 32, config.code_size).to(ctx.device)
    optimizer = torch.optim.Adam(ae.parameters(), lr=DIGITS_LR)
    ctx.fit(ae, (pool,), loss_fn=reconstruction, optimizer=optimizer, epochs=config.ae_epochs,
            batch_size=100, seed=config.seed, log=False, quiet=True)
    raw = probe_accuracy(few_x, few_y, test_x, test_y, ctx, config, 10)
    codes = probe_accuracy(predict(ae[0], few_x), few_y, predict(ae[0], test_x), test_y, ctx,
                           config, 10)
    return {"raw_probe_acc": raw, "code_probe_acc": codes, "probe_minus_raw_acc": codes - raw,
            "reconstruction_mse": float(F.mse_loss(predict(ae, test_x), test_x))}, {"ae": ae}


def transfer(config: Config, ctx: Context, sets: dict) -> tuple[dict[str, float], dict]:
    """Task A: read the digit (many labels). Task B: even or odd (the few labels): a new
    linear head on A's frozen features vs the same net trained from scratch on B."""
    (pool_x, pool_y), (few_x, few_y), (test_x, test_y) = sets["pool"], sets["few"], sets["test"]
    torch.manual_seed(config.seed)
    reader = MLP(pool_x.shape[1], (32,), 10)
    _fit(reader, (pool_x, pool_y), ctx, config, epochs=config.source_epochs, batch_size=100,
         lr=DIGITS_LR)
    body = reader.net[:-1]  # all but the last layer, frozen: its outputs are the features
    parity = probe_accuracy(predict(body, few_x), few_y % 2, predict(body, test_x), test_y % 2,
                            ctx, config, 2)
    torch.manual_seed(config.seed)
    scratch = MLP(pool_x.shape[1], (32,), 2)
    _fit(scratch, (few_x, few_y % 2), ctx, config, epochs=config.probe_epochs,
         batch_size=len(few_y), lr=DIGITS_LR)
    scratch_acc = strict_accuracy(scratch, test_x, test_y % 2)
    metrics = {"source_acc": strict_accuracy(reader, test_x, test_y), "transfer_acc": parity,
               "scratch_acc": scratch_acc, "transfer_minus_scratch_acc": parity - scratch_acc}
    return metrics, {"reader": reader, "scratch": scratch}


# --- 3. reinforcement: a multi-armed bandit --------------------------------------------------

def choose_arm(values: Tensor, epsilon: float, u: float, random_arm: int) -> int:
    """Epsilon-greedy: explore (random_arm) when the uniform draw u < epsilon, else exploit."""
    return random_arm if u < epsilon else int(values.argmax())  # argmax: the first best


def update_estimate(values: Tensor, counts: Tensor, arm: int, reward: float
                    ) -> tuple[Tensor, Tensor]:
    """Incremental mean of the arm's rewards: Q <- Q + (r - Q) / N, with N after this pull."""
    counts, values = counts.clone(), values.clone()
    counts[arm] += 1
    values[arm] += (reward - values[arm]) / counts[arm]
    return values, counts


def bandit(config: Config) -> tuple[dict[str, float], dict]:
    """Play `pulls` rounds epsilon-greedy; share of the last pulls that chose the best arm."""
    means = torch.tensor(config.arm_means, dtype=torch.float64)
    g = torch.Generator().manual_seed(config.seed)
    u = torch.rand(config.pulls, generator=g, dtype=torch.float64)  # explore or exploit
    random_arms = torch.randint(0, len(means), (config.pulls,), generator=g)
    luck = torch.rand(config.pulls, generator=g, dtype=torch.float64)  # pays if < arm mean
    values = torch.zeros(len(means), dtype=torch.float64)  # Q: each arm's mean reward so far
    counts = torch.zeros(len(means), dtype=torch.float64)  # N: how often each arm was pulled
    arms, rewards = [], []
    for t in range(config.pulls):
        arm = choose_arm(values, config.epsilon, float(u[t]), int(random_arms[t]))
        reward = float(luck[t] < means[arm])
        values, counts = update_estimate(values, counts, arm, reward)
        arms.append(arm)
        rewards.append(reward)
    played = {"arms": torch.tensor(arms), "values": values, "means": means}
    best = int(means.argmax())
    metrics = {"bandit_best_arm_share": float((played["arms"][-config.last_pulls:] == best)
                                              .double().mean()),
               "bandit_mean_reward": sum(rewards) / config.pulls,
               "bandit_best_mean": float(means[best])}
    return metrics, {"bandit": played}


# --- figures -----------------------------------------------------------------------------------

def rules_figure(config: Config, parts: dict, metrics: dict[str, float]) -> Figure:
    """Decision regions on held-out moons: the hand rule, a linear model, the learned MLP."""
    pct = {k: f"{100 * metrics[k]:.1f}%" for k in ("rule_acc", "moons_linear_acc",
                                                   "learned_acc")}
    return boundaries.boundaries({
        f"hand rule x2 > {config.rule_threshold:g}: {pct['rule_acc']}":
            lambda p: hand_rule(p, config.rule_threshold),
        f"learned, linear: {pct['moons_linear_acc']}": parts["models"]["moons_linear"],
        f"learned, MLP: {pct['learned_acc']}": parts["net"]}, *parts["moons_test"],
        steps=120, title=f"rules written by hand vs rules learned from {config.n_train} "
                         "examples (held-out points)")


def kinds_figure(metrics: dict[str, float], played: dict, labels: int, window: int = 50
                 ) -> Figure:
    """Few-label accuracies of self-supervised and transfer learning; the bandit learning."""
    fig = Figure(figsize=(13, 3.6))
    axes = fig.subplots(1, 3)
    for ax, (title, bars) in zip(axes[:2], (
            ("self-supervised: which digit?", {"raw pixels": "raw_probe_acc",
                                               "autoencoder codes": "code_probe_acc"}),
            ("transfer: even or odd?", {"from scratch": "scratch_acc",
                                        "digit reader's features": "transfer_acc"}))):
        values = [100 * metrics[key] for key in bars.values()]
        ax.bar(list(bars), values, color=["#999999", "#1f77b4"])
        for i, v in enumerate(values):
            ax.text(i, v + 1, f"{v:.1f}%", ha="center")
        ax.set_ylim(0, 105)
        ax.set_title(f"{title} ({labels} labels)", fontsize=10)
        ax.set_ylabel("held-out accuracy (%)")
    arms, means = played["arms"], played["means"]
    on_best = (arms == int(means.argmax())).double()
    running = on_best.unfold(0, window, 1).mean(1)  # share over each window of pulls
    axes[2].plot(range(window, len(arms) + 1), 100 * running)
    axes[2].set_ylim(0, 105)
    axes[2].set_xlabel("pull")
    axes[2].set_title(f"bandit: % of the last {window} pulls on the best arm", fontsize=10)
    fig.tight_layout()
    return fig


def digits_figure(config: Config) -> Figure:
    """The ten clean digits above the noisy copies the networks see."""
    clean = digit_templates()
    noisy = noisy_digits(torch.arange(10), noise=config.pixel_noise, seed=config.seed)
    return plots.mosaic(torch.cat([clean, noisy.view(10, HEIGHT, WIDTH).clamp(0, 1)]), 2,
                        row_labels=["clean", f"noise {config.pixel_noise:g}"],
                        title="seven-segment digits")


# --- the run -----------------------------------------------------------------------------------

def _fit(model: nn.Module, data: tuple[Tensor, Tensor], ctx: Context, config: Config, *,
         epochs: int, batch_size: int | None = None, lr: float | None = None,
         log: bool = False) -> list[dict]:
    """Cross-entropy with Adam, through the one loop (epochs 0: the model stays untrained)."""
    return train(model, data, ctx, epochs=epochs, batch_size=batch_size or config.batch_size,
                 lr=lr or config.lr, optimizer="adam", seed=config.seed, log=log)


def check(config: Config) -> None:
    """A DojoError for settings no run can use."""
    positive(n_train=config.n_train, n_test=config.n_test, hidden=config.hidden,
             batch_size=config.batch_size, lr=config.lr, n_unlabelled=config.n_unlabelled,
             labels_per_digit=config.labels_per_digit, code_size=config.code_size,
             probe_epochs=config.probe_epochs, pulls=config.pulls, last_pulls=config.last_pulls)
    for name in ("epochs", "ae_epochs", "source_epochs"):
        if getattr(config, name) < 0:
            raise DojoError(f"{name} must be 0 or more, not {getattr(config, name)}")
    if not 0 <= config.epsilon <= 1:
        raise DojoError(f"epsilon is a probability, in [0, 1], not {config.epsilon}")
    if len(config.arm_means) < 2 or not all(0 <= p <= 1 for p in config.arm_means):
        raise DojoError(f"arm_means needs two or more chances in [0, 1], not {config.arm_means}")
    if config.last_pulls > config.pulls:
        raise DojoError(f"last_pulls ({config.last_pulls}) cannot exceed pulls ({config.pulls})")


@dataclass(kw_only=True)
class IntroResult(Result):
    net: MLP  # 1. the MLP learned from the moons
    moons: tuple[Tensor, Tensor]  # its training points
    moons_test: tuple[Tensor, Tensor]
    models: dict[str, nn.Module]  # 2. "blobs_linear", "blobs_mlp", "moons_linear", "moons_mlp"
    blobs_test: tuple[Tensor, Tensor]
    ae: nn.Sequential  # 3. the autoencoder; ae[0] encodes
    reader: MLP  # the digit reader whose features transfer
    scratch: MLP  # even/odd trained from scratch on the few labels
    bandit: dict[str, Tensor]  # 4. "arms" pulled, value estimates, true "means"
    pictures: dict[str, Figure]  # "rules", "kinds", "digits" (their files: `figures`)


def run(config: Config, ctx: Context) -> IntroResult:
    """Every example of the lesson, each scored on data it did not train on."""
    check(config)
    metrics, parts, history = rules_vs_learned(config, ctx)
    pays, pays_objects = when_it_pays(config, ctx, parts)
    sets = digit_sets(config, ctx)
    kinds = [self_supervised(config, ctx, sets), transfer(config, ctx, sets), bandit(config)]
    for part_metrics, part_objects in [(pays, pays_objects), *kinds]:
        metrics.update(part_metrics)
        parts.update(part_objects)
    say(ctx, metrics)
    figures = {"rules": rules_figure(config, parts, metrics),
               "kinds": kinds_figure(metrics, parts["bandit"], 10 * config.labels_per_digit),
               "digits": digits_figure(config)}
    return IntroResult(metrics, dataset="generated",
                       dataset_label=f"two moons ({config.n_train} train, {config.n_test} "
                                     f"test), Gaussian blobs, seven-segment digits (noise "
                                     f"{config.pixel_noise:g}), a {len(config.arm_means)}-armed "
                                     f"bandit (seed {config.seed})",
                       history=history, notes=[WHEN_IT_PAYS],
                       figures={name: ctx.savefig(fig, name) for name, fig in figures.items()},
                       pictures=figures, **parts)


def say(ctx: Context, m: dict[str, float]) -> None:
    """One line per example: what was compared, on held-out data."""
    pct = {k: f"{100 * v:.1f}%" for k, v in m.items() if k.endswith(("acc", "share"))}
    ctx.say(f"supervised:      hand rule {pct['rule_acc']}, learned MLP {pct['learned_acc']}")
    ctx.say(f"when it pays:    linear task: linear {pct['blobs_linear_acc']}, MLP "
            f"{pct['blobs_mlp_acc']} ({m['linear_params']:.0f} vs {m['mlp_params']:.0f} "
            f"parameters); moons: linear {pct['moons_linear_acc']}, MLP {pct['moons_mlp_acc']}")
    ctx.say(f"self-supervised: probe on raw pixels {pct['raw_probe_acc']}, on autoencoder codes "
            f"{pct['code_probe_acc']}")
    ctx.say(f"transfer:        even/odd from scratch {pct['scratch_acc']}, on the digit "
            f"reader's features {pct['transfer_acc']}")
    ctx.say(f"reinforcement:   the best arm in {pct['bandit_best_arm_share']} of the last pulls")
