"""`dojo book` and `dojo lesson`: parse, call the builder, print."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

# Handlers import what they need: `dojo` loads this module for every command.


def cmd_book(args: argparse.Namespace) -> int:
    """Execute the lessons (cached) and write the HTML course book (and slides)."""
    from torchdojo.book.build import build
    from torchdojo.book.extra import require_notebooks

    require_notebooks()  # before any other output: a missing extra is one line, exit 2
    _check_book_paths(args)
    if args.pdf:
        from torchdojo.book.pdf import find_chromium, print_decks

        find_chromium()  # before minutes of building: no Chromium is one line, exit 2
    out = Path(args.out)
    if not args.quick:
        print("full mode: each lesson runs its real config (minutes each on a CPU; cached "
              "afterwards). `dojo book --quick` builds in a few minutes.", file=sys.stderr)
    built = build(out, args.lesson, quick=args.quick, slides=args.slides or args.pdf,
                  keep_going=args.keep_going,
                  results_path=Path(args.results) if args.results else None,
                  force=args.force, timeout=args.timeout, progress=not args.quiet)
    print(f"executed {len(built.executed)}, from cache {len(built.cached)}; "
          f"{len(built.pages)} lesson pages" +
          (f", {len(built.slides)} slide decks" if args.slides or args.pdf else ""))
    if args.pdf:
        printed = print_decks(out / "slides" / f"{lesson_id}.html" for lesson_id in built.slides)
        print(f"printed {len(printed)} PDFs ({sum(pages for _, pages in printed)} pages), "
              f"each deck with and without notes, into {out / 'slides'}")
    for failure in built.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"open {built.index.resolve().as_uri()}")
    if built.failures:
        print(f"{len(built.failures)} lesson(s) failed; the book has the rest", file=sys.stderr)
        return 1
    return 0


def _check_book_paths(args: argparse.Namespace) -> None:
    """The book folder (slides and PDFs go inside it) and the verify summary, before any
    lesson runs."""
    from torchdojo import pathargs

    pathargs.output_dir(args.out, "book folder (--out)")
    if args.results:
        pathargs.utf8_text(args.results, "verify summary (--results)")  # JSON: results.latest


def cmd_lesson(args: argparse.Namespace) -> int:
    """Write the lesson's notebook into a folder (never over the learner's copy); maybe open it."""
    from torchdojo import pathargs, registry
    from torchdojo.book.convert import write_learner_copy
    from torchdojo.book.extra import require_notebooks
    from torchdojo.errors import DojoError

    require_notebooks("dojo lesson")
    lesson = registry.find(args.id)
    folder = pathargs.existing_dir(args.dir, "lesson folder (--dir)", writable=True)
    path, written = write_learner_copy(lesson, folder)
    if written:
        print(f"wrote {path}")
    else:
        print(f"kept your {path} (it exists; rename or delete it to get a fresh copy)")
    if args.open:
        jupyter = shutil.which("jupyter")
        if jupyter is None:
            raise DojoError("`jupyter` is not installed here: pip install jupyterlab, "
                            f"or open {path} in your editor")
        return subprocess.call([jupyter, "lab", str(path)])
    print(f"open it with `jupyter lab {path.name}` (or VS Code); "
          f"`dojo run {lesson.id} --quick` runs its experiment alone")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `book` and `lesson` to the `dojo` command."""
    p = sub.add_parser("book", help="build notebooks and the static HTML course book",
                       description="Execute every lesson script as a notebook (cached by a "
                                   "hash of its source) and write an HTML course book that "
                                   "works offline from file://.")
    p.add_argument("--out", default="book", help="output folder (default: book)")
    p.add_argument("--quick", action="store_true",
                   help="run lessons with their few-second configs (DOJO_QUICK=1)")
    p.add_argument("--lesson", nargs="+", default=[], metavar="ID",
                   help="build only these lessons (others already built stay in the book)")
    p.add_argument("--slides", action="store_true", help="also write a reveal.js deck per lesson")
    p.add_argument("--pdf", action="store_true",
                   help="also print each deck to PDF, with and without the teacher's notes "
                        "(slides/ID.pdf, slides/ID.notes.pdf; needs Chromium; implies --slides)")
    p.add_argument("--keep-going", action="store_true",
                   help="build the other lessons when one fails, then list the failures")
    p.add_argument("--results", metavar="PATH",
                   help="verify summary (verify-*.json) for 'last measured' (default: newest)")
    p.add_argument("--force", action="store_true", help="re-execute even cached lessons")
    p.add_argument("--timeout", type=int, default=None, metavar="S",
                   help="seconds allowed per cell (default: no limit)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_book)

    p = sub.add_parser("lesson", help="write a lesson's notebook here, to work on in Jupyter",
                       description="Write ID.ipynb into the folder (default: here). An "
                                   "existing copy is never overwritten.")
    p.add_argument("id", help="lesson id or exercise number, e.g. xor or 610")
    p.add_argument("--dir", default=".", help="folder to write into (default: here)")
    p.add_argument("--open", action="store_true", help="then open it with `jupyter lab`")
    p.set_defaults(func=cmd_lesson)
