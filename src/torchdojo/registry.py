"""Every lesson of the course, in course order: id, title, source, aliases, checks.

A lesson's target text is derived from its checks (`Lesson.target`), so the numbers
`dojo verify` measures against and the words the course shows are written once.

This is metadata only. A lesson is *ready* when its lesson script exists (and its
experiment module, if it names one); otherwise it is *planned* and still listed,
so the course's shape is visible before every lesson is built.
"""

from __future__ import annotations

import difflib
import importlib.util
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

from torchdojo.errors import DojoError

PARTS = {
    0: "Part 0: Orientation, and what the outlines ask beyond Part I",
    1: "Part I: Foundations",
    2: "Part II: Images",
    3: "Part III: Sequences",
    4: "Part IV: Reinforcement learning",
}

_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, "<": operator.lt, ">": operator.gt}
DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


def _number(value: float) -> str:
    """Short and exact enough to read: 0.5, 98, 1e-6 (not 1e-06)."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{value:g}").replace("e+", "e")


def is_share(metric: str) -> bool:
    """Metrics that are a fraction of a whole (accuracies, shares), shown as percent."""
    return metric.endswith("_acc") or metric == "exact_match" or any(
        word in metric for word in ("share", "recognised"))


@dataclass(frozen=True)
class Target:
    """A measurable goal: `metric op value`, e.g. test_acc >= 0.98."""

    metric: str
    op: str
    value: float
    # one point of this metric, for verify's "near its bar" (three seeds within a point):
    # None means a percentage point for shares, else 1 % of the bar (e.g. 1.05 nats of 105)
    point: float | None = None

    def met(self, metrics: dict[str, float]) -> bool:
        """True when the metric is present and satisfies the goal."""
        return self.metric in metrics and _OPS[self.op](metrics[self.metric], self.value)

    def __str__(self) -> str:  # the key of verdicts and result.json: keep it stable
        return f"{self.metric} {self.op} {self.value:g}"

    @property
    def text(self) -> str:
        """The goal for people: fractions of a whole as percent, e.g. 'test_acc >= 98 %'."""
        if is_share(self.metric):
            return f"{self.metric} {self.op} {_number(100 * self.value)} %"
        return f"{self.metric} {self.op} {_number(self.value)}"


@dataclass(frozen=True)
class Check:
    """One full run of `dojo verify`: config overrides, and the targets it must reach.

    `dataset` names the data the targets are defined on (e.g. "mnist"); when the run
    had to use something else (the offline MNIST sample), the result is reported,
    labelled, but the target is marked not applicable rather than passed or failed.
    """

    targets: tuple[Target, ...]
    overrides: dict = field(default_factory=dict)
    dataset: str | None = None
    # a named recipe of the experiment's (its PRESETS), applied before the overrides: the
    # same targets reached another way, e.g. sooner; its own verify row
    preset: str | None = None

    @property
    def label(self) -> str:
        parts = [f"preset={self.preset}"] * bool(self.preset)
        return ", ".join(parts + [f"{k}={v}" for k, v in self.overrides.items()]) or "default"

    @property
    def text(self) -> str:
        """Its targets for people, after the data they hold on: 'MNIST: test_acc >= 98 %'."""
        goals = ", ".join(target.text for target in self.targets)
        where = [DATASET_NAMES.get(self.dataset, self.dataset)] * bool(self.dataset)
        where += [f"preset {self.preset}"] * bool(self.preset)
        return f"{', '.join(where)}: {goals}" if where else goals


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    part: int
    source: str
    aliases: tuple[str, ...] = ()
    experiment: str | None = None  # module under torchdojo.experiments
    checks: tuple[Check, ...] = ()
    note: str = ""  # context a Check cannot express (e.g. a bar only a GPU reaches)

    @property
    def target(self) -> str:
        """What the lesson's full runs must reach, derived from its checks (and note)."""
        text = "; ".join(check.text for check in self.checks)
        return f"{text} ({self.note})" if self.note else text

    @property
    def module(self) -> str | None:
        return f"torchdojo.experiments.{self.experiment}" if self.experiment else None

    @property
    def lesson_path(self) -> Path | None:
        """The lesson script, from the installed package or the source tree."""
        for root in lessons_dirs():
            path = root / f"{self.id}.py"
            if path.exists():
                return path
        return None

    @property
    def status(self) -> str:
        has_experiment = self.module is None or importlib.util.find_spec(self.module) is not None
        return "ready" if has_experiment and self.lesson_path is not None else "planned"


