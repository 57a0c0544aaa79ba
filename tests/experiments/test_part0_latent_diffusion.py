"""latent-diffusion: the MLP denoiser's conditioning and step embedding, latents scaled to
unit variance, the held-out split, encode/decode, a quick run on fake data that trains,
times the pixel U-Net and is judged, targets that can fail, and bad settings."""

import json

import pytest
import torch
import torch.nn.functional as F

from torchdojo import registry
from torchdojo.data.vision import load_images
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference
from torchdojo.experiments import latent_diffusion as ld
from torchdojo.models.latent_denoiser import LatentDenoiser, ResidualMLPBlock
from torchdojo.models.vae import VAE
from torchdojo.runner import run_experiment, verdicts
from torchdojo.train.context import Result


@pytest.fixture(scope="module")
def quick(fake_data, tmp_path_factory):
    return run_experiment("latent-diffusion", quick=True, quiet=True,
                          out=tmp_path_factory.mktemp("r") / "ld")


def _denoiser(classes=10, seed=0):
    torch.manual_seed(seed)
    model = LatentDenoiser(6, width=32, depth=2, classes=classes)
    torch.nn.init.normal_(model.out[-1].weight)  # the zero-initialised output: give it weights
    return model.eval()


def test_the_denoiser_starts_at_zero_and_keeps_the_latent_shape():
    model = LatentDenoiser(6, width=32, depth=2, classes=10)
    z, t, y = torch.randn(5, 6), torch.randint(0, 50, (5,)), torch.arange(5)
    eps = model(z, t, y)
    assert eps.shape == (5, 6) and torch.equal(eps, torch.zeros(5, 6))  # zero output layer


def test_class_and_step_change_the_prediction_and_none_is_the_no_label_row():
    model = _denoiser()
    z, t = torch.randn(4, 6), torch.full((4,), 7)
    with torch.no_grad():
        by_class = model(z, t, torch.tensor([3, 3, 3, 3]))
        other = model(z, t, torch.tensor([5, 5, 5, 5]))
        assert (by_class - other).abs().min() > 1e-4  # the class reaches every sample
        assert torch.equal(model(z, t), model(z, t, torch.full((4,), 10)))  # None = "no label"
        later = model(z, torch.full((4,), 30), torch.tensor([3, 3, 3, 3]))
        assert (by_class - later).abs().min() > 1e-4  # so does the step
        # one sample's answer depends on that sample only (no mixing across the batch)
        assert torch.allclose(model(z[:1], t[:1], torch.tensor([3])), by_class[:1], atol=1e-6)
    unconditional = LatentDenoiser(6, width=32, depth=2, classes=0)
    assert unconditional.label is None


def test_a_residual_block_is_the_formula_it_documents():
    torch.manual_seed(1)
    block = ResidualMLPBlock(8)
    h, emb = torch.randn(3, 8), torch.randn(3, 8)
    normed = F.layer_norm(h, (8,), block.norm.weight, block.norm.bias)
    want = h + block.fc2(F.silu(block.fc1(F.silu(normed)) + block.emb(emb)))
    assert torch.allclose(block(h, emb), want, atol=1e-6)


def test_latents_scaled_by_one_number_have_unit_variance():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(2000, 5, generator=g) * torch.tensor([3.0, 0.5, 1.0, 2.0, 1e-3]) + 0.7
    z, scale = ld.scale_latents(mu)
    assert z.flatten().std().item() == pytest.approx(1.0, abs=1e-5)
    assert torch.allclose(z, mu * scale) and scale == pytest.approx(1 / mu.std().item())
    assert z[:, 4].std() < 1e-3  # an unused dimension stays unused (no per-dimension scale)
    ours = reference(catalog.find("scale-latents")).scale_latents(mu.double())
    assert torch.allclose(ours[0].float(), z, atol=1e-5)  # the exercise's answer is this one


def test_decode_inverts_the_scale_and_gives_images_in_range():
    torch.manual_seed(0)
    vae = VAE(4, 16)
    images = torch.rand(3, 1, 28, 28) * 2 - 1
    mu = ld.encode(vae, images)
    assert mu.shape == (3, 4)
    assert torch.allclose(mu, vae.encode(((images + 1) / 2).flatten(1))[0])
    out = ld.decode(vae, mu * 2.5, 2.5)
    assert out.shape == (3, 1, 28, 28) and -1 <= out.min() <= out.max() <= 1
    assert torch.allclose(out, (torch.sigmoid(vae.decode(mu)) * 2 - 1).view(3, 1, 28, 28),
                          atol=1e-6)


