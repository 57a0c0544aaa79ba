"""The `dojo` command. Thin: parse arguments, call the package, print.

User errors (DojoError) become one line on stderr and exit code 2; bugs keep
their traceback so they get reported and fixed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from torchdojo import __version__, registry
from torchdojo.errors import DojoError

# Subsystems that add their own subcommands: module path -> function register(subparsers).
PLUGINS = ("torchdojo.data.commands", "torchdojo.exercises.commands", "torchdojo.book.commands",
           "torchdojo.lab.commands")


def cmd_list(args: argparse.Namespace) -> int:
    part = None
    for lesson in registry.all_lessons():
        if lesson.part != part:
            part = lesson.part
            print(f"\n{registry.PARTS[part]}")
        aliases = f"  (aliases: {', '.join(lesson.aliases)})" if lesson.aliases else ""
        mark = "ready  " if lesson.status == "ready" else "planned"
        print(f"  {mark}  {lesson.id:17s} {lesson.title}{aliases}")
        if args.verbose:
            print(f"           target: {lesson.target}; source: {lesson.source}")
    ready = sum(lesson.status == "ready" for lesson in registry.all_lessons())
    print(f"\n{ready} of {len(registry.all_lessons())} lessons ready. "
          "Run one with `dojo run ID --quick`.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from torchdojo import runner
    from torchdojo.config import parse_sets

    outcome = runner.run_command(
        args.id, nproc=args.nproc, argv=sys.argv[1:], quick=args.quick,
        overrides=parse_sets(args.set), seed=args.seed, device=args.device, out=args.out,
        resume=args.resume, quiet=args.quiet, tensorboard=args.tensorboard, amp=args.amp,
        compile=args.compile, preset=args.preset)
    if outcome.message:
        print(outcome.message, file=sys.stderr)
    started, result = outcome.started, outcome.result
    if result is not None and started.ctx.is_main:
        shown = "  ".join(f"{k} {_number(v)}" for k, v in result.metrics.items())
        print(f"{started.lesson.id}: {shown}")
        for target, verdict in runner.verdicts(started.lesson, started.config, result):
            print(f"  target {target}: {verdict}")
        print(f"report: {result.run_dir / 'report.html'}")
    return outcome.code


def _number(value: float) -> str:
    """Counts as integers (60000, not 6e+04); everything else to four significant digits."""
    value = float(value)
    return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def cmd_verify(args: argparse.Namespace) -> int:
    from torchdojo.runner.verify import verify_command

    return verify_command(args.ids, device=args.device, out_root=Path(args.out),
                          verbose=args.verbose, publish_rows=args.publish,
                          preset=args.preset)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), like every other user error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dojo", description="torchdojo: a hands-on deep-learning course in PyTorch.",
        epilog="Start with `dojo list`, then `dojo run mnist-mlp --quick`.")
    parser.add_argument("--version", action="version", version=f"torchdojo {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("list", help="lessons and experiments, in course order, with status")
    p.add_argument("-v", "--verbose", action="store_true", help="show targets and sources")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="train or compute one lesson's experiment",
                       description="Run a lesson's experiment; writes a run folder with "
                                   "config.json, metrics.jsonl, checkpoint.pt, plots and "
                                   "report.html. Exercise numbers (e.g. 850) work as ids.")
    p.add_argument("id", help="lesson id or exercise number, e.g. mnist-mlp or 850")
    p.add_argument("--quick", action="store_true", help="a few-second smoke run")
    p.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                   help="override config values, e.g. --set epochs=3 lr=1e-3")
    p.add_argument("--seed", type=int, help="random seed (default: the config's)")
    p.add_argument("--preset", metavar="NAME",
                   help="a named recipe for the same targets, e.g. fast (`dojo list -v`)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    p.add_argument("--out", help="run folder (default runs/ID-TIMESTAMP)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run")
    p.add_argument("--quiet", action="store_true", help="no progress or epoch lines")
    p.add_argument("--tensorboard", action="store_true", help="also write TensorBoard events")
    p.add_argument("--amp", action="store_true",
                   help="bf16 autocast (CUDA, or a CPU with AVX512-BF16 or AMX)")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the model(s); on CUDA, with CUDA graphs")
    p.add_argument("--nproc", type=int, default=1,
                   help="train with N processes (DistributedDataParallel)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("verify", help="full runs against the curriculum targets")
    p.add_argument("ids", nargs="*", help="lessons to verify (default: all)")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default="runs/verify", help="folder for the runs and summary")
    p.add_argument("-v", "--verbose", action="store_true", help="show each run's epochs")
    p.add_argument("--preset", metavar="NAME", help="only the checks of this preset")
    p.add_argument("--publish", action="store_true",
                   help="merge the rows into results/verify.json and regenerate the README "
                        "table (a source checkout)")
    p.set_defaults(func=cmd_verify)

    for module in PLUGINS:
        try:
            plugin = importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name is None or not module.startswith(e.name):
                raise
            continue  # that part of the course is not built yet
        plugin.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except DojoError as e:
        print(f"dojo: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ndojo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dojo list | head`: the reader left; that is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
