"""IDX files: exact bytes, round trips, and one clear error per kind of damage."""

import gzip

import numpy as np
import pytest
import torch

from torchdojo.data.idx import md5, read_idx, write_idx
from torchdojo.errors import DojoError

HEADER_2x2x2 = bytes([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2])


def test_known_bytes_decode_to_the_right_values_in_c_order(tmp_path):
    path = tmp_path / "cube-idx3-ubyte"
    path.write_bytes(HEADER_2x2x2 + bytes([1, 2, 3, 4, 5, 6, 7, 255]))
    t = read_idx(path)
    assert t.dtype == torch.uint8 and t.shape == (2, 2, 2)
    assert t.tolist() == [[[1, 2], [3, 4]], [[5, 6], [7, 255]]]
    out = tmp_path / "again-idx3-ubyte"
    write_idx(out, t)
    assert out.read_bytes() == path.read_bytes()  # the writer makes the very same bytes


def test_big_endian_values_are_read_as_numbers_not_bytes(tmp_path):
    path = tmp_path / "int-idx1"
    header, body = bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]), bytes([0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE])
    path.write_bytes(header + body)
    assert read_idx(path).tolist() == [256, -2]


@pytest.mark.parametrize("dtype, shape", [
    (torch.uint8, (5, 28, 28)), (torch.uint8, (7,)), (torch.int8, (3, 4)),
    (torch.int16, (2, 3, 4)), (torch.int32, (6,)), (torch.float32, (2, 5)),
    (torch.float64, (1, 2, 3, 4)), (torch.uint8, (0, 28, 28)),
])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, shape, suffix):
    g = torch.Generator().manual_seed(0)
    if dtype.is_floating_point:
        t = torch.randn(shape, generator=g, dtype=dtype)
    else:
        info = torch.iinfo(dtype)
        t = torch.randint(info.min, info.max, shape, generator=g, dtype=torch.int64).to(dtype)
    path = tmp_path / f"x{suffix}"
    write_idx(path, t)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    back = read_idx(path)
    assert back.dtype == dtype and back.shape == shape and torch.equal(back, t)
    assert list(tmp_path.iterdir()) == [path]  # no temp file left beside it


def test_gzip_is_detected_by_content_not_by_name(tmp_path):
    path = tmp_path / "named-raw-but-gzipped"
    path.write_bytes(gzip.compress(HEADER_2x2x2 + bytes(range(8))))
    assert read_idx(path).flatten().tolist() == list(range(8))


def test_write_accepts_numpy_and_refuses_int64(tmp_path):
    write_idx(tmp_path / "a", np.arange(4, dtype=np.int16))
    assert read_idx(tmp_path / "a").tolist() == [0, 1, 2, 3]
    with pytest.raises(DojoError, match="cannot store int64"):
        write_idx(tmp_path / "b", torch.arange(3))
    assert not (tmp_path / "b").exists()


def test_md5_of_a_file(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert md5(tmp_path / "f") == "900150983cd24fb0d6963f7d28e17f72"


GOOD = HEADER_2x2x2 + bytes(8)


@pytest.mark.parametrize("name, data, problem", [
    ("short-idx3-ubyte", GOOD[:-3], "truncated (expected 8 bytes of data for shape (2, 2, 2), "
                                     "found 5)"),
    ("header-idx3-ubyte", GOOD[:9], "truncated (expected a 16-byte IDX header, found 9 bytes)"),
    ("tiny-idx3-ubyte", b"\x00\x00", "truncated (expected a 4-byte IDX header"),
    ("html-idx3-ubyte", b"<html>404</html>", "wrong magic number 0x3c68746d, not an IDX file"),
    ("long-idx3-ubyte", GOOD + b"\x00", "trailing bytes (expected 8 bytes of data"),
    ("type-idx3-ubyte", bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 0]),
     "unsupported IDX data type code 0x0A"),
    ("cut.gz", gzip.compress(GOOD)[:-10], "bad gzip data"),
    ("junk.gz", b"\x1f\x8b" + b"not really gzip at all", "bad gzip data"),
    ("gz-trailing.gz", gzip.compress(GOOD) + b"garbage!", "bad gzip data"),
    ("gz-short.gz", gzip.compress(GOOD[:-1]), "truncated (expected 8 bytes of data"),
], ids=lambda value: value if isinstance(value, str) and len(value) < 40 else "")
def test_damage_is_one_dojo_error_naming_file_and_problem(tmp_path, name, data, problem):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DojoError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ") and problem in message
    assert "\n" not in message


def test_missing_file_is_a_dojo_error(tmp_path):
    with pytest.raises(DojoError, match="nothing-here: cannot read"):
        read_idx(tmp_path / "nothing-here")
