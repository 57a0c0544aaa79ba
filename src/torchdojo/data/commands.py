"""`dojo data status|fetch NAME|import PATH`: the data part registers its own subcommand."""

from __future__ import annotations

import argparse
from pathlib import Path

from torchdojo import pathargs, paths
from torchdojo.errors import DojoError


def cmd_data(args: argparse.Namespace) -> int:
    from torchdojo.data import cifar, vision

    names = (*vision.DATASETS, cifar.NAME)
    if args.action == "status":
        for row in vision.status_rows():
            print(vision.format_status(row))
        print(cifar.format_status(cifar.status_row()))
    elif args.action == "fetch":
        if not args.target:
            raise DojoError(f"dojo data fetch needs a dataset name: {', '.join(names)}")
        if args.target not in names:
            raise DojoError(f"unknown dataset '{args.target}'; valid names: {', '.join(names)}")
        _check_data_folder()
        fetch = cifar.fetch if args.target == cifar.NAME else lambda: vision.fetch(args.target)
        print(f"ready: {fetch()}")
    else:
        if not args.target:
            raise DojoError("dojo data import needs a path to IDX files, CIFAR-10's "
                            "cifar-10-binary.tar.gz, or their folder")
        _check_import_source(Path(args.target))
        _check_data_folder()
        if args.name == cifar.NAME or (args.name is None and cifar.looks_like(Path(args.target))):
            print(f"imported into {cifar.import_path(Path(args.target))}")
        else:
            print(f"imported into {vision.import_path(Path(args.target), name=args.name)}")
    return 0


def _check_import_source(path: Path) -> None:
    """PATH exists and is readable, and so is each file of a folder that import would read."""
    from torchdojo.data import cifar, vision

    pathargs.existing(path, "data to import (PATH)")
    if path.is_dir():
        names = [*vision.FILES, *(f"{stem}.gz" for stem in vision.FILES), *cifar.FILES]
        for item in (folder / name for folder in (path, path / cifar.FOLDER) for name in names):
            if item.exists():
                pathargs.existing_file(item, "data to import (PATH)")


def _check_data_folder() -> None:
    """Where fetch and import write: $TORCHDOJO_DATA, else <torchdojo home>/data."""
    pathargs.output_dir(paths.data_root(), "data folder ($TORCHDOJO_DATA)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="datasets: status, fetch NAME, import PATH")
    p.add_argument("action", choices=["status", "fetch", "import"])
    p.add_argument("target", nargs="?", help="dataset name (fetch) or path (import)")
    p.add_argument("--name", help="dataset name for import when it cannot be recognised")
    p.set_defaults(func=cmd_data)