def test_the_validation_images_come_from_the_training_split_and_are_never_trained_on(
        fake_data):
    data = load_images("mnist")
    (x_train, y_train), (x_val, y_val) = ld.splits(data, ld.Config(train_limit=200,
                                                                   val_split=50))
    assert x_train.shape == (200, 1, 28, 28) and x_val.shape == (50, 1, 28, 28)
    rows = {tuple(r.flatten().tolist()) for r in ((data.train_x.float() / 127.5) - 1)}
    assert all(tuple(r.flatten().tolist()) in rows for r in x_val)
    seen = {tuple(r.flatten().tolist()) for r in x_train}
    assert not any(tuple(r.flatten().tolist()) in seen for r in x_val)
    assert y_val.shape == (50,) and y_train.dtype == torch.int64


def test_quick_run_trains_judges_and_times_both_models(quick):
    m = quick.metrics
    assert quick.dataset == "mnist"  # the fake files
    assert m["loss"] < 0.8 * m["first_epoch_loss"]  # the denoiser learns
    for key in ("recognised", "agreement", "recon_recognised", "prior_recognised"):
        assert 0 <= m[key] <= 1, key
    assert m["classifier_fid"] > 0 and m["recon_fid"] > 0
    assert m["pixel_over_latent_epoch_time"] == pytest.approx(
        m["pixel_epoch_seconds"] / m["epoch_seconds"])
    assert m["pixel_epoch_seconds"] > m["epoch_seconds"] > 0  # even on fake data
    assert m["total_seconds"] > m["vae_seconds"] + m["ddpm_seconds"] > 0
    assert m["latent_scale"] > 0 and 0 < m["active_dims"] <= ld.Config().latent
    z = ld.scale_latents(ld.encode(quick.vae, quick.held_out))[0]
    assert z.shape == (ld.QUICK["val_split"], ld.Config().latent)
    assert quick.samples.shape == (ld.QUICK["n_samples"], 1, 28, 28)
    records = [json.loads(line) for line in
               (quick.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [(r["phase"], r["epoch"]) for r in records] == [  # the DDPM's fit, not the VAE's
        (phase, e) for e in range(1, ld.QUICK["epochs"] + 1) for phase in ("train", "val")]
    for name in ("curves", "vae_curves", "reconstructions", "per_class", "samples", "classes",
                 "guidance", "costs"):
        assert (quick.run_dir / f"{name}.png").stat().st_size > 3_000, name
    state = torch.load(quick.run_dir / "checkpoint.pt", weights_only=True)
    assert set(state["extra"]) == {"ema", "vae"}  # all that sampling needs


def test_the_targets_fail_for_a_denoiser_that_did_not_learn(fake_data, tmp_path):
    # train_limit=5000 (all the fake images): the check applies; a rate of 1e-7 learns nothing
    broken = run_experiment("latent-diffusion", quick=True, quiet=True, out=tmp_path / "b",
                            overrides={"train_limit": 5000, "lr": 1e-7, "epochs": 1,
                                       "vae_epochs": 1, "n_samples": 50, "sweep": "",
                                       "sweep_samples": 10})
    targets = json.loads((broken.run_dir / "result.json").read_text())["targets"]
    assert targets["agreement >= 0.9 on mnist"].startswith("FAIL")  # it ignores the class
    assert targets["classifier_fid <= 25 on mnist"].startswith("FAIL")
    lesson = registry.find("latent-diffusion")
    config = ld.Config()
    good = {"pixel_over_latent_epoch_time": 20.0, "recognised": 0.95, "classifier_fid": 10.0,
            "agreement": 0.97}
    assert all(v.startswith("PASS") for _, v in
               verdicts(lesson, config, Result(good, dataset="mnist")))
    slow = Result({**good, "pixel_over_latent_epoch_time": 3.0}, dataset="mnist")
    assert [v[:4] for _, v in verdicts(lesson, config, slow)].count("FAIL") == 1
    sample = Result(good, dataset="mnist-sample")  # the offline fallback: not MNIST itself
    assert all(v.startswith("n/a") for _, v in verdicts(lesson, config, sample))


@pytest.mark.parametrize("setting, fragment", [
    ("val_split=0", "val_split must be in"), ("kl_weight=-1", "kl_weight must be"),
    ("epochs=0", "epochs must be positive"), ("n_samples=1", "at least 2"),
    ("p_uncond=1", "p_uncond must be in"), ("pixel_probe_steps=0", "must be positive")])
def test_bad_settings_are_a_dojo_error(fake_data, tmp_path, setting, fragment):
    key, value = setting.split("=")
    with pytest.raises(DojoError, match=fragment):
        run_experiment("latent-diffusion", quick=True, quiet=True, out=tmp_path / "run",
                       overrides={key: value})
    assert not (tmp_path / "run").exists()  # nothing half-written
