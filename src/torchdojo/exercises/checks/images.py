"""Part II exercises: image tensors, confusion matrix, convolutions, VAE, pairs, GAN, DDPM."""

from __future__ import annotations

import math

import torch

from torchdojo.exercises.checks.draw import integer, labels, randn, real
from torchdojo.exercises.observe import ModuleSpec
from torchdojo.exercises.spec import Case, Exercise

F32 = torch.float32

# LeNet-5's parameters by name and shape, as in the stub's __init__
LENET_SHAPES = {
    "conv1.weight": (6, 1, 5, 5), "conv1.bias": (6,), "conv2.weight": (16, 6, 5, 5),
    "conv2.bias": (16,), "fc1.weight": (120, 400), "fc1.bias": (120,), "fc2.weight": (84, 120),
    "fc2.bias": (84,), "fc3.weight": (10, 84), "fc3.bias": (10,)}


def _normalize(g: torch.Generator) -> list[Case]:
    cases = []
    for n, h, w in ((integer(g, 1, 4), integer(g, 3, 8), integer(g, 3, 8)), (2, 28, 28)):
        raw = torch.randint(0, 256, (n, h, w), generator=g, dtype=torch.uint8)
        cases.append(Case({"raw": raw, "mean": real(g, 0.1, 0.5), "std": real(g, 0.2, 0.4)}))
    return cases


def _confusion(g: torch.Generator) -> list[Case]:
    cases = []
    # (points, classes, classes that occur): in the last case class 3 never does
    for n, c, seen in ((integer(g, 5, 30), integer(g, 2, 5), None), (1, 3, None), (12, 4, 3)):
        targets = labels(g, seen or c, n)
        preds = torch.where(torch.rand(n, generator=g) < 0.5, targets, labels(g, seen or c, n))
        cases.append(Case({"preds": preds, "targets": targets, "num_classes": c},
                          note="class 3 never occurs" if seen else "",
                          advice="the matrix is C x C even when a class never occurs: "
                                 "bincount(..., minlength=C * C)" if seen else ""))
    return cases


def _conv_size(g: torch.Generator) -> list[Case]:
    cases = [Case({"size": 28, "kernel": 5, "stride": 1, "padding": 2, "dilation": 1},
                  note="LeNet's first convolution")]
    while len(cases) < 8:
        k, s, p, d = integer(g, 1, 7), integer(g, 1, 4), integer(g, 0, 3), integer(g, 1, 3)
        if len(cases) == 1:  # always one dilated kernel that spans (d - 1)(k - 1) >= s more
            s, d = integer(g, 2, 3), integer(g, 2, 3)  # inputs than k, and a remainder
            k = integer(g, s + 1, 7)
        n = integer(g, max(1, d * (k - 1) + 1 - 2 * p), 40)  # the kernel must fit
        if len(cases) == 1 and (n + 2 * p - d * (k - 1) - 1) % s == 0:
            n += 1  # floor and ceiling division differ
        note = "a dilated kernel; the stride does not divide evenly" if len(cases) == 1 else ""
        cases.append(Case({"size": n, "kernel": k, "stride": s, "padding": p, "dilation": d},
                          note=note))
    return cases


def _lenet(g: torch.Generator) -> list[Case]:
    cases = []
    for b in (1, integer(g, 2, 3)):
        state = {name: randn(g, *shape, dtype=F32) / math.sqrt(math.prod(shape[1:]) or 1)
                 for name, shape in LENET_SHAPES.items()}
        cases.append(Case({"x": randn(g, b, 1, 28, 28, dtype=F32)}, kind="module", state=state,
                          backward=True, cotangent=randn(g, b, 10, dtype=F32),
                          note="random weights loaded into your LeNet5"))
    return cases


