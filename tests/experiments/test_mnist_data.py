"""mnist-data: the checks it reports are real (a missing class fails them), the per-sample
Dataset normalises exactly, and a file damaged after loading is caught by the re-check."""

import pytest
import torch

from torchdojo.data.datasets import ImageDataset, class_counts, normalisation
from torchdojo.data.idx import write_idx
from torchdojo.data.synthetic import write_synthetic
from torchdojo.data.vision import load_images
from torchdojo.errors import DojoError
from torchdojo.runner import run_experiment


def test_quick_run_verifies_the_fake_data_and_plots_it(fake_data, tmp_path):
    result = run_experiment("mnist-data", quick=True, out=tmp_path / "run", quiet=True)
    m = result.metrics
    assert m["verified"] == 1.0
    assert m["checksums_published"] == 0.0  # fakes are not the published files
    assert (m["train_size"], m["test_size"]) == (600.0, 200.0)
    x, y = result.batch
    assert x.shape == (64, 1, 28, 28) and y.dtype == torch.int64
    assert {"digits", "counts", "class_means"} <= set(result.figures)
    assert all(p.exists() for p in result.figures.values())


def test_a_class_missing_from_the_test_split_fails_verification(tmp_path, monkeypatch):
    write_synthetic(tmp_path, "mnist", n_train=100, n_test=50)
    raw = tmp_path / "MNIST" / "raw"
    images = load_images("mnist", root=tmp_path).test_x
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", torch.zeros(50, dtype=torch.uint8))
    write_idx(raw / "t10k-images-idx3-ubyte.gz", images)
    monkeypatch.setenv("TORCHDOJO_DATA", str(tmp_path))
    result = run_experiment("mnist-data", out=tmp_path / "run", quiet=True)
    assert result.metrics["verified"] == 0.0
    assert "FAILED: every class in test" in result.notes


def test_image_dataset_normalises_each_image_exactly():
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.arange(10) % 3
    mean, std = normalisation(images)
    assert mean == pytest.approx(images.double().div(255).mean().item(), rel=1e-6)
    dataset = ImageDataset(images, labels, mean, std)
    x, y = dataset[7]
    assert x.shape == (1, 28, 28) and y == 1
    expected = (images[7].double() / 255 - mean) / std
    assert torch.allclose(x[0].double(), expected, atol=1e-6)
    assert class_counts(labels, 3).tolist() == [4, 3, 3]
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        ImageDataset(images, labels[:9], mean, std)


def test_loading_gives_the_checksum_verdict_and_names_a_damaged_file(tmp_path):
    write_synthetic(tmp_path, "fashion-mnist", n_train=40, n_test=20)
    data = load_images("fashion-mnist", root=tmp_path)
    assert data.checksums_published is None  # structure fine, but not the published files
    damaged = tmp_path / "FashionMNIST" / "raw" / "train-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:100])
    with pytest.raises(DojoError, match="train-images-idx3-ubyte"):
        load_images("fashion-mnist", root=tmp_path)
