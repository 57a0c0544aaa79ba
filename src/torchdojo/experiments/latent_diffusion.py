"""latent-diffusion (004, the diffusion picture): DDPM in the latent space of an autoencoder
(Rombach et al. 2022, "High-Resolution Image Synthesis with Latent Diffusion Models").

1. Train the course's VAE (models/vae.py) on the training images; the KL term is weighted
   by `kl_weight` (Rombach et al. use a tiny weight: the autoencoder only has to compress,
   the diffusion model becomes the prior).
2. Encode the training set once: posterior means mu(x), times one scalar 1 / std(mu) so the
   latents have unit variance (their "scale factor", section 4.3.2 and appendix D.1): the
   noise schedule assumes data of about unit scale.
3. Train a class-conditional DDPM on the latents (eq. 14, the pixel lesson's `make_loss`),
   with an MLP denoiser, classifier-free guidance and an EMA of the weights.
4. Sample latents (Algorithm 2; no clip: latents have no [-1, 1] range), decode with the VAE
   decoder, and score the images on the pixel lesson's judge.
5. In the same run, time one epoch of the pixel lesson's own U-Net (its default config) on
   the same images and batch size, and a few of its sampling steps.

Choices were made on `val_split` images held out from the training split (the VAE's
validation reconstruction and the judge's score of those reconstructions) and on the
judge's scores of samples, which are measured against the training split: the test split
is never looked at, except by the judge's own test accuracy (see methods/judge.py).

What the defaults bought, on 5,000 MNIST digits (500 samples, w = 1 unless said; recognised
/ classifier FID / agreement):
- kl_weight: 1 (the ELBO), 0.1, 0.01 gave reconstructions of the held-out images with FID
  13.3, 7.1, 5.0 (recognised 91 %, 93 %, 91 %), the VAE's own prior samples 36 %, 25 %, 8 %
  recognised; after 60 epochs of latent DDPM: 99.0 % / 7.3 / 99.4 %, 98.8 % / 5.7 / 99.4 %,
  98.4 % / 6.7 / 99.4 % (w = 0: FID 30.8, 24.2, 19.2). Chosen: 0.1.
- epochs (kl_weight 0.1): 30: 99.2 % / 10.0; 60: 98.8 % / 5.7; 120: 99.0 % / 5.1. Chosen: 60.
- guidance (60 epochs): w = 0, 1, 2: FID 24.2, 5.7, 11.4 (recognised 86 %, 99 %, 100 %).
- sigma: "posterior" and "beta" within noise of each other (FID 24.2 / 25.4 at w = 0).
- width x depth of the MLP, per training step against the pixel U-Net's (same batch of 64,
  one thread): 512 x 4: 6.3x cheaper, 384 x 4: 9.5x, 256 x 4: 18.7x. Chosen: 256 x 4.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import torch
from matplotlib.figure import Figure
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from torchdojo.data.datasets import random_subset
from torchdojo.data.vision import ImageData, load_images
from torchdojo.errors import DojoError
from torchdojo.experiments import diffusion as pixel
from torchdojo.experiments.toy_classifier import positive
from torchdojo.figures import plots
from torchdojo.methods.diffusion import Schedule, guided, p_sample_step, sample
from torchdojo.methods.judge import (
    Judge,
    JudgedResult,
    agreement,
    asked_classes,
    judged_figures,
    load_judge,
    score,
    summary,
    to_unit_range,
)
from torchdojo.models.latent_denoiser import LatentDenoiser
from torchdojo.models.mlp import count_parameters
from torchdojo.models.vae import VAE, bernoulli_log_likelihood, kl_divergence
from torchdojo.train.context import SWITCH_NAMES, Context
from torchdojo.train.device import synchronize
from torchdojo.train.ema import EMA
from torchdojo.train.loop import LossFn
from torchdojo.train.optim import fast


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    train_limit: int | None = 5000  # the pixel lesson's verify data: 5,000 digits
    val_split: int = 500  # training images held out for choices, never trained on
    # the autoencoder: the VAE of the `vae` lesson
    latent: int = 20
    hidden: int = 400
    kl_weight: float = 0.1  # beta: 1 is the ELBO; Rombach et al. use ~1e-6
    vae_epochs: int = 50
    vae_batch_size: int = 128
    vae_lr: float = 1e-3
    # the latent DDPM
    T: int = 200  # the pixel lesson's steps and schedule  # noqa: N815
    width: int = 256  # 512: 3x the cost per step (see the module notes)
    depth: int = 4
    p_uncond: float = 0.2
    guidance: float = 1.0
    sweep: tuple[float, ...] = (0.0, 2.0, 4.0)
    sweep_samples: int = 200
    epochs: int = 60
    batch_size: int = 64  # the pixel lesson's
    lr: float = 1e-3
    ema_decay: float = 0.998
    sigma: Literal["beta", "posterior"] = "posterior"
    n_samples: int = 1000
    # the pixel lesson's U-Net, timed here: an epoch on this many of the training images
    # (None: all of them, one real epoch; fewer: scaled up to one), and this many of its
    # sampling steps
    pixel_timing_images: int | None = None
    pixel_probe_steps: int = 5
    seed: int = 0


SWITCHES = SWITCH_NAMES  # every fit goes through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"train_limit": 384, "val_split": 64, "hidden": 128, "vae_epochs": 4, "T": 40,
         "width": 64, "depth": 2, "epochs": 6, "lr": 3e-3, "n_samples": 100,
         "sweep": "2", "sweep_samples": 40, "pixel_timing_images": 64, "pixel_probe_steps": 1}


# --- 1. the autoencoder ------------------------------------------------------------------

def make_vae_loss(kl_weight: float) -> LossFn:
    """-(E_q[log p(x|z)] - beta KL(q(z|x) || p(z))) per image, in nats; beta = 1: -ELBO."""

    def loss_fn(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
        x = batch[0]  # (B, 784) intensities in [0, 1], used as Bernoulli means
        logits, mu, logvar = model(x)
        recon = -bernoulli_log_likelihood(logits, x).mean()
        kl = kl_divergence(mu, logvar).mean()
        return recon + kl_weight * kl, {"recon": recon.detach(), "kl": kl.detach()}

    return loss_fn


def to_pixels(images: Tensor) -> Tensor:
    """Images in [-1, 1], (N, 1, 28, 28) -> the VAE's inputs, (N, 784) in [0, 1]."""
    return ((images + 1) / 2).flatten(1)