def _reparam(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        b, latent = integer(g, 1, 5), integer(g, 1, 6)
        cases.append(Case({"mu": randn(g, b, latent), "logvar": randn(g, b, latent, scale=2),
                           "eps": randn(g, b, latent)}, grad=("mu", "logvar"),
                          cotangent=randn(g, b, latent)))
    return cases


def _kl(g: torch.Generator) -> list[Case]:
    cases = []
    for latent_min in (2, 1):  # two latents at least once: a mean over them is then wrong
        b, latent = integer(g, 1, 5), integer(g, latent_min, 6)
        cases.append(Case({"mu": randn(g, b, latent), "logvar": randn(g, b, latent)},
                          grad=("mu", "logvar"), cotangent=randn(g, b)))
    zeros = torch.zeros(2, 3, dtype=torch.float64)
    cases.append(Case({"mu": zeros, "logvar": zeros}, note="q equal to the prior: KL is 0"))
    return cases


def _pairs(g: torch.Generator) -> list[Case]:
    cases = []
    for n in (integer(g, 3, 10), 1):
        # one random cycle through the images, so no image is its own partner (n > 1), and
        # distinct digits: any wrong partner shows in the images and in the labels
        order = torch.randperm(n, generator=g)
        partner = torch.empty(n, dtype=torch.int64)
        partner[order] = order.roll(-1)
        init = {"images": randn(g, n, 1, 4, 4), "labels": torch.randperm(10, generator=g)[:n],
                "partner": partner}
        cases.append(Case(kind="dataset", init=init, items=tuple(range(n)),  # every item
                          note=f"{n} images of 4x4 pixels"))
    return cases


def _gan(g: torch.Generator) -> list[Case]:
    cases = []
    for shape in ((integer(g, 1, 8),), (integer(g, 2, 5), 1)):
        cases.append(Case({"real_logits": randn(g, *shape, scale=3),
                           "fake_logits": randn(g, *shape, scale=3)},
                          entry="discriminator_loss", grad=("real_logits", "fake_logits")))
        cases.append(Case({"fake_logits": randn(g, *shape, scale=3)}, entry="generator_loss",
                          grad=("fake_logits",)))
    return cases


def _schedule(g: torch.Generator) -> list[Case]:
    return [Case({"T": 1000, "beta_1": 1e-4, "beta_T": 0.02}, note="the DDPM paper's schedule"),
            Case({"T": integer(g, 2, 50), "beta_1": real(g, 1e-4, 0.01),
                  "beta_T": real(g, 0.02, 0.2)}),
            Case({"T": 1, "beta_1": 0.01, "beta_T": 0.01}, note="a single step")]


def _alpha_bar(T: int) -> torch.Tensor:
    return torch.cumprod(1 - torch.linspace(1e-4, 0.02, T, dtype=torch.float64), 0)


def _q_sample(g: torch.Generator) -> list[Case]:
    cases = []
    for shape in ((integer(g, 2, 6), integer(g, 2, 5)), (3, 2, 4, 5), (4, 1, 3, 4)):
        T = integer(g, 10, 200)
        x0 = randn(g, *shape)
        cases.append(Case({"x0": x0, "t": torch.randint(0, T, (shape[0],), generator=g),
                           "noise": randn(g, *shape), "alpha_bar": _alpha_bar(T)},
                          grad=("x0", "noise"), cotangent=randn(g, *shape)))
    return cases


def _ddpm_loss(g: torch.Generator) -> list[Case]:
    cases = []
    for shape in ((integer(g, 2, 6),), (1, 3, 2)):
        b, T, size = integer(g, 2, 5), integer(g, 10, 100), math.prod(shape)
        model = ModuleSpec("tiny_denoiser", {"shape": list(shape), "steps": T},
                           {"lin.weight": randn(g, size, size, scale=0.3),
                            "lin.bias": randn(g, size, scale=0.3),
                            "time.weight": randn(g, T, size, scale=0.3)})
        cases.append(Case({"eps_model": model, "x0": randn(g, b, *shape),
                           "t": torch.randint(0, T, (b,), generator=g),
                           "noise": randn(g, b, *shape), "alpha_bar": _alpha_bar(T)},
                          backward=True, note="a small stand-in noise model"))
    return cases


EXERCISES = (
    Exercise(21, "normalize-images", "mnist-data", "From bytes to tensors",
             "Normalising images", "normalize_images", _normalize, (
                 "Three things change: the type (bytes to floats), the range (0..255 to about "
                 "-1..3), and the shape (a channel axis).",
                 "raw.to(torch.float32) / 255 first (integer division would floor everything to "
                 "0), then subtract mean, divide by std, and unsqueeze(1) for the channel.",
                 "return ((raw.to(torch.float32) / 255 - mean) / std).unsqueeze(1)"),
             outputs=("images",), rtol=1e-5, atol=1e-6),
    Exercise(22, "confusion-matrix", "mnist-linear", "The confusion matrix",
             "The confusion matrix", "confusion_matrix", _confusion, (
                 "Each point adds one to the cell (its true class, its predicted class).",
                 "Turn each pair into one index, targets * C + preds, and count the indices with "
                 "torch.bincount(..., minlength=C * C).",
                 "counts = torch.bincount(targets * num_classes + preds, "
                 "minlength=num_classes ** 2); return counts.view(num_classes, num_classes)"),
             outputs=("matrix",)),
    Exercise(23, "conv-output-size", "lenet5", "Convolution arithmetic",
             "Convolution output size", "conv_output_size", _conv_size, (
                 "Count the positions where the (dilated) kernel fits inside the padded input, "
                 "then keep every stride-th one.",
                 "A dilated kernel spans d * (k - 1) + 1 inputs; the padded input has n + 2p; "
                 "use floor division // so the result is an int.",
                 "return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1"),
             outputs=("size",)),
    Exercise(24, "lenet-forward", "lenet5", "LeNet-5, layer by layer",
             "LeNet-5's forward pass", "LeNet5", _lenet, (
                 "Follow the diagram in the docstring: two conv blocks, a flatten, three linear "
                 "layers; print x.shape after each line if you get lost.",
                 "A conv block is F.max_pool2d(F.relu(self.conv1(x)), 2); x.flatten(1) keeps the "
                 "batch axis; every linear layer but the last is followed by F.relu.",
                 "x = F.max_pool2d(F.relu(self.conv1(x)), 2); x = F.max_pool2d(F.relu("
                 "self.conv2(x)), 2); x = x.flatten(1); x = F.relu(self.fc1(x)); "
                 "x = F.relu(self.fc2(x)); return self.fc3(x)"),
             outputs=("logits",), keep=("LeNet5.__init__",), rtol=1e-4, atol=1e-5),
    Exercise(25, "vae-reparameterize", "vae", "The reparameterisation trick",
             "The reparameterisation trick", "reparameterize", _reparam, (
                 "Move the randomness into eps, so that z is a plain differentiable function of "
                 "mu and logvar.",
                 "logvar is log(sigma^2), so sigma = exp(logvar / 2), not exp(logvar).",
                 "return mu + torch.exp(0.5 * logvar) * eps"), outputs=("z",)),
    Exercise(26, "vae-kl", "vae", "The KL term",
             "The VAE's KL divergence", "kl_divergence", _kl, (
                 "It is a closed-form sum over the latent dimensions, one number per sample.",
                 "Compute 1 + logvar - mu**2 - exp(logvar) elementwise, sum over dim=1, and "
                 "multiply by -0.5.",
                 "return -0.5 * (1 + logvar - mu ** 2 - torch.exp(logvar)).sum(dim=1)"),
             outputs=("kl",), forbidden=("kl_divergence",)),
    Exercise(27, "addition-dataset", "mnist-addition", "A Dataset of pairs",
             "A Dataset of digit pairs", "AdditionPairs", _pairs, (
                 "A Dataset needs three methods: __init__ stores the tensors, __len__ says how "
                 "many items, __getitem__ builds item i.",
                 "In __getitem__, j = self.partner[i]; the two labels are self.labels[i] and "
                 "self.labels[j].",
                 "j = self.partner[i]; a, b = self.labels[i], self.labels[j]; "
                 "return self.images[i], self.images[j], a, b, a + b"),
             outputs=("image_a", "image_b", "label_a", "label_b", "label_sum")),
    Exercise(28, "gan-losses", "gan", "The two losses",
             "The GAN's two losses", "discriminator_loss", _gan, (
                 "Both players use the same binary cross-entropy; they differ in which labels "
                 "they ask for.",
                 "The discriminator wants real -> 1 and fake -> 0 (two BCE terms, added); the "
                 "generator wants its fakes called real: BCE(fake_logits, 1).",
                 "bce = F.binary_cross_entropy_with_logits; D: bce(real, ones_like(real)) + "
                 "bce(fake, zeros_like(fake)); G: bce(fake, ones_like(fake))"),
             outputs=("loss",)),
    Exercise(29, "ddpm-schedule", "diffusion", "The noise schedule",
             "The DDPM noise schedule", "linear_alpha_bar", _schedule, (
                 "alpha_bar_t is a product of all the alphas up to step t: a running product.",
                 "torch.linspace(beta_1, beta_T, T, dtype=torch.float64) gives the betas; "
                 "torch.cumprod(..., dim=0) gives running products.",
                 "return torch.cumprod(1 - torch.linspace(beta_1, beta_T, T, "
                 "dtype=torch.float64), dim=0)"),
             outputs=("alpha_bar",), rtol=1e-5),
    Exercise(30, "ddpm-forward", "diffusion", "The forward (noising) process",
             "The DDPM forward process", "q_sample", _q_sample, (
                 "Each sample i has its own step t_i, hence its own alpha_bar[t_i]: one number "
                 "that scales the whole sample.",
                 "alpha_bar[t] has shape (B,); view it as (B, 1, ..., 1), with as many 1s as x0 "
                 "has other dimensions, so it broadcasts over each sample.",
                 "a = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1))); "
                 "return a.sqrt() * x0 + (1 - a).sqrt() * noise"),
             outputs=("x_t",)),
    Exercise(31, "ddpm-loss", "diffusion", "The simplified training loss",
             "The DDPM training loss", "ddpm_loss", _ddpm_loss, (
                 "Noise x0 to step t (exercise 30), ask the model what noise it sees, and "
                 "compare with the noise you added.",
                 "The model gets x_t and t, not x0; the target is the noise, not x0; the loss is "
                 "the mean over all elements.",
                 "a = alpha_bar[t].view(-1, *([1] * (x0.dim() - 1))); x_t = a.sqrt() * x0 + "
                 "(1 - a).sqrt() * noise; return ((noise - eps_model(x_t, t)) ** 2).mean()"),
             outputs=("loss",)),
)
