"""The IDX file format (MNIST's): read and write, raw or gzipped, with one-line errors.

An IDX file is a 4-byte magic number (0x00 0x00, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the data, big-endian, in C order.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np
import torch

from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_bytes

# type code -> big-endian numpy dtype
TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {torch.uint8: 0x08, torch.int8: 0x09, torch.int16: 0x0B, torch.int32: 0x0C,
            torch.float32: 0x0D, torch.float64: 0x0E}
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: Path) -> bytes:
    """The file's bytes as stored (maybe gzipped); a missing or unreadable file is a DojoError."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise DojoError(f"{path}: cannot read ({e.strerror or e})") from None


def decompress(data: bytes, path: Path | str) -> bytes:
    """Gunzip `data` if it starts with the gzip magic bytes (whatever the file is called)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except EOFError:  # the stream stops before its end marker: a cut-off download
        raise DojoError(f"{path}: bad gzip data (compressed stream is truncated)") from None
    except (OSError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DojoError(f"{path}: bad gzip data ({e})") from None


def parse_idx(data: bytes, path: Path | str) -> torch.Tensor:
    """Decode uncompressed IDX bytes into a tensor; `path` only names the file in errors."""
    if len(data) < 4:
        raise DojoError(f"{path}: truncated (expected a 4-byte IDX header, found {len(data)} "
                        "bytes)")
    if data[0] != 0 or data[1] != 0:
        raise DojoError(f"{path}: wrong magic number 0x{data[:4].hex()}, not an IDX file")
    code, ndim = data[2], data[3]
    if code not in TYPE_CODES:
        known = ", ".join(f"0x{c:02X}" for c in TYPE_CODES)
        raise DojoError(f"{path}: unsupported IDX data type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise DojoError(f"{path}: IDX header says 0 dimensions")
    start = 4 + 4 * ndim
    if len(data) < start:
        raise DojoError(f"{path}: truncated (expected a {start}-byte IDX header, found "
                        f"{len(data)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = TYPE_CODES[code]
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    found = len(data) - start
    if found < expected:
        raise DojoError(f"{path}: truncated (expected {expected} bytes of data for shape "
                        f"{shape}, found {found})")
    if found > expected:
        raise DojoError(f"{path}: trailing bytes (expected {expected} bytes of data for shape "
                        f"{shape}, found {found})")
    # frombuffer is a zero-copy view; astype to native order makes the one (writable) copy
    array = np.frombuffer(data, dtype=dtype, offset=start).astype(dtype.newbyteorder("="))
    return torch.from_numpy(array.reshape(shape))


def read_idx(path: Path) -> torch.Tensor:
    """Read an IDX file (raw or gzipped, told apart by its first bytes) into a tensor."""
    return parse_idx(decompress(read_bytes(path), path), path)


def encode_idx(tensor: torch.Tensor | np.ndarray) -> bytes:
    """The uncompressed IDX bytes of a tensor or array."""
    t = torch.as_tensor(tensor)
    if t.dtype not in _CODE_OF:
        names = ", ".join(str(d).removeprefix("torch.") for d in _CODE_OF)
        raise DojoError(f"IDX cannot store {str(t.dtype).removeprefix('torch.')} "
                        f"(it stores {names}); convert first")
    if t.ndim == 0 or t.ndim > 255:
        raise DojoError(f"IDX needs 1 to 255 dimensions, not {t.ndim}")
    code = _CODE_OF[t.dtype]
    header = bytes([0, 0, code, t.ndim]) + np.asarray(t.shape, dtype=">u4").tobytes()
    body = t.detach().cpu().contiguous().numpy().astype(TYPE_CODES[code]).tobytes()
    return header + body


def write_data_file(path: Path, data: bytes) -> None:
    """Write atomically, readable by all like any data file (temp files start private, 0600)."""
    atomic_write_bytes(path, data)
    os.chmod(path, 0o644)


def write_idx(path: Path, tensor: torch.Tensor | np.ndarray) -> None:
    """Write a tensor as IDX, gzipped when the name ends in .gz, atomically (temp + rename)."""
    path = Path(path)
    data = encode_idx(tensor)
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6, mtime=0)  # mtime=0: same bytes every time
    write_data_file(path, data)


def md5_bytes(data: bytes) -> str:
    """The hex MD5 of some bytes (an integrity check, not security)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5(path: Path) -> str:
    """The hex MD5 of a file, read in chunks."""
    h = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError as e:
        raise DojoError(f"{path}: cannot read ({e.strerror or e})") from None
    return h.hexdigest()