@torch.no_grad()
def encode(vae: VAE, images: Tensor, batch_size: int = 1000) -> Tensor:
    """Posterior means mu(x) of images in [-1, 1]: (N, 1, 28, 28) -> (N, L)."""
    vae.eval()
    return torch.cat([vae.encode(to_pixels(images[i:i + batch_size]))[0]
                      for i in range(0, images.shape[0], batch_size)])


def scale_latents(mu: Tensor) -> tuple[Tensor, float]:
    """(z, s): the latents times one scalar s = 1 / std(all entries of mu), so z has unit
    variance (Rombach et al.'s scale factor). One number for every dimension: a per-dimension
    scale would blow the dimensions the VAE leaves unused up to noise of full size."""
    scale = 1.0 / mu.flatten().std().item()
    return mu * scale, scale


@torch.no_grad()
def decode(vae: VAE, z: Tensor, scale: float) -> Tensor:
    """Scaled latents (N, L) -> images in [-1, 1], (N, 1, 28, 28): the Bernoulli means."""
    vae.eval()
    return (torch.sigmoid(vae.decode(z / scale)) * 2 - 1).view(-1, 1, 28, 28)


# --- data ----------------------------------------------------------------------------------

def splits(data: ImageData, config: Config) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """(train, val), each (images in [-1, 1] (N, 1, 28, 28), labels (N,)), both from the
    training split: val_split held-out images first, then train_limit of the rest."""
    n = data.train_x.shape[0]
    if not 0 < config.val_split < n:
        raise DojoError(f"val_split must be in [1, {n}), not {config.val_split}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(config.seed))
    held, rest = order[:config.val_split], order[config.val_split:]
    keep = random_subset(rest.shape[0], config.train_limit, config.seed)
    chosen = rest if keep is None else rest[keep]
    images, labels = to_unit_range(data.train_x), data.train_y.long()
    return (images[chosen], labels[chosen]), (images[held], labels[held])


def check(config: Config) -> None:
    """A DojoError for settings that cannot run."""
    positive(latent=config.latent, hidden=config.hidden, vae_epochs=config.vae_epochs,
             vae_batch_size=config.vae_batch_size, vae_lr=config.vae_lr, T=config.T,
             width=config.width, depth=config.depth, epochs=config.epochs,
             batch_size=config.batch_size, lr=config.lr, n_samples=config.n_samples,
             sweep_samples=config.sweep_samples)
    for name in ("train_limit", "pixel_timing_images"):
        if getattr(config, name) is not None:
            positive(**{name: getattr(config, name)})
    positive(pixel_probe_steps=config.pixel_probe_steps)
    Schedule.scaled_linear(config.T)  # refuses too few steps
    if config.kl_weight < 0:
        raise DojoError(f"kl_weight must be >= 0, not {config.kl_weight}")
    if not 0 <= config.p_uncond < 1:
        raise DojoError(f"p_uncond must be in [0, 1), not {config.p_uncond}")
    if config.n_samples < 2 or config.sweep_samples < 2:
        raise DojoError("n_samples and sweep_samples must be at least 2 (FID needs a covariance)")


# --- the run -------------------------------------------------------------------------------

@dataclass(kw_only=True)
class LatentDiffusionResult(JudgedResult):
    vae: VAE  # the autoencoder: its encoder made the latents, its decoder the images
    scale: float  # z = scale * mu(x)
    model: LatentDenoiser  # the trained weights
    ema: LatentDenoiser  # their moving average, which samples
    schedule: Schedule
    sweep: dict[str, dict[str, float]]  # "w=..." -> scores at that guidance scale
    vae_history: list[dict[str, Any]]
    held_out: Tensor  # the validation images (N, 1, 28, 28) in [-1, 1]


def median_epoch_s(history: list[dict[str, Any]]) -> float:
    """The median seconds of a training epoch: steadier than the mean on a shared machine."""
    times = sorted(r["time_s"] for r in history if r["phase"] == "train")
    return times[len(times) // 2]


def last(history: list[dict[str, Any]], phase: str) -> dict[str, Any]:
    """The last record of a phase ("train" or "val")."""
    return [r for r in history if r["phase"] == phase][-1]


def train_autoencoder(x_train: Tensor, x_val: Tensor, config: Config, ctx: Context
                      ) -> tuple[VAE, list[dict[str, Any]]]:
    """The VAE on the training images (a secondary fit: no run-folder log of its own)."""
    vae = VAE(config.latent, config.hidden).to(ctx.device)
    optimizer = torch.optim.Adam(vae.parameters(), lr=config.vae_lr, **fast(ctx.device))
    history = ctx.fit(vae, (to_pixels(x_train).to(ctx.device),),
                      loss_fn=make_vae_loss(config.kl_weight), optimizer=optimizer,
                      epochs=config.vae_epochs, batch_size=config.vae_batch_size,
                      val=(to_pixels(x_val).to(ctx.device),), seed=config.seed, log=False)
    return vae, history


def train_denoiser(model: LatentDenoiser, vae: VAE, schedule: Schedule,
                   train: tuple[Tensor, Tensor], val: tuple[Tensor, Tensor], config: Config,
                   ctx: Context) -> tuple[list[dict[str, Any]], LatentDenoiser]:
    """The pixel lesson's recipe on latents: eq. 14 (its `make_loss`, label dropout for
    guidance), AdamW with one-cycle, an EMA updated after every step. The VAE is
    checkpointed with the run, so the checkpoint holds all that sampling needs."""
    ema = EMA(model, config.ema_decay)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0,
                                  **fast(ctx.device))
    optimizer.register_step_post_hook(lambda *_: ema.update(model))
    steps = config.epochs * -(-train[0].shape[0] // config.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                    total_steps=steps, pct_start=0.05)
    ctx.say(f"latent DDPM: MLP {count_parameters(model):,} parameters, T = {config.T}, "
            f"{steps} steps")
    history = ctx.fit(model, train, loss_fn=pixel.make_loss(schedule, config.p_uncond),
                      optimizer=optimizer, scheduler=scheduler, epochs=config.epochs,
                      batch_size=config.batch_size, val=val, seed=config.seed,
                      extra_state={"ema": ema, "vae": vae})
    return history, ema.module.eval()


def draw(denoiser: LatentDenoiser, vae: VAE, scale: float, schedule: Schedule, n: int,
         w: float, seed: int, config: Config, ctx: Context) -> Tensor:
    """n decoded images in [-1, 1], guided with scale w, for classes 0, 1, ..., 9, 0, ...:
    Algorithm 2 on latents (no clip: latents have no fixed range), then the decoder."""
    labels = asked_classes(n, denoiser.classes).to(ctx.device)
    z, _ = sample(guided(denoiser, labels, w, null=denoiser.classes), (n, config.latent),
                  schedule, generator=torch.Generator().manual_seed(seed), device=ctx.device,
                  sigma=config.sigma)
    return decode(vae, z, scale).cpu()


def baselines(vae: VAE, scale: float, z_val: Tensor, judge: Judge, data: ImageData,
              config: Config, ctx: Context) -> dict[str, float]:
    """The judge on the autoencoder's ceiling (its reconstructions of the held-out images)
    and on the VAE's own prior z ~ N(0, I), which the diffusion model replaces."""
    recon, _ = score(judge, decode(vae, z_val, scale).cpu(), data)
    g = torch.Generator().manual_seed(config.seed + 3)
    z = torch.randn(config.n_samples, config.latent, generator=g).to(ctx.device)
    prior, _ = score(judge, decode(vae, z * scale, scale).cpu(), data)
    return {"recon_recognised": recon["recognised"], "recon_fid": recon["fid"],
            "prior_recognised": prior["recognised"], "prior_fid": prior["fid"]}


def training_recipe(model: nn.Module, lr: float, ema_decay: float, steps: int, ctx: Context
                    ) -> tuple[torch.optim.Optimizer, Any]:
    """AdamW with a one-cycle rate and an EMA updated after every step: both lessons' recipe."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0,
                                  **fast(ctx.device))
    ema = EMA(model, ema_decay)
    optimizer.register_step_post_hook(lambda *_: ema.update(model))
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                                          total_steps=steps, pct_start=0.05)


def time_side_by_side(x: Tensor, y: Tensor, z: Tensor, denoiser: LatentDenoiser,
                      config: Config, ctx: Context) -> dict[str, float]:
    """Seconds of one training epoch and of drawing n_samples, for the pixel lesson's U-Net
    (its default config) and for a fresh latent denoiser, timed step by step in turn.

    On a shared machine the load changes from minute to minute: so every batch trains one
    step of each model, back to back (the same images, as pixels x and as latents z), and
    each side's epoch is the sum of its own steps' seconds. One epoch on
    `pixel_timing_images` images is scaled up to all of them. Sampling costs the same at
    every step: `pixel_probe_steps` reverse steps of each, in turn, scaled to T."""
    pc, classes, device = pixel.Config(), denoiser.classes, ctx.device
    n = x.shape[0] if config.pixel_timing_images is None else min(config.pixel_timing_images,
                                                                   x.shape[0])
    steps = -(-n // config.batch_size)
    unet = pixel.build_model(pc, classes, device)
    twin = LatentDenoiser(config.latent, config.width, config.depth, classes=classes).to(device)
    pixel_schedule, latent_schedule = (Schedule.scaled_linear(pc.T, device),
                                       Schedule.scaled_linear(config.T, device))
    sides = {"pixel": (unet, pixel.make_loss(pixel_schedule, pc.p_uncond),
                       *training_recipe(unet, pc.lr, pc.ema_decay, steps, ctx)),
             "latent": (twin, pixel.make_loss(latent_schedule, config.p_uncond),
                        *training_recipe(twin, config.lr, config.ema_decay, steps, ctx))}
    seconds = {"pixel": 0.0, "latent": 0.0}

    def timed(name: str, batch: tuple[Tensor, ...]) -> Tensor:
        model, loss_fn, optimizer, scheduler = sides[name]
        t0 = time.perf_counter()
        loss, _ = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        synchronize(device)  # the GPU runs ahead of Python: wait for it
        seconds[name] += time.perf_counter() - t0
        return loss.detach()

    def step_fn(_: nn.Module, batch: tuple[Tensor, ...]) -> dict[str, Tensor]:
        images, labels, latents = batch
        return {"pixel_loss": timed("pixel", (images, labels)),
                "latent_loss": timed("latent", (latents, labels))}

    ctx.fit(nn.ModuleDict({"pixel": unet, "latent": twin}),
            (x[:n].to(device), y[:n].to(device), z[:n].to(device)), step_fn=step_fn,
            optimizer={name: side[2] for name, side in sides.items()}, epochs=1,
            batch_size=config.batch_size, seed=config.seed, log=False, compile=[unet, twin])

    m = min(500, config.n_samples)  # the pixel lesson draws in chunks of up to 500
    labels = asked_classes(config.n_samples, classes).to(device)
    probes = {"pixel": (guided(unet.eval(), labels[:m], pc.guidance, null=classes),
                        torch.randn(m, 1, 28, 28, device=device), pixel_schedule, pc),
              "latent": (guided(denoiser, labels, config.guidance, null=classes),
                         torch.randn(config.n_samples, config.latent, device=device),
                         latent_schedule, config)}
    sampled = {"pixel": 0.0, "latent": 0.0}
    probe = min(config.pixel_probe_steps, pc.T, config.T)
    for i in range(probe):  # from pure noise down, as sampling starts
        for name, (eps, x_t, schedule, c) in probes.items():
            t0 = time.perf_counter()
            p_sample_step(eps, x_t, schedule.T - 1 - i, schedule, torch.randn_like(x_t),
                          clip_x0=getattr(c, "clip_x0", False), sigma=c.sigma)
            synchronize(device)
            sampled[name] += time.perf_counter() - t0
    scale = x.shape[0] / n
    return {"pixel_epoch_seconds": seconds["pixel"] * scale,
            "epoch_seconds": seconds["latent"] * scale,
            "pixel_sample_seconds_estimate": sampled["pixel"] / probe * pc.T
            * config.n_samples / m,
            "sample_seconds_estimate": sampled["latent"] / probe * config.T,
            "pixel_flops_per_sample": flops_per_sample(unet, (1, 28, 28))}


@torch.no_grad()
def flops_per_sample(model: nn.Module, shape: tuple[int, ...]) -> int:
    """Floating-point operations of one forward pass on one sample of `shape` (with a
    step and a class), counted by torch's FlopCounterMode: the arithmetic an epoch repeats."""
    device = next(model.parameters()).device
    one = torch.zeros(1, dtype=torch.long, device=device)
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *shape, device=device), one, one)
    return counter.get_total_flops()


