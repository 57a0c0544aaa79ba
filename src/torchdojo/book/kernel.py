"""A Jupyter kernel that is this very Python (the venv's), whatever kernelspecs the user has."""

from __future__ import annotations

import json
import sys
from pathlib import Path

KERNEL_NAME = "python3"


def write_kernelspec(root: Path) -> Path:
    """Write <root>/kernels/python3/kernel.json launching sys.executable; return <root>/kernels.

    `--matplotlib=inline` makes `display(fig)` of a matplotlib Figure a PNG output even
    though lessons never import pyplot.
    """
    folder = root / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--matplotlib=inline"],
            "display_name": "Python 3 (torchdojo)", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder.parent


def kernel_manager(root: Path):  # -> jupyter_client.AsyncKernelManager
    """A kernel manager whose only kernelspec is the one `write_kernelspec` writes."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    specs = KernelSpecManager(kernel_dirs=[str(write_kernelspec(root))],
                              ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
