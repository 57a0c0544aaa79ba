"""vae (seed 000, tutorial 2): a variational autoencoder on MNIST or Fashion-MNIST, trained on
the ELBO with a Bernoulli decoder; reconstructions, samples from the prior, and with latent=2
the 2-D latent map.

Pixels: with binarize="dynamic" (default) every training image is re-binarised on each
visit, x ~ Bernoulli(intensity), and the test set is binarised once with a fixed seed, so
the ELBO bounds the log-likelihood of binary images. binarize="none" treats the
intensities themselves as Bernoulli targets: common, but then the "likelihood" is not a
normalised density over [0, 1] images and the nats are not comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.datasets import random_subset, validation_split
from torchdojo.data.vision import ImageData, load_images
from torchdojo.figures import plots
from torchdojo.models.mlp import count_parameters
from torchdojo.models.vae import VAE, elbo, importance_weighted_nll
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.loop import LossFn
from torchdojo.train.optim import fast

BINARIZE_SEED = 12345  # the fixed draw that binarises the test set, the same for every run
PIXEL_NOTES = {
    "dynamic": "Pixels: dynamic binarisation in training (x ~ Bernoulli(intensity) at each "
               "visit); the test set binarised once with a fixed seed.",
    "none": "Pixels: intensities used as Bernoulli means (BCE against grey values): not a "
            "normalised likelihood, so these nats do not compare with binarised results.",
}


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    latent: int = 20  # 2 gives the 2-D latent map
    hidden: int = 400
    binarize: Literal["dynamic", "none"] = "dynamic"
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    train_limit: int | None = None  # use only this many training images (quick runs)
    iw_samples: int = 100  # importance samples for the IWAE estimate of -log p(x); 0: skip
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 3, "train_limit": 600, "hidden": 128, "iw_samples": 5}


def make_loss(binarize: bool) -> LossFn:
    """The loop's loss: -ELBO per image in nats, with reconstruction and KL logged apart."""

    def neg_elbo(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
        x = batch[0]  # (B, 784) intensities in [0, 1], or the pre-binarised test pixels
        if binarize:
            x = torch.bernoulli(x)  # dynamic binarisation (leaves 0/1 pixels unchanged)
        logits, mu, logvar = model(x)  # (B, 784), (B, L), (B, L)
        bound, recon, kl = elbo(logits, x, mu, logvar)  # each (B,)
        loss = -bound.mean()  # maximise the ELBO = minimise -ELBO
        # recon = -E_q[log p(x|z)] and kl, in nats per image: -ELBO = recon + kl
        return loss, {"neg_elbo": loss.detach(), "recon": -recon.mean(), "kl": kl.mean()}

    return neg_elbo


def load_pixels(config: Config, device: torch.device
                ) -> tuple[ImageData, Tensor, Tensor, Tensor]:
    """(data, train, val, test pixels): (N, 784) in [0, 1]; val is held out of the training
    images (the curves), test is scored once at the end; both binarised once if asked."""
    data = load_images(config.dataset)
    held, rest = validation_split(data.train_x.shape[0], config.seed)
    keep = random_subset(rest.numel(), config.train_limit, config.seed)
    if keep is not None:
        rest = rest[keep]
    train = data.train_x[rest].flatten(1).float() / 255  # (N, 784)
    val = data.train_x[held].flatten(1).float() / 255
    test = data.test_x.flatten(1).float() / 255
    if config.binarize == "dynamic":
        g = torch.Generator().manual_seed(BINARIZE_SEED)
        test, val = torch.bernoulli(test, generator=g), torch.bernoulli(val, generator=g)
    return data, train.to(device), val.to(device), test.to(device)


@dataclass(kw_only=True)
class VAEResult(Result):
    model: VAE
    data: ImageData
    test: Tensor  # (N, 784) the test pixels the model was scored on


def run(config: Config, ctx: Context) -> VAEResult:
    """Train the VAE on -ELBO; report test -ELBO (and an IWAE estimate), plot what it learned."""
    data, train, val, test = load_pixels(config, ctx.device)
    model = VAE(config.latent, config.hidden).to(ctx.device)
    ctx.say(f"VAE 784-{config.hidden}-{config.latent}(x2)-{config.hidden}-784, "
            f"{count_parameters(model):,} parameters, on {data.label}, "
            f"pixels {'binarised dynamically' if config.binarize == 'dynamic' else 'as means'}")
    loss_fn = make_loss(config.binarize == "dynamic")
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, **fast(ctx.device))
    history = ctx.fit(model, (train,), loss_fn=loss_fn, optimizer=optimizer,
                      epochs=config.epochs, batch_size=config.batch_size, val=(val,),
                      seed=config.seed)
    test_metrics = ctx.evaluate(model, (test,), loss_fn)
    last = [r for r in history if r["phase"] == "train"][-1]
    metrics = {"test_neg_elbo": test_metrics["neg_elbo"], "test_recon": test_metrics["recon"],
               "test_kl": test_metrics["kl"], "train_neg_elbo": last["neg_elbo"]}
    notes = [PIXEL_NOTES[config.binarize],
             "test -ELBO is the single-sample estimate of the bound, per image, in nats."]
    model.eval()
    if config.iw_samples > 0:
        nll = torch.cat([importance_weighted_nll(model, test[i:i + 500], config.iw_samples)
                         for i in range(0, test.shape[0], 500)])
        metrics[f"test_nll_iw{config.iw_samples}"] = nll.mean().item()
        notes.append(f"test_nll_iw{config.iw_samples}: importance-weighted (IWAE, "
                     f"k={config.iw_samples}) estimate of -log p(x), a tighter bound than -ELBO.")
    result = VAEResult(metrics, dataset=data.name, dataset_label=data.label, history=history,
                       notes=notes, model=model, data=data, test=test)
    ctx.say(f"test -ELBO {metrics['test_neg_elbo']:.2f} nats (recon {metrics['test_recon']:.2f}"
            f" + KL {metrics['test_kl']:.2f}) on {data.label}")
    if ctx.is_main:
        for name, fig in make_figures(model, test, data, history, config.seed).items():
            result.figures[name] = ctx.savefig(fig, name)
    return result


