"""`dojo lab`: parse, refresh the workspace, start JupyterLab, print."""

from __future__ import annotations

import argparse
import sys

# Handlers import what they need: `dojo` loads this module for every command.

SHOWN = 5  # kept notebooks named one by one


def cmd_lab(args: argparse.Namespace) -> int:
    """Write or refresh the course workspace, then open it in JupyterLab."""
    from torchdojo import pathargs
    from torchdojo.book.extra import require_notebooks
    from torchdojo.lab.launch import default_browser, require_jupyterlab, serve, server_for
    from torchdojo.lab.workspace import START, refresh

    require_notebooks("dojo lab")
    folder = pathargs.output_dir(args.dir, "lab workspace (--dir)")  # made if new, on purpose
    if not args.no_launch:
        require_jupyterlab()
    done = refresh(folder)
    print(f"workspace {folder}: {len(done.written)} written, {len(done.updated)} updated, "
          f"{done.unchanged} unchanged, {len(done.kept)} kept as you left them"
          + (f", {len(done.removed)} removed" if done.removed else ""))
    for rel in done.kept[:SHOWN]:
        print(f"  kept your {rel} (delete it for a fresh copy)")
    if len(done.kept) > SHOWN:
        print(f"  ... and {len(done.kept) - SHOWN} more")
    if args.no_launch:
        print(f"open {folder / START} in Jupyter (or run `dojo lab --dir {folder}`)")
        return 0
    browser = default_browser() if args.browser is None else args.browser
    server = server_for(folder, START, ip=args.ip, port=args.port, browser=browser,
                        quick=args.quick)
    if server.exposed:
        print(f"warning: --ip {server.ip} opens port {server.port} to the network: anyone who "
              f"reaches it and has the token can run code as you", file=sys.stderr)
    print(f"JupyterLab on {server.ip}:{server.port}; open {server.url}")
    print("Ctrl-C stops it.", flush=True)
    return serve(server)


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, got {text}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add `lab` to the `dojo` command."""
    p = sub.add_parser("lab", help="the course in JupyterLab: lessons, exercises, a start page",
                       description="Write (or refresh) a workspace of lesson and exercise "
                                   "notebooks, then start JupyterLab on it, bound to 127.0.0.1 "
                                   "with a token. Notebooks you changed are never overwritten.")
    p.add_argument("--dir", default="dojo-lab", help="the workspace (default: ./dojo-lab)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; another "
                        "address opens the port to the network)")
    p.add_argument("--port", type=_port, help="port (default: the first free from 8888)")
    p.add_argument("--browser", action=argparse.BooleanOptionalAction, default=None,
                   help="open a browser tab (default: yes, except on CI)")
    p.add_argument("--quick", action="store_true",
                   help="lessons run their few-second configs (DOJO_QUICK=1 in the kernels)")
    p.add_argument("--no-launch", action="store_true",
                   help="only write the workspace; do not start JupyterLab")
    p.set_defaults(func=cmd_lab)
