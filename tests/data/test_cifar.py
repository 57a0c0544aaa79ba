"""CIFAR-10's binary version: read from bytes the test writes in the real format, damaged
files named in one line, fetch against a local server (checksum first), import, status."""

import argparse
import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from clitools import dojo, one_line_error

from torchdojo.data import cifar
from torchdojo.data import commands as data_commands
from torchdojo.errors import DojoError

N = 4  # records per batch file in these fakes (the real files hold 10,000)


def record_bytes(label: int, red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> bytes:
    """One record as the format describes it: the label byte, then the 32x32 red, green and
    blue planes, each row by row."""
    planes = [np.asarray(p, dtype=np.uint8).reshape(32, 32) for p in (red, green, blue)]
    return bytes([label]) + b"".join(p.tobytes(order="C") for p in planes)


def batch_bytes(seed: int, n: int = N, labels: list[int] | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    labels = labels if labels is not None else [int(v) for v in rng.integers(0, 10, n)]
    return b"".join(record_bytes(y, *rng.integers(0, 256, (3, 32, 32))) for y in labels)


def fake_files(seed: int = 0) -> dict[str, bytes]:
    files = {name: batch_bytes(seed + i) for i, name in enumerate(cifar.TRAIN_FILES)}
    files[cifar.TEST_FILE] = batch_bytes(seed + 10)
    files[cifar.META_FILE] = ("\n".join(cifar.CLASSES) + "\n\n").encode()  # as shipped: blanks
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def write_archive(path: Path, files: dict[str, bytes], prefix: str = "cifar-10-batches-bin/"
                  ) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- reading -------------------------------------------------------------------------------
def test_a_record_reads_as_label_then_red_green_blue_planes_row_by_row():
    red = np.arange(1024) % 256
    green = np.full(1024, 7)
    blue = 255 - red
    images, labels = cifar.parse_batch(record_bytes(3, red, green, blue) * 2, "b.bin",
                                       records=2)
    assert images.shape == (2, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.tolist() == [3, 3] and labels.dtype == torch.int64
    assert images[0, 0, 0, :5].tolist() == [0, 1, 2, 3, 4]  # red, first row
    assert images[0, 0, 1, 0] == 32 and images[0, 0, 7, 31] == 255  # row 1 starts at 32
    assert (images[0, 1] == 7).all() and images[0, 2, 0, 0] == 255  # green, then blue
    assert torch.equal(images[1], images[0])


def test_load_concatenates_the_five_training_batches_in_order(tmp_path):
    files = fake_files()
    write_folder(cifar.folder(tmp_path), files)
    data = cifar.load(tmp_path, records=N)
    assert data.name == "cifar10" and data.source == str(tmp_path / "cifar-10-batches-bin")
    assert data.label == "CIFAR-10 (20 train / 4 test)"
    assert data.train_x.shape == (5 * N, 3, 32, 32) and data.test_x.shape == (N, 3, 32, 32)
    assert data.classes == cifar.CLASSES
    for i, name in enumerate(cifar.TRAIN_FILES):  # batch i's records are rows 4i..4i+3
        images, labels = cifar.parse_batch(files[name], name, records=N)
        assert torch.equal(data.train_x[N * i:N * (i + 1)], images)
        assert torch.equal(data.train_y[N * i:N * (i + 1)], labels)
    first = files[cifar.TRAIN_FILES[0]]
    assert data.train_y[0] == first[0] and data.train_x[0, 0, 0, 0] == first[1]


def test_the_real_record_count_is_expected_unless_told_otherwise(tmp_path):
    write_folder(cifar.folder(tmp_path), fake_files())
    with pytest.raises(DojoError, match=r"data_batch_1.bin: 4 records, expected 10,000"):
        cifar.load(tmp_path)


@pytest.mark.parametrize("damage, fragment", [
    ("truncated", "12,291 bytes is not a whole number of 3,073-byte records"),
    ("empty", "0 bytes is not a whole number of 3,073-byte records"),
    ("extra record", "5 records, expected 4"),
    ("bad label", "record 2 has label 10; labels must be 0..9"),
    ("missing", "missing data_batch_3.bin"),
    ("nine names", "9 class names, expected 10"),
])
def test_a_damaged_file_is_one_line_naming_it(tmp_path, damage, fragment):
    files = fake_files()
    name = cifar.TRAIN_FILES[2]
    if damage == "truncated":
        files[name] = files[name][:-1]
    elif damage == "empty":
        files[name] = b""
    elif damage == "extra record":
        files[name] += files[name][:cifar.RECORD]
    elif damage == "bad label":
        files[name] = batch_bytes(5, labels=[0, 9, 10, 1])
    elif damage == "missing":
        del files[name]
    else:
        name = cifar.META_FILE
        files[name] = "\n".join(cifar.CLASSES[:9]).encode()
    folder = write_folder(cifar.folder(tmp_path), files)
    with pytest.raises(DojoError) as info:
        cifar.load(tmp_path, records=N)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert str(folder) in message and (damage == "missing" or name in message)
    assert "dojo data fetch cifar10" in message
    assert not isinstance(info.value, cifar.CifarAbsent)  # damaged is not absent


def test_absent_data_is_its_own_error_and_says_how_to_get_it(tmp_path):
    assert not cifar.present(tmp_path)
    with pytest.raises(cifar.CifarAbsent) as info:
        cifar.load(tmp_path)
    assert str(info.value) == (f"CIFAR-10 is not in {tmp_path / 'cifar-10-batches-bin'}; "
                               f"{cifar.GET_IT}")
    assert "dojo data fetch cifar10" in cifar.GET_IT and "dojo data import PATH" in cifar.GET_IT


# --- fetch against a local server ----------------------------------------------------------
def test_fetch_refuses_an_archive_whose_md5_is_not_the_published_one(server, tmp_path):
    base, served = server
    write_archive(served / cifar.ARCHIVE, fake_files())
    root = tmp_path / "root"
    with pytest.raises(DojoError) as info:
        cifar.fetch(root, mirrors=[base], announce=lambda line: None, records=N)
    message = str(info.value)
    assert f"{base}{cifar.ARCHIVE}: checksum mismatch" in message
    assert f"expected {cifar.ARCHIVE_MD5}" in message
    assert listing(root) == []  # no archive, no temp file, no folder


def test_fetch_downloads_checks_and_unpacks_then_finds_it_present(server, tmp_path,
                                                                  monkeypatch):
    base, served = server
    files = fake_files(seed=3)
    archive = write_archive(served / cifar.ARCHIVE, files)
    monkeypatch.setattr(cifar, "ARCHIVE_MD5", hashlib.md5(archive.read_bytes()).hexdigest())
    monkeypatch.setenv("TORCHDOJO_MIRROR", base)
    root, said = tmp_path / "root", []
    dest = cifar.fetch(root, announce=said.append, records=N)
    assert dest == root / "cifar-10-batches-bin" and said[0].startswith("downloading CIFAR-10")
    assert listing(dest) == sorted(files)
    assert all((dest / name).read_bytes() == data for name, data in files.items())
    assert (dest / cifar.TEST_FILE).stat().st_mode & 0o777 == 0o644
    archive.unlink()  # a second fetch downloads nothing
    assert cifar.fetch(root, announce=said.append, records=N) == dest
    assert said[-1] == f"CIFAR-10 is already present and valid in {dest}"
    assert torch.equal(cifar.load(root, records=N).test_y,
                       cifar.parse_batch(files[cifar.TEST_FILE], "t", records=N)[1])


# --- import --------------------------------------------------------------------------------
def test_import_of_an_archive_writes_only_the_known_files_inside_the_data_folder(tmp_path):
    files = fake_files(seed=5)
    archive = write_archive(tmp_path / "cifar-10-binary.tar.gz", files,
                            prefix="../../escape/")  # a hostile member path
    root, said = tmp_path / "root", []
    dest = cifar.import_path(archive, root, announce=said.append, records=N)
    assert dest == root / "cifar-10-batches-bin" and listing(dest) == sorted(files)
    assert not (tmp_path / "escape").exists() and not (tmp_path.parent / "escape").exists()
    assert "not the published archive: checked record by record" in said[0]


@pytest.mark.parametrize("given", ["folder", "parent"])
def test_import_of_a_folder_copies_it_into_place(tmp_path, given):
    source = write_folder(tmp_path / "dl" / "cifar-10-batches-bin", fake_files(seed=7))
    root = tmp_path / "root"
    path = source if given == "folder" else source.parent
    dest = cifar.import_path(path, root, announce=lambda line: None, records=N)
    assert torch.equal(cifar.load(root, records=N).train_x,
                       cifar.load(tmp_path / "dl", records=N).train_x)
    assert dest == cifar.folder(root)


def test_a_bad_import_changes_nothing(tmp_path):
    files = fake_files()
    files[cifar.TEST_FILE] = files[cifar.TEST_FILE][:-100]  # cut short
    archive = write_archive(tmp_path / "cifar.tar.gz", files)
    root = tmp_path / "root"
    with pytest.raises(DojoError, match="test_batch.bin: 12,192 bytes is not a whole number"):
        cifar.import_path(archive, root, announce=lambda line: None, records=N)
    assert listing(root) == []
    (tmp_path / "junk.tar.gz").write_bytes(b"not a tar file")
    with pytest.raises(DojoError, match="junk.tar.gz: not a readable tar.gz"):
        cifar.import_path(tmp_path / "junk.tar.gz", root, announce=lambda line: None)


# --- dojo data status / fetch / import -----------------------------------------------------
def data_args(action: str, target: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(action=action, target=target, name=None)


def test_status_lists_cifar10_absent_good_and_damaged(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCHDOJO_DATA", str(tmp_path))
    monkeypatch.setattr(cifar, "RECORDS", N)
    assert data_commands.cmd_data(data_args("status")) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == f"cifar10        not found; {cifar.GET_IT}"
    folder = write_folder(cifar.folder(tmp_path), fake_files())
    data_commands.cmd_data(data_args("status"))
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == f"cifar10        {folder}, 7 files, 0.1 MB, records ok"
    (folder / cifar.TRAIN_FILES[0]).write_bytes(b"\x0a" * cifar.RECORD * N)  # label 10
    data_commands.cmd_data(data_args("status"))
    line = capsys.readouterr().out.splitlines()[-1]
    assert f"{folder}, 7 files" in line and "BAD: " in line and "has label 10" in line


def test_dojo_data_import_hands_cifar_paths_to_the_cifar_reader(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCHDOJO_DATA", str(tmp_path / "root"))
    monkeypatch.setattr(cifar, "RECORDS", N)
    archive = write_archive(tmp_path / "cifar-10-binary.tar.gz", fake_files())
    assert data_commands.cmd_data(data_args("import", str(archive))) == 0
    assert capsys.readouterr().out.strip() == f"imported into {tmp_path / 'root' / cifar.FOLDER}"
    with pytest.raises(DojoError, match="unknown dataset 'cifar'; valid names: mnist, "
                                        "fashion-mnist, cifar10"):
        data_commands.cmd_data(data_args("fetch", "cifar"))


def test_a_bad_import_from_the_command_line_is_one_line(tmp_path):
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(b"\x1f\x8b but not really")
    code, _, err = dojo("data", "import", str(tmp_path / "cifar-10-binary.tar.gz"),
                        env={"TORCHDOJO_DATA": str(tmp_path / "root")})
    one_line_error(code, err, "cifar-10-binary.tar.gz: not a readable tar.gz")
    assert listing(tmp_path / "root") == []