def run(config: Config, ctx: Context) -> LatentDiffusionResult:
    """Train the VAE, encode, train the latent DDPM, sample, decode, judge; time the pixel
    lesson's U-Net on the same images."""
    check(config)
    data = load_images(config.dataset)
    classes = len(data.classes)
    (x_train, y_train), (x_val, y_val) = splits(data, config)
    judge = load_judge(data, ctx.device, ctx.say)
    ctx.say(f"latent diffusion on {x_train.shape[0]:,} images of {data.label} "
            f"({x_val.shape[0]:,} held out for validation); judge test accuracy "
            f"{judge.test_acc:.2%}")

    t0 = time.perf_counter()  # 1. the autoencoder
    vae, vae_history = train_autoencoder(x_train, x_val, config, ctx)
    vae_s = time.perf_counter() - t0
    t0 = time.perf_counter()  # 2. encode once, scale to unit variance
    z_train, scale = scale_latents(encode(vae, x_train.to(ctx.device)))
    z_val = encode(vae, x_val.to(ctx.device)) * scale  # the training split's scale
    encode_s = time.perf_counter() - t0
    active = int((z_train.var(0) > 0.01).sum())  # dimensions the VAE uses at all
    vae_val = last(vae_history, "val")
    ctx.say(f"VAE 784-{config.hidden}-{config.latent}: val recon {vae_val['recon']:.1f} nats, "
            f"KL {vae_val['kl']:.1f} ({vae_s:.1f} s); latents scaled by {scale:.3f}, "
            f"{active} of {config.latent} dimensions in use")

    schedule = Schedule.scaled_linear(config.T, ctx.device)  # 3. the latent DDPM
    model = LatentDenoiser(config.latent, config.width, config.depth,
                           classes=classes).to(ctx.device)
    t0 = time.perf_counter()
    history, denoiser = train_denoiser(model, vae, schedule, (z_train, y_train.to(ctx.device)),
                                       (z_val, y_val.to(ctx.device)), config, ctx)
    ddpm_s = time.perf_counter() - t0

    t0 = time.perf_counter()  # 4. sample, decode, judge
    samples = draw(denoiser, vae, scale, schedule, config.n_samples, config.guidance,
                   config.seed + 2, config, ctx)  # (n_samples, 1, 28, 28)
    sample_s = time.perf_counter() - t0
    metrics, probs = score(judge, samples, data)
    metrics["classifier_fid"] = metrics.pop("fid")
    metrics["agreement"] = agreement(probs, classes)
    metrics.update(baselines(vae, scale, z_val, judge, data, config, ctx))
    sweep = guidance_sweep(denoiser, vae, scale, schedule, judge, data, config, ctx)

    # 5. the pixel lesson's U-Net beside a latent denoiser, step by step (last: it changes
    # nothing above)
    metrics.update(time_side_by_side(x_train, y_train, z_train, denoiser, config, ctx))
    pixel_epochs = pixel.Config().epochs
    metrics.update({
        "pixel_over_latent_epoch_time": metrics["pixel_epoch_seconds"] / metrics["epoch_seconds"],
        "training_epoch_seconds": median_epoch_s(history), "sample_seconds": sample_s,
        "vae_seconds": vae_s, "encode_seconds": encode_s, "ddpm_seconds": ddpm_s,
        "total_seconds": vae_s + encode_s + ddpm_s + sample_s,
        "pixel_total_seconds_estimate": pixel_epochs * metrics["pixel_epoch_seconds"]
        + metrics["pixel_sample_seconds_estimate"],
        "loss": last(history, "train")["loss"], "first_epoch_loss": history[0]["loss"],
        "val_loss": last(history, "val")["loss"], "vae_val_recon": vae_val["recon"],
        "vae_val_kl": vae_val["kl"], "latent_scale": scale, "active_dims": active,
        "flops_per_sample": flops_per_sample(denoiser, (config.latent,)),
    })
    ctx.say(summary({**metrics, "fid": metrics["classifier_fid"]}))
    ctx.say(f"epoch: latent {metrics['epoch_seconds']:.3f} s, pixel "
            f"{metrics['pixel_epoch_seconds']:.2f} s ({metrics['pixel_over_latent_epoch_time']:.1f}"
            f"x); sampling {config.n_samples}: latent {sample_s:.1f} s, pixel "
            f"~{metrics['pixel_sample_seconds_estimate']:.0f} s (estimated)")
    result = LatentDiffusionResult(
        metrics, dataset=data.name, dataset_label=data.label, history=history,
        notes=notes(metrics, config, x_train.shape[0], pixel_epochs), judge=judge, data=data,
        samples=samples, probs=probs, vae=vae, scale=scale, model=model, ema=denoiser,
        schedule=schedule, sweep=sweep, vae_history=vae_history, held_out=x_val)
    if ctx.is_main:
        save_figures(result, ctx)
    return result


