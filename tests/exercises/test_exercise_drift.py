"""Where an exercise's solution mirrors a package function, the two agree on the hidden cases.

The lessons run the package's code, the exercises grade against the solutions: if one
changed alone, learners would be graded on something the course no longer teaches. Each
twin is observed exactly as a learner's code is and judged against the solution by the
exercise's own checks (values, gradients, in-place changes), on several seeds.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchdojo.backprop import losses, manual
from torchdojo.data.pairs import AdditionPairs
from torchdojo.exercises import catalog, observe
from torchdojo.exercises.grader import reference
from torchdojo.exercises.judge import judge_case
from torchdojo.experiments import (
    autograd_function,
    cifar10,
    intro,
    landscape,
    latent_diffusion,
    quickstart,
    transfer,
)
from torchdojo.methods import diffusion, gan, rl
from torchdojo.models import attention, efficientnet_lite, lenet, rnn, transformer, vae

SEEDS = range(5)
PACKAGE = Path(catalog.__file__).resolve().parents[1]  # src/torchdojo


class PackageLeNet(nn.Module):
    """The package's LeNet5 (ReLU, max pooling), its layers under the exercise's names."""

    def __init__(self) -> None:
        super().__init__()
        net = lenet.LeNet5()
        self.conv1, self.conv2, self.fc1 = net.conv[0], net.conv[3], net.fc[1]
        self.fc2, self.fc3 = net.fc[3], net.head
        self._net = [net]  # not a child: its parameters go by the names above only

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._net[0](x)


def two_layer_batch(X, y, W1, b1, W2, b2):
    grads = manual.two_layer_batch({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, X, y)[1]
    return tuple(grads[k] for k in ("W1", "b1", "W2", "b2"))


def momentum_step(p, velocity, grad, lr, beta):
    step = landscape.momentum(lr, beta)
    step(torch.zeros_like(p), velocity)  # the first call sets the closure's velocity to ours
    p_new = step(p, grad)
    return p_new, (p - p_new) / lr  # its velocity is not exposed: read it off the step


# slug: {entry: the package function that does the same}
TWINS = {
    "softmax": {"softmax": losses.softmax},
    "cross-entropy-point": {"cross_entropy_point": losses.cross_entropy_point},
    "cross-entropy-batch": {"cross_entropy": losses.cross_entropy},
    "logistic-loss": {"logistic_loss": losses.logistic_loss},
    "mse-loss": {"mse": losses.mse},
    "descend-quadratic": {"descend": lambda x0, lr, steps: landscape.descend(
        lambda v: 2 * v, torch.tensor(x0, dtype=torch.float64), lr, steps)},
    "two-layer-backward": {"two_layer_backward": two_layer_batch},
    "accuracy": {"accuracy": lambda logits, targets: intro.accuracy(logits.argmax(dim=1),
                                                                     targets)},
    "conv-output-size": {"conv_output_size": lambda size, kernel, stride, padding, dilation:
                         lenet.conv_output_size(size, kernel, stride, padding)},
    "lenet-forward": {"LeNet5": PackageLeNet},
    "vae-reparameterize": {"reparameterize": vae.reparameterize},
    "vae-kl": {"kl_divergence": vae.kl_divergence},
    "addition-dataset": {"AdditionPairs": AdditionPairs},
    "gan-losses": {"discriminator_loss": gan.discriminator_loss,
                   "generator_loss": gan.generator_loss},
    "ddpm-schedule": {"linear_alpha_bar": lambda T, beta_1, beta_T: diffusion.Schedule.linear(
        T, beta_1, beta_T).alpha_bar},
    "ddpm-forward": {"q_sample": diffusion.q_sample},
    "ddpm-loss": {"ddpm_loss": diffusion.ddpm_loss},
    "rnn-cell": {"rnn_cell": rnn.rnn_cell_step},
    "lstm-cell": {"lstm_cell": rnn.lstm_cell_step},
    "attention": {"attention": lambda q, k, v, mask: attention.scaled_dot_product_attention(
        q, k, v, mask)[0]},
    "causal-mask": {"causal_mask": attention.causal_mask},
    "multi-head": {"split_heads": attention.split_heads, "merge_heads": attention.merge_heads},
    "positional-encoding": {"sinusoidal_positions": transformer.sinusoidal_positions},
    "discounted-returns": {"discounted_returns": rl.discounted_returns},
    "epsilon-greedy": {"choose_arm": intro.choose_arm, "update_estimate": intro.update_estimate},
    "softplus-function": {"softplus": autograd_function.softplus},
    "momentum-step": {"momentum_step": momentum_step},
    "image-subset": {"ImageSubset": lambda images, labels, indices: quickstart.ImageDataset(
        images[indices], labels[indices])},
    "label-budget": {"first_per_class": transfer.first_per_class},
    "imagenet-input": {"to_imagenet": lambda x, size: efficientnet_lite.Preprocess(size)(x)},
    "channel-normalise": {"channel_normalise": lambda train, images: cifar10.normalise(
        images, *cifar10.channel_stats(train))},
    "crop-padded": {"crop_padded": lambda images, pad, offsets: cifar10.crop(
        F.pad(images, (pad, pad, pad, pad), mode="reflect"), offsets, images.shape[-2:])},
    "scale-latents": {"scale_latents": latent_diffusion.scale_latents},
    "latent-reverse-step": {"reverse_step": lambda x_t, eps, i, beta, alpha_bar, z:
                            diffusion.p_sample_step(lambda x, t: eps, x_t, i, diffusion.Schedule(
                                beta, 1 - beta, alpha_bar), z)},
}
# the package's function only handles some cases
ONLY = {"conv-output-size": lambda case: case.args["dilation"] == 1,  # lenet's has no dilation
        "imagenet-input": lambda case: case.args["size"] % 32 == 0}  # the network's sizes
# solution names that the package also defines, for something else
NOT_TWINS = {
    "argmax-classifier": {"predict"},  # train.tasks.predict: a model's batched outputs
    "mse-loss": {"mse"},  # landscape.mse: the cost of a line fit, 1/n or 1/2n
    "training-loop": {"train"},  # the lessons' train(config, ...) functions
    "softplus-function": {"StableSoftplus"},  # the same Function, called through softplus
}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: threads only add overhead, and on a busy machine a lot of it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def package_names() -> dict[str, set[str]]:
    """Top-level function and class names outside exercises/, and the files defining them."""
    names: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if "exercises" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.setdefault(node.name, set()).add(str(path.relative_to(PACKAGE)))
    return names


def test_every_solution_that_redefines_a_package_function_has_its_twin_checked():
    defined = package_names()
    unchecked = {}
    for ex in catalog.all_exercises():
        tree = ast.parse(ex.solution_path.read_text(encoding="utf-8"))
        mine = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        known = set(TWINS.get(ex.slug, {})) | NOT_TWINS.get(ex.slug, set())
        clash = {name: sorted(defined[name]) for name in mine - known if name in defined}
        if clash:
            unchecked[ex.slug] = clash
    assert not unchecked, f"add these to TWINS (or to NOT_TWINS, saying why): {unchecked}"


@pytest.mark.parametrize("slug", sorted(TWINS))
def test_the_solution_and_its_package_twin_agree_on_the_hidden_cases(slug):
    exercise = catalog.find(slug)
    twins, keep = TWINS[slug], ONLY.get(slug, lambda case: True)
    compared = set()
    for seed in SEEDS:
        for n, case in enumerate(exercise.cases(seed)):
            entry = case.entry or exercise.entry
            if entry not in twins or not keep(case):
                continue
            probe = case.probe(exercise.entry)
            solution = observe.run_probe(reference(exercise), probe)
            package = observe.run_probe(SimpleNamespace(**{entry: twins[entry]}), probe)
            assert "error" not in package, (seed, n, package)
            problem = judge_case(exercise, case, package, solution)
            assert problem is None, f"seed {seed}, case {n + 1}: the package's {entry}: " \
                                    f"{problem[1]}"
            compared.add(entry)
    assert compared == set(twins)  # every twin met cases
