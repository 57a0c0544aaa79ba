"""CIFAR-10, the binary version: find it, read it with full checks, fetch it, import it.

`cifar-10-binary.tar.gz` unpacks to `cifar-10-batches-bin/`, which torchvision keeps
under its data root and so do we (`<root>/cifar-10-batches-bin/`):

    data_batch_1.bin ... data_batch_5.bin   training, 10,000 records each
    test_batch.bin                          test, 10,000 records
    batches.meta.txt                        the ten class names, one a line

A record is 3,073 bytes: the label (0..9), then 3,072 pixels, 1,024 red, 1,024 green and
1,024 blue, each a 32x32 image row by row. So a batch file is a (N, 3073) byte array and
needs no parser at all. We read these bytes and never the Python version's pickles:
unpickling a downloaded file can run any code.

Every file is checked as it is read: its size a whole number of records, the record count
(10,000, or `records` for the small fakes tests write), every label in 0..9, ten class
names; the archive's MD5 when it is fetched or imported.
"""

from __future__ import annotations

import sys
import tarfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from torchdojo import paths
from torchdojo.data import download as dl
from torchdojo.data.idx import md5, read_bytes, write_data_file
from torchdojo.errors import DojoError

NAME = "cifar10"
TITLE = "CIFAR-10"
FOLDER = "cifar-10-batches-bin"  # torchvision's folder name for the binary version
ARCHIVE = "cifar-10-binary.tar.gz"
ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"  # torchvision's, of the published archive
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
META_FILE = "batches.meta.txt"
FILES = (*TRAIN_FILES, TEST_FILE, META_FILE)
SIDE, CHANNELS = 32, 3
RECORD = 1 + CHANNELS * SIDE * SIDE  # 3,073 bytes: a label, then the pixels
RECORDS = 10_000  # records in every batch file of the real data set
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck")
GET_IT = ("get it with `dojo data fetch cifar10` (about 170 MB) or `dojo data import PATH`, "
          "PATH being cifar-10-binary.tar.gz or the folder it unpacks to")


class CifarAbsent(DojoError):
    """No CIFAR-10 file at all where it is looked for (as against damaged or incomplete)."""


@dataclass(frozen=True)
class CifarData:
    """CIFAR-10 as read: where it came from, its tensors and class names."""

    name: str  # "cifar10"
    label: str  # for people, e.g. "CIFAR-10 (50,000 train / 10,000 test)"
    source: str  # the folder
    train_x: Tensor  # uint8 (N, 3, 32, 32)
    train_y: Tensor  # int64 (N,)
    test_x: Tensor
    test_y: Tensor
    classes: tuple[str, ...]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def folder(root: Path | None = None) -> Path:
    """`<root>/cifar-10-batches-bin`, where torchvision keeps the binary version."""
    return Path(root if root is not None else paths.data_root()) / FOLDER


# --- reading and checking ------------------------------------------------------------------
def parse_batch(data: bytes, path: Path | str, records: int | None = None
                ) -> tuple[Tensor, Tensor]:
    """One batch file's bytes -> images uint8 (N, 3, 32, 32) and labels int64 (N,), checked;
    `path` only names the file in errors."""
    want = RECORDS if records is None else records
    if len(data) % RECORD or not data:
        raise DojoError(f"{path}: {len(data):,} bytes is not a whole number of {RECORD:,}-byte "
                        "records (1 label byte + 3,072 pixel bytes): truncated, or not a "
                        f"CIFAR-10 batch file; {GET_IT}")
    count = len(data) // RECORD
    if count != want:
        raise DojoError(f"{path}: {count:,} records, expected {want:,}; {GET_IT}")
    table = np.frombuffer(data, dtype=np.uint8).reshape(count, RECORD)  # (N, 3073), no copy
    labels = table[:, 0]
    if int(labels.max()) > 9:
        bad = int(np.argmax(labels > 9))
        raise DojoError(f"{path}: record {bad} has label {int(labels[bad])}; labels must be "
                        f"0..9 (damaged, or not a CIFAR-10 batch file); {GET_IT}")
    images = table[:, 1:].reshape(count, CHANNELS, SIDE, SIDE)  # R, G, B planes, row by row
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def parse_meta(data: bytes, path: Path | str) -> tuple[str, ...]:
    """batches.meta.txt -> the ten class names (blank lines ignored)."""
    try:
        names = tuple(line.strip() for line in data.decode("ascii").splitlines() if line.strip())
    except UnicodeDecodeError:
        raise DojoError(f"{path}: not a text file of class names; {GET_IT}") from None
    if len(names) != len(CLASSES):
        raise DojoError(f"{path}: {len(names)} class names, expected {len(CLASSES)}; {GET_IT}")
    return names


