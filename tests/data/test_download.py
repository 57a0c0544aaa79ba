"""Downloads against a local HTTP server: good files land, bad ones leave nothing behind."""

import hashlib
from pathlib import Path

import pytest

from torchdojo.data import download as dl
from torchdojo.data import vision
from torchdojo.data.synthetic import write_synthetic
from torchdojo.errors import DojoError


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_good_file_lands_with_its_md5_checked(server, tmp_path):
    base, served = server
    body = bytes(range(256)) * 1000
    (served / "blob.bin").write_bytes(body)
    dest = tmp_path / "out" / "blob.bin"
    got = dl.download(base + "blob.bin", dest, hashlib.md5(body).hexdigest(), progress=False)
    assert got == dest and dest.read_bytes() == body
    assert leftovers(dest.parent) == ["blob.bin"]
    assert dest.stat().st_mode & 0o777 == 0o644  # a data file, not a private temp file


@pytest.mark.parametrize("path, md5, problem", [
    ("short/blob.bin", None, "truncated (expected 256000 bytes, got 128000)"),
    ("blob.bin", "0" * 32, "checksum mismatch (md5 "),
    ("missing.bin", None, "HTTP 404"),
])
def test_a_bad_download_leaves_nothing_and_names_the_url(server, tmp_path, path, md5, problem):
    base, served = server
    (served / "blob.bin").write_bytes(bytes(range(256)) * 1000)
    dest = tmp_path / "out" / "blob.bin"
    with pytest.raises(DojoError) as info:
        dl.download(base + path, dest, md5, progress=False)
    assert str(info.value).startswith(base + path + ": ") and problem in str(info.value)
    assert leftovers(dest.parent) == []  # no file, no temp file


def test_every_mirror_is_tried_and_the_error_says_what_each_said(server, tmp_path):
    base, served = server
    (served / "f").write_bytes(b"hello")
    dead = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    dest = tmp_path / "f"
    with pytest.raises(DojoError) as info:
        dl.download_from_mirrors("nope", dest, None, [dead, base], timeout=5, progress=False)
    message = str(info.value)
    assert message.startswith("cannot download nope: ")
    assert f"{dead}nope: cannot connect" in message and f"{base}nope: HTTP 404" in message
    assert dl.download_from_mirrors("f", dest, None, [dead, base], progress=False) == dest
    assert dest.read_bytes() == b"hello"


def test_mirror_override_from_the_environment(monkeypatch):
    monkeypatch.delenv("TORCHDOJO_MIRROR", raising=False)
    assert dl.mirrors_for("mnist") == dl.MIRRORS["mnist"]
    monkeypatch.setenv("TORCHDOJO_MIRROR", "http://example.invalid/m/")
    assert dl.mirrors_for("fashion-mnist") == ["http://example.invalid/m/"]


def test_fetch_a_fake_data_set_through_the_mirror_then_load_it(server, tmp_path, monkeypatch):
    base, served = server
    write_synthetic(tmp_path / "src", "fashion-mnist", n_train=50, n_test=20)
    fakes = tmp_path / "src" / "FashionMNIST" / "raw"
    for f in fakes.iterdir():
        (served / f.name).write_bytes(f.read_bytes())
        monkeypatch.setitem(vision.MD5["fashion-mnist"], f.name.removesuffix(".gz"),
                            hashlib.md5(f.read_bytes()).hexdigest())
    monkeypatch.setenv("TORCHDOJO_MIRROR", base)
    root, said = tmp_path / "root", []
    folder = vision.fetch("fashion-mnist", root=root, announce=said.append)
    assert folder == root / "FashionMNIST" / "raw"
    assert leftovers(folder) == leftovers(fakes)
    assert said == [f"downloading Fashion-MNIST (4 files) into {folder}"]
    # a second fetch finds everything present and valid, and downloads nothing
    for f in served.iterdir():
        f.unlink()
    assert vision.fetch("fashion-mnist", root=root, announce=said.append) == folder
    assert said[-1] == f"Fashion-MNIST is already present and valid in {folder}"
    data = vision.load_images("fashion-mnist", root=root)
    assert data.train_x.shape == (50, 28, 28) and data.test_y.shape == (20,)
    row = next(r for r in vision.status_rows(root) if r["name"] == "fashion-mnist")
    assert row["checksum_ok"] is True and row["where"] == str(folder)


def test_load_images_downloads_when_allowed_and_a_fetch_error_is_one_line(server, tmp_path,
                                                                          monkeypatch):
    base, served = server
    monkeypatch.setenv("TORCHDOJO_MIRROR", base)
    with pytest.raises(DojoError) as info:  # the mirror has nothing: 404 for the first file
        vision.load_images("fashion-mnist", root=tmp_path / "root", download=True,
                           announce=lambda line: None)
    message = str(info.value)
    assert "HTTP 404" in message and "dojo data fetch fashion-mnist" in message
    assert "\n" not in message
    assert leftovers(tmp_path / "root" / "FashionMNIST" / "raw") == []