def guidance_sweep(denoiser: nn.Module, vae: VAE, scale: float, schedule: Schedule,
                   judge: Judge, data: ImageData, config: Config, ctx: Context
                   ) -> dict[str, dict[str, float]]:
    """Recognised share and FID at each guidance weight, each from `sweep_samples` samples
    (FID is biased upward for small samples: compare the points with each other)."""
    sweep = {}
    for i, w in enumerate(sorted({config.guidance, *config.sweep})):
        x = draw(denoiser, vae, scale, schedule, config.sweep_samples, w, config.seed + 4 + i,
                 config, ctx)
        m, _ = score(judge, x, data)
        sweep[f"w={w:g}"] = {"w": w, "recognised": m["recognised"], "fid": m["fid"]}
    return sweep


def notes(metrics: dict[str, float], config: Config, n_train: int, pixel_epochs: int
          ) -> list[str]:
    """What the report says about the costs and the scores."""
    m = metrics
    return [
        f"Per-epoch cost: one epoch of the pixel lesson's U-Net at its default config "
        f"({m['pixel_epoch_seconds']:.2f} s) against one of a latent denoiser "
        f"({m['epoch_seconds']:.3f} s), each step of one taken right after the same step of "
        f"the other (same {n_train:,} images, batch {config.batch_size}, AdamW, one-cycle and "
        f"EMA on both), so that both see the same load on a shared machine. The latent "
        f"DDPM's own training epochs took {m['training_epoch_seconds']:.3f} s (median, with "
        "its validation and checkpoint).",
        f"Total cost: the latent pipeline needs the VAE first ({m['vae_seconds']:.1f} s) and "
        f"one encoding pass ({m['encode_seconds']:.2f} s); VAE + DDPM + sampling took "
        f"{m['total_seconds']:.0f} s. The pixel lesson's {pixel_epochs} epochs and sampling "
        f"would take about {m['pixel_total_seconds_estimate']:.0f} s here (its timed epoch, "
        f"and {config.pixel_probe_steps} of its {pixel.Config().T} sampling steps, "
        "multiplied).",
        "Judge scores are against the training split (FID) and need no test images; "
        "recon_* score the VAE's reconstructions of the held-out images (the ceiling), "
        "prior_* the VAE's own samples from z ~ N(0, I).",
    ]