def _parse_all(contents: dict[str, bytes], where: Path | str, records: int | None
               ) -> tuple[dict[str, tuple[Tensor, Tensor]], tuple[str, ...]]:
    """Check every file's bytes (by name) before anything is used or written."""
    batches = {name: parse_batch(contents[name], Path(where) / name, records)
               for name in (*TRAIN_FILES, TEST_FILE)}
    return batches, parse_meta(contents[META_FILE], Path(where) / META_FILE)


def _read_folder(source: Path) -> dict[str, bytes]:
    """The seven files' bytes; a missing one is a DojoError that names it."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise DojoError(f"{source}: missing {', '.join(missing)}; {GET_IT}")
    return {name: read_bytes(source / name) for name in FILES}


def present(root: Path | None = None) -> bool:
    """True when any CIFAR-10 file is in the user's folder (it may still be incomplete)."""
    where = folder(root)
    return any((where / name).is_file() for name in FILES)


def load(root: Path | None = None, *, records: int | None = None) -> CifarData:
    """CIFAR-10 from `<root>/cifar-10-batches-bin/`, every file checked.

    Nothing there: CifarAbsent, saying how to get it. Damaged or incomplete: a DojoError
    naming the file."""
    where = folder(root)
    if not present(root):
        raise CifarAbsent(f"{TITLE} is not in {where}; {GET_IT}")
    batches, classes = _parse_all(_read_folder(where), where, records)
    train_x = torch.cat([batches[name][0] for name in TRAIN_FILES])
    train_y = torch.cat([batches[name][1] for name in TRAIN_FILES])
    test_x, test_y = batches[TEST_FILE]
    return CifarData(NAME, f"{TITLE} ({len(train_y):,} train / {len(test_y):,} test)",
                     str(where), train_x, train_y, test_x, test_y, classes)


# --- dojo data status ----------------------------------------------------------------------
def status_row(root: Path | None = None) -> dict:
    """Where CIFAR-10 is, its files and size, and whether every check passes."""
    where = folder(root)
    files = [where / name for name in FILES if (where / name).is_file()]
    row = {"name": NAME, "where": str(where) if files else "not found",
           "files": [p.name for p in files], "bytes": sum(p.stat().st_size for p in files),
           "checked": None, "problem": None}
    if files:
        try:
            _parse_all(_read_folder(where), where, None)
            row["checked"] = True
        except DojoError as e:
            row["checked"], row["problem"] = False, str(e)
    return row


def format_status(row: dict) -> str:
    """One line of `dojo data status`."""
    head = f"{row['name']:<14} "
    if row["where"] == "not found":
        return head + f"not found; {GET_IT}"
    text = f"{row['where']}, {len(row['files'])} files, {row['bytes'] / 1e6:.1f} MB, "
    return head + text + ("records ok" if row["checked"] else f"BAD: {row['problem']}")