def lessons_dirs() -> list[Path]:
    """Where lesson scripts live: inside the wheel, or `lessons/` of a source checkout."""
    here = Path(__file__).resolve().parent
    return [p for p in (here / "lessons", here.parents[1] / "lessons") if p.is_dir()]


def _t(metric: str, op: str, value: float, point: float | None = None) -> Target:
    return Target(metric, op, value, point)


GENERATOR_TARGETS = (_t("recognised", ">=", 0.90), _t("fid", "<=", 25.0),
                     _t("agreement", ">=", 0.90))


def _aliases(*numbers: int | str) -> tuple[str, ...]:
    return tuple(str(n) for n in numbers)


LESSONS: tuple[Lesson, ...] = (
    # Part 0: Orientation (CURRICULUM.md lists them first; each is planned until built)
    # --- lesson: intro ---
    Lesson("intro", "What deep learning is", 0, "003",
           (), "intro",
           (Check((_t("learned_minus_rules_acc", ">", 0.0),
                   _t("probe_minus_raw_acc", ">", 0.0),
                   _t("transfer_minus_scratch_acc", ">", 0.0),
                   _t("bandit_best_arm_share", ">=", 0.8))),)),
    # --- lesson: autograd-function ---
    Lesson("autograd-function", "Autograd and Functions", 0, "002 (blitz)",
           (), "autograd_function",
           (Check((_t("gradcheck_passed", "==", 1), _t("max_abs_diff", "<=", 1e-10))),)),
    # --- lesson: landscape ---
    Lesson("landscape", "Gradient descent in two variables", 0, "002",
           (), "landscape",
           (Check((_t("diverged_at_large_lr", "==", 1), _t("small_minus_good_lr_steps", ">", 0),
                   _t("global_share", ">", 0.0), _t("global_share", "<", 1.0),
                   _t("unsettled_starts", "==", 0),
                   _t("momentum_minus_gd_steps", "<", 0), _t("adam_minus_gd_steps", "<", 0),
                   _t("half_mse_grad_ratio_error", "<=", 1e-12),
                   _t("mse_minimum_gap", "<=", 1e-9))),)),
    # --- lesson: quickstart ---
    Lesson("quickstart", "The standard PyTorch way", 0, "003 (quickstart)",
           (), "quickstart",
           (Check((_t("test_acc", ">=", 0.88), _t("reload_max_abs_diff", "==", 0.0)),
                  {"dataset": "fashion-mnist"}, "fashion-mnist"),)),
    Lesson("transfer", "Transfer learning", 0, "003",
           (), "transfer",
           (Check((_t("transfer_minus_scratch_at_10", ">=", 0.10, point=0.01),),
                  {"dataset": "fashion-mnist"}, "fashion-mnist"),)),
    Lesson("cifar10", "Training a classifier (CIFAR-10)", 0, "002 (blitz)",
           (), "cifar10",
           (Check((_t("test_acc", ">=", 0.80),), {}, "cifar10"),)),
    # >= 5x cheaper per epoch than the pixel U-Net, timed in the same run; recognised within
    # 10 points of the pixel bar; FID and agreement held to the pixel lesson's own bars (the
    # VAE's prior N(0, I) samples fail the FID bar several times over)
    Lesson("latent-diffusion", "Latent diffusion", 0, "004 (diffusion picture)",
           (), "latent_diffusion",
           (Check((_t("pixel_over_latent_epoch_time", ">=", 5.0), _t("recognised", ">=", 0.80),
                   _t("classifier_fid", "<=", 25.0), _t("agreement", ">=", 0.90)),
                  {"train_limit": 5000}, "mnist"),)),
    # Part I: Foundations
    Lesson("tensors", "Tensors", 1, "110, 002, 004", _aliases(110), "tensors",
           (Check((_t("numpy_max_abs_diff", "<=", 1e-12),)),)),
    Lesson("autograd", "Autograd", 1, "002", (), "autograd",
           (Check((_t("max_abs_diff", "<=", 1e-6), _t("checks_failed", "==", 0))),)),
    Lesson("affine", "A layer of neurons is an affine transform", 1, "210", _aliases(210), "affine",
           (Check((_t("max_abs_diff", "==", 0.0),)),)),
    Lesson("classify", "From a layer to a classifier", 1, "310, 350, 380, 410",
           _aliases(310, 350, 380, 410), "classify",
           (Check((_t("problem1_acc", ">=", 0.99),)),)),
    Lesson("losses", "Losses", 1, "430, 450, 480, 002", _aliases(430, 450, 480), "losses",
           (Check((_t("max_abs_diff", "<=", 1e-6),)),)),
    Lesson("descent", "Gradient descent", 1, "510, 530, 550, 002", _aliases(510, 530, 550),
           "descent",
           (Check((_t("final_abs_x", "<=", 1e-3), _t("final_abs_c_minus_3", "<=", 1e-3))),)),
    Lesson("xor", "XOR and the multi-layer network", 1, "610-695",
           _aliases(610, 630, 650, 670, 680, 690, 695), "xor",
           (Check((_t("single_layer_acc", "<=", 0.75), _t("mlp_acc", ">=", 1.0))),)),
    Lesson("backprop", "Backpropagation by hand", 1, "710-750",
           _aliases(710, 720, 730, 740, 750), "backprop",
           (Check((_t("max_abs_diff", "<=", 1e-6),)),)),
    Lesson("spiral", "A toy spiral, linear vs 2-layer", 1, "002", (), "spiral",
           (Check((_t("linear_acc", "<=", 0.60), _t("mlp_acc", ">=", 0.98))),)),
    Lesson("workflow", "The PyTorch workflow end to end", 1, "003", (), "workflow",
           (Check((_t("reload_max_abs_diff", "==", 0.0),)),)),
    # Part II: Images
    Lesson("mnist-data", "Fetching MNIST", 2, "810, 004", _aliases(810), "mnist_data",
           # the published files, whole, and the pixel statistics everyone normalises with
           # (MNIST 0.1307 / 0.3081; Fashion-MNIST 0.2860 / 0.3530): a wrong scaling or a
           # truncated read fails them
           (Check((_t("checksums_published", "==", 1), _t("train_size", "==", 60000),
                   _t("test_size", "==", 10000), _t("pixel_mean", ">=", 0.1302),
                   _t("pixel_mean", "<=", 0.1312), _t("pixel_std", ">=", 0.3076),
                   _t("pixel_std", "<=", 0.3086)), {"dataset": "mnist"}, "mnist"),
            Check((_t("checksums_published", "==", 1), _t("train_size", "==", 60000),
                   _t("test_size", "==", 10000), _t("pixel_mean", ">=", 0.2855),
                   _t("pixel_mean", "<=", 0.2865), _t("pixel_std", ">=", 0.3525),
                   _t("pixel_std", "<=", 0.3535)), {"dataset": "fashion-mnist"},
                  "fashion-mnist"))),
    Lesson("mnist-linear", "One layer on MNIST", 2, "830", _aliases(830), "mnist_linear",
           (Check((_t("test_acc", ">=", 0.92),), {"dataset": "mnist"}, "mnist"),)),
    Lesson("mnist-mlp", "Your first neural network", 2, "850, 000 (tutorial 1)",
           _aliases(850), "mnist_mlp",
           (Check((_t("test_acc", ">=", 0.98),), {"dataset": "mnist"}, "mnist"),
            Check((_t("test_acc", ">=", 0.89),), {"dataset": "fashion-mnist"}, "fashion-mnist"))),
    Lesson("mnist-deep", "Seven layers", 2, "870", _aliases(870), "mnist_deep",
           (Check((_t("test_acc", ">=", 0.98),), {"dataset": "mnist"}, "mnist"),)),
    Lesson("lenet5", "Convolutional networks: LeNet-5", 2, "890, 004 (CNN)",
           _aliases(890), "lenet5",
           (Check((_t("test_acc", ">=", 0.99),), {"dataset": "mnist"}, "mnist"),
            Check((_t("test_acc", ">=", 0.91),), {"dataset": "fashion-mnist"}, "fashion-mnist"),
            Check((_t("test_acc", ">=", 0.91),), {"dataset": "fashion-mnist"}, "fashion-mnist",
                  preset="fast"))),
    Lesson("vae", "Variational autoencoder", 2, "000 (tutorial 2)", (), "vae",
           (Check((_t("test_neg_elbo", "<=", 105.0),), {"dataset": "mnist"}, "mnist"),)),
    Lesson("mnist-addition", "Two inputs, three outputs, three losses", 2, "000 (tutorial 2)",
           (), "mnist_addition",
           (Check((_t("digit_acc", ">=", 0.98), _t("sum_acc", ">=", 0.97)),
                  {"dataset": "mnist"}, "mnist"),)),
    # A generator is judged three ways by the same LeNet-5: crisp (recognised), varied and
    # real-like (classifier FID against the training images), and drawing the digit it is
    # asked for (agreement). One repeated digit, or noise the judge is sure of, passes the
    # first alone; COMPARISONS below adds diffusion against the GAN. On 5,000 MNIST digits.
    Lesson("gan", "Generative adversarial network", 2, "004 (GAN)", (), "gan",
           (Check(GENERATOR_TARGETS, {"train_limit": 5000}, "mnist"),)),
    Lesson("diffusion", "Diffusion (DDPM)", 2, "004 (diffusion)", (), "diffusion",
           (Check(GENERATOR_TARGETS, {"train_limit": 5000}, "mnist"),)),
    # Part III: Sequences
    Lesson("sequences", "Data for sequence classification", 3, "910", _aliases(910), "sequences",
           (Check((_t("label_errors", "==", 0), _t("padding_errors", "==", 0),
                   _t("label1_share", ">=", 0.45), _t("label1_share", "<=", 0.55))),)),
    Lesson("rnn", "Recurrent networks", 3, "920, 004 (RNN)", _aliases(920), "rnn",
           (Check((_t("test_acc", ">=", 0.95),)),)),
    Lesson("lstm", "LSTM", 3, "004 (LSTM)",
           (), "lstm", (Check((_t("lstm_minus_rnn_val_loss", "<", 0.0),
                               _t("series_mse_ratio_to_naive", "<", 1.0))),)),
    Lesson("seq2seq", "Encoder-decoder", 3, "980, 004 (encoder-decoder)", _aliases(980), "seq2seq",
           (Check((_t("exact_match", ">=", 0.95),)),)),
    Lesson("attention", "Attention", 3, "004 (transformers)", (), "attention",
           (Check((_t("max_abs_diff", "<=", 1e-5),)),)),
    Lesson("transformer", "Transformers", 3, "004 (transformers)", (), "transformer",
           (Check((_t("exact_match", ">=", 0.99), _t("minus_lstm_val_loss", "<", 0.0))),)),
    # Part IV: Reinforcement learning
    Lesson("reinforce", "Policy gradients on CartPole", 4, "004 (RL)", (), "reinforce",
           (Check((_t("eval_mean_return", ">=", 475.0),)),)),
)


def all_lessons() -> tuple[Lesson, ...]:
    """Every lesson, in course order."""
    return LESSONS


def find(key: str) -> Lesson:
    """The lesson whose id or alias is `key`; a DojoError with suggestions otherwise."""
    key = key.strip().lower()
    for lesson in LESSONS:
        if key == lesson.id or key in lesson.aliases:
            return lesson
    names = [lesson.id for lesson in LESSONS] + [a for lesson in LESSONS for a in lesson.aliases]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; `dojo list` shows them all"
    raise DojoError(f"unknown lesson '{key}'{hint}")


@dataclass(frozen=True)
class Comparison:
    """A check across two lessons' verify rows: `better` must beat `than` on the image
    judge's classifier FID by a significant margin (a bootstrap over both runs' samples),
    without a significant loss in recognised share. Both rows must be measured on the same
    data for the comparison to apply."""

    better: str
    than: str

    @property
    def label(self) -> str:
        return f"{self.better} better than {self.than}"


COMPARISONS: tuple[Comparison, ...] = (Comparison("diffusion", "gan"),)
