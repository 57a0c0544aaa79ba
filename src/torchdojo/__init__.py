"""torchdojo: a hands-on deep-learning course in PyTorch."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("torchdojo")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+src"

__all__ = ["__version__"]