# --- fetch and import ----------------------------------------------------------------------
def _members(archive: Path) -> dict[str, bytes]:
    """The seven files' bytes from the tar.gz, by name; nothing is extracted to disk, so no
    member's path (absolute, `..`, a link) can write outside the data folder."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = Path(member.name).name
                if name in FILES and member.isfile() and name not in found:
                    found[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as e:
        raise DojoError(f"{archive}: not a readable tar.gz ({e}); {GET_IT}") from None
    missing = [name for name in FILES if name not in found]
    if missing:
        raise DojoError(f"{archive}: the archive has no {', '.join(missing)}; {GET_IT}")
    return found


def _install(contents: dict[str, bytes], source: Path | str, root: Path | None,
             records: int | None) -> Path:
    """Check every file, then write each atomically into the user's folder."""
    _parse_all(contents, source, records)  # all checks first: a bad file changes nothing
    dest = folder(root)
    for name, data in contents.items():
        target = dest / name
        try:
            write_data_file(target, data)
        except OSError as e:
            raise DojoError(f"cannot write {target}: {e.strerror or e}") from None
    return dest


def _complete_and_valid(root: Path | None, records: int | None) -> bool:
    try:
        load(root, records=records)
    except DojoError:
        return False
    return True


def fetch(root: Path | None = None, mirrors: Sequence[str] | None = None,
          announce: Callable[[str], None] | None = None, records: int | None = None) -> Path:
    """Download the archive (MD5-checked) beside the folder, then check and unpack it."""
    say = announce or _say
    dest = folder(root)
    if _complete_and_valid(root, records):
        say(f"{TITLE} is already present and valid in {dest}")
        return dest
    archive = dest.parent / ARCHIVE
    if not (archive.is_file() and md5(archive) == ARCHIVE_MD5):
        bases = list(mirrors) if mirrors is not None else dl.mirrors_for(NAME)
        say(f"downloading {TITLE} ({ARCHIVE}, about 170 MB) into {dest.parent}")
        dl.download_from_mirrors(ARCHIVE, archive, ARCHIVE_MD5, bases)
    return _install(_members(archive), archive, root, records)


def import_path(path: Path, root: Path | None = None,
                announce: Callable[[str], None] | None = None, records: int | None = None
                ) -> Path:
    """Check the CIFAR-10 binary files (the tar.gz, or a folder holding them or holding
    cifar-10-batches-bin/) and copy them into the user's folder."""
    say = announce or _say
    path = Path(path)
    if path.is_file():
        published = md5(path) == ARCHIVE_MD5
        contents = _members(path)
        note = "the published archive, MD5 ok" if published else \
            "not the published archive: checked record by record"
    elif path.is_dir():
        source = path / FOLDER if (path / FOLDER).is_dir() else path
        contents = _read_folder(source)
        path, note = source, "checked record by record"
    else:
        raise DojoError(f"{path}: no such file or folder")
    if path.resolve() == folder(root).resolve():
        _parse_all(contents, path, records)
        say(f"{TITLE} is already in {path}, and valid")
        return path
    dest = _install(contents, path, root, records)
    say(f"imported {TITLE} ({len(contents)} files; {note}) into {dest}")
    return dest


def looks_like(path: Path) -> bool:
    """True for what `dojo data import` should hand to this module: a CIFAR-10 archive or
    batch file, or a folder holding the batch files or cifar-10-batches-bin/."""
    path = Path(path)
    if path.is_dir():
        return (path / FOLDER).is_dir() or any((path / n).is_file() for n in FILES)
    name = path.name.lower()
    return "cifar" in name or name in FILES


def write_batch(path: Path, images: Tensor, labels: Tensor) -> None:
    """Write images uint8 (N, 3, 32, 32) and labels (N,) as a batch file of the real format
    (tests, and anyone making a small fake)."""
    x = images.to(torch.uint8).reshape(len(labels), -1).numpy()
    y = labels.to(torch.uint8).numpy()[:, None]
    write_data_file(Path(path), np.concatenate([y, x], axis=1).tobytes())