def save_figures(result: LatentDiffusionResult, ctx: Context) -> None:
    """Curves of both fits, reconstructions, samples per class, the judged samples, the
    guidance sweep, and the costs against the pixel lesson's."""
    held = result.held_out[:12].to(ctx.device)
    figures = {
        "curves": plots.curves(result.history, ["loss"]),
        "vae_curves": plots.curves(result.vae_history, ["recon", "kl"]),
        "reconstructions": reconstructions_figure(result.vae, held, result.scale),
        "per_class": per_class_figure(result.samples, result.ema.classes),
        **judged_figures(result.samples, result.probs, result.data.classes),
        "guidance": pixel.guidance_figure(result.sweep),
        "costs": costs_figure(result.metrics),
    }
    result.figures = {name: ctx.savefig(fig, name) for name, fig in figures.items()}


# --- figures -------------------------------------------------------------------------------

@torch.no_grad()
def reconstructions_figure(vae: VAE, images: Tensor, scale: float) -> Figure:
    """Held-out images and their decoded posterior means: what the latents keep."""
    back = decode(vae, encode(vae, images) * scale, scale)
    pair = (torch.cat([images, back]).cpu() + 1) / 2  # (2N, 1, 28, 28) in [0, 1]
    return plots.mosaic(pair, 2, title="held-out images and decode(encode(x))",
                        row_labels=["original", "decoded"])


