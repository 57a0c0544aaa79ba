"""`dojo data status|fetch NAME|import PATH`: the data part registers its own subcommand."""

from __future__ import annotations

import argparse
from pathlib import Path

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
        fetch = cifar.fetch if args.target == cifar.NAME else lambda: vision.fetch(args.target)
        print(f"ready: {fetch()}")
    else:
        if not args.target:
            raise DojoError("dojo data import needs a path to IDX files, CIFAR-10's "
                            "cifar-10-binary.tar.gz, or their folder")
        if args.name == cifar.NAME or (args.name is None and cifar.looks_like(Path(args.target))):
            print(f"imported into {cifar.import_path(Path(args.target))}")
        else:
            print(f"imported into {vision.import_path(Path(args.target), name=args.name)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="datasets: status, fetch NAME, import PATH")
    p.add_argument("action", choices=["status", "fetch", "import"])
    p.add_argument("target", nargs="?", help="dataset name (fetch) or path (import)")
    p.add_argument("--name", help="dataset name for import when it cannot be recognised")
    p.set_defaults(func=cmd_data)