@torch.no_grad()
def make_figures(model: VAE, test: Tensor, data: ImageData, history: list[dict],
                 seed: int = 0) -> dict[str, Figure]:
    """Curves, reconstructions, samples from the prior and, for a 2-D latent, the latent map."""
    model.eval()
    figures = {"curves": plots.curves(history, ["neg_elbo", "recon", "kl"])}
    originals = test[:12]  # (12, 784)
    logits, _, _ = model(originals)
    pair = torch.cat([originals, torch.sigmoid(logits)]).reshape(-1, 28, 28)  # (24, 28, 28)
    figures["reconstructions"] = plots.mosaic(
        pair, 2, title="test images and their reconstructions (Bernoulli means)",
        row_labels=["original", "reconstructed"])
    samples = model.sample(64, torch.Generator().manual_seed(seed))  # (64, 784)
    figures["samples"] = plots.mosaic(samples.reshape(-1, 28, 28), 8,
                                      title="decoded from z ~ N(0, I)")
    if model.latent == 2:
        mu = torch.cat([model.encode(test[i:i + 1000])[0] for i in range(0, len(test), 1000)])
        figures["latent_map"] = plots.latent_scatter(mu, data.test_y, data.classes)
        # the decoded manifold: z on a grid of N(0, 1) quantiles, as in K&W Fig. 4
        n = 15
        q = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, n))
        z = torch.stack(torch.meshgrid(q, q.flip(0), indexing="xy"), -1).reshape(-1, 2)
        images = torch.sigmoid(model.decode(z.to(test.device))).reshape(-1, 28, 28)
        figures["manifold"] = plots.mosaic(
            images, n, title="decoder over a grid of latent values (z1 across, z2 up)")
    return figures
