"""Downloads with MD5 checks that never leave half a file behind (stdlib urllib + tqdm).

The bytes go to a temp file in the destination folder, which is renamed into place
only once the MD5 matches; on any failure the temp file is removed.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from torchdojo.errors import DojoError

MIRRORS: dict[str, list[str]] = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "http://yann.lecun.com/exdb/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    "cifar10": ["https://www.cs.toronto.edu/~kriz/"],  # the authors' page, as torchvision's
}
CHUNK = 1 << 16


def mirrors_for(name: str) -> list[str]:
    """Base URLs to try for a dataset: $TORCHDOJO_MIRROR alone if set, else MIRRORS[name]."""
    if os.environ.get("TORCHDOJO_MIRROR"):
        return [os.environ["TORCHDOJO_MIRROR"]]
    return list(MIRRORS[name])


def join_url(base: str, filename: str) -> str:
    """`base` + `filename`, with exactly one slash between them."""
    return base.rstrip("/") + "/" + filename


def _problem(e: BaseException, timeout: float) -> str:
    """A few words saying what went wrong with a request."""
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        if not isinstance(e.reason, BaseException):
            return f"cannot connect ({e.reason})"
        e = e.reason
    if isinstance(e, TimeoutError):  # socket.timeout is TimeoutError
        return f"timed out after {timeout:g} s"
    if isinstance(e, ValueError):
        return f"bad URL ({e})"
    if isinstance(e, OSError) and e.strerror:
        return f"cannot connect ({e.strerror})"
    return f"{type(e).__name__}: {e}"


def download(url: str, dest: Path, md5: str | None, *, timeout: float = 15,
             progress: bool = True) -> Path:
    """Fetch `url` to `dest`, checking its size and MD5; on failure nothing is left at `dest`."""
    from tqdm.auto import tqdm  # imported here: only downloads need it

    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.",
                                        suffix=".part")
    except OSError as e:
        raise DojoError(f"cannot write to {dest.parent}: {e.strerror or e}") from None
    tmp = Path(tmp_name)
    try:
        h = hashlib.md5(usedforsecurity=False)
        received, total = 0, None
        request = urllib.request.Request(url, headers={"User-Agent": "torchdojo"})
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    length = response.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    with tqdm(total=total, unit="B", unit_scale=True, desc=dest.name,
                              disable=not (progress and sys.stderr.isatty())) as bar:
                        while chunk := response.read(CHUNK):
                            out.write(chunk)
                            h.update(chunk)
                            received += len(chunk)
                            bar.update(len(chunk))
            except http.client.IncompleteRead as e:  # the server closed before Content-Length
                received += len(e.partial)
                raise DojoError(f"{url}: truncated (expected {total} bytes, got {received})") \
                    from None
            except (OSError, ValueError, http.client.HTTPException) as e:  # URLError: OSError
                raise DojoError(f"{url}: {_problem(e, timeout)}") from None
            if total is not None and received != total:
                raise DojoError(f"{url}: truncated (expected {total} bytes, got {received})")
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), 0o644)  # a data file, not a private temp file (0600)
        got = h.hexdigest()
        if md5 is not None and got != md5:
            raise DojoError(f"{url}: checksum mismatch (md5 {got}, expected {md5}; "
                            f"{received} bytes)")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def download_from_mirrors(filename: str, dest: Path, md5: str | None, mirrors: Sequence[str],
                          *, timeout: float = 15, progress: bool = True) -> Path:
    """Try each mirror in turn; if all fail, one error that says what each one said."""
    problems = []
    for base in mirrors:
        try:
            return download(join_url(base, filename), dest, md5, timeout=timeout,
                            progress=progress)
        except DojoError as e:
            problems.append(str(e))
    if not problems:
        raise DojoError(f"cannot download {filename}: no mirrors to try")
    raise DojoError(f"cannot download {filename}: " + "; ".join(problems))