def per_class_figure(samples: Tensor, classes: int, per_class: int = 8) -> Figure:
    """Decoded samples, one row per asked class (samples were asked for 0, 1, ..., 9, 0, ...)."""
    asked = asked_classes(samples.shape[0], classes)
    n = min(per_class, samples.shape[0] // classes)
    rows = torch.cat([samples[asked == k][:n] for k in range(classes)])  # (classes * n, 1, 28, 28)
    return plots.mosaic((rows + 1) / 2, classes, row_labels=[f"class {k}" for k in range(classes)],
                        title="decoded latent samples, by the class asked for")


def costs_figure(metrics: dict[str, float]) -> Figure:
    """Seconds per training epoch and to draw the judged samples, latent against pixel, each
    pair timed side by side."""
    fig = Figure(figsize=(9, 3.2))
    axes = fig.subplots(1, 2)
    for ax, (latent, pix, title) in zip(axes, (
            ("epoch_seconds", "pixel_epoch_seconds", "one training epoch"),
            ("sample_seconds_estimate", "pixel_sample_seconds_estimate",
             "drawing the judged samples"))):
        bars = ax.barh(["latent (MLP on z)", "pixel (U-Net)"], [metrics[latent], metrics[pix]],
                       color=["tab:orange", "tab:blue"])
        ax.bar_label(bars, fmt="%.2f s", padding=3)
        ax.set_xscale("log")
        ax.set(title=f"{title}: {metrics[pix] / metrics[latent]:.0f}x", xlabel="seconds (log)")
        ax.set_xlim(right=10 * max(metrics[latent], metrics[pix]))
    fig.tight_layout()
    return fig
