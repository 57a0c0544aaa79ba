"""`dojo exercises list|init`, `dojo check`, `dojo progress`, `dojo grade`: parse, call, print."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from torchdojo import pathargs
from torchdojo.errors import DojoError

# The handlers import what they need: `dojo` loads this module for every command, and the
# exercise machinery imports torch.


def cmd_exercises(args: argparse.Namespace) -> int:
    """List the exercises, or write a workspace of stubs."""
    from torchdojo.exercises import catalog

    exercises = catalog.all_exercises()
    if args.action == "list":
        for ex in exercises:
            print(f"{ex.number:02d}  {ex.slug:<24} {ex.lesson:<15} {ex.title}")
        print(f"\n{len(exercises)} exercises. Start with `dojo exercises init DIR`.")
        return 0
    from torchdojo.exercises.stubs import init_workspace

    folder = pathargs.output_dir(args.dir, "workspace (DIR)")  # made with its parents if new
    written, kept = init_workspace(folder, list(exercises), notebooks=args.notebooks)
    for path in kept:
        print(f"kept your {path.name} (it exists; delete it to get a fresh stub)")
    if args.notebooks:
        from torchdojo.exercises.notebooks import notebook_name

        print(f"wrote {len(written)} files to {folder}. Next: open "
              f"{notebook_name(exercises[0])} in Jupyter (`jupyter lab {folder}`), write the "
              f"stub cell, run it, then run `check({exercises[0].number})` below it.")
        return 0
    print(f"wrote {len(written)} files to {folder}. Next: cd {folder} and open "
          f"{exercises[0].file_name}, then run `dojo check {exercises[0].slug}`.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check the learner's exercises; exit 0 if every one checked passes, 1 otherwise."""
    from torchdojo.exercises import catalog, feedback, progress
    from torchdojo.exercises.grader import check_workspace, new_seed
    from torchdojo.exercises.sandbox import Limits

    workspace = pathargs.existing_dir(args.dir, "workspace (--dir)")
    if args.exercises:
        exercises = catalog.select(args.exercises)
    else:
        exercises = [ex for ex in catalog.all_exercises() if (workspace / ex.file_name).is_file()]
        if not exercises:
            raise DojoError(f"no exercise files in {workspace.resolve()}; make a workspace with "
                            f"`dojo exercises init DIR`, then run `dojo check` inside it")
    _check_solution_files(workspace, exercises)
    if not args.no_record or args.hint is not None:
        _check_progress_store()
    seed = new_seed() if args.seed is None else args.seed
    verdicts, printed = check_workspace(workspace, exercises, seed=seed,
                                        limits=Limits(timeout=args.timeout),
                                        in_process=args.in_process)
    for ex, verdict in zip(exercises, verdicts):
        print("\n".join(feedback.verdict_lines(ex, verdict)))
    stuck = [ex for ex, v in zip(exercises, verdicts) if not v.passed and v.status != "missing"]
    if args.hint is not None and stuck:
        ex = stuck[0]
        level = args.hint or progress.next_hint_level(ex.slug, len(ex.hints))
        print(f"\nHints for {ex.number:02d} {ex.slug}:")
        print("\n".join(feedback.hint_lines(ex, level)))
    if printed.strip():
        shown = printed.strip().splitlines()
        print("\nOutput of your code" + (" (last 40 lines):" if len(shown) > 40 else ":"))
        print("\n".join(f"  | {line}" for line in shown[-40:]))
    if any(v.status == "fail" for v in verdicts):
        print(f"(seed {seed}: `dojo check --seed {seed}` repeats these inputs)")
    print(feedback.summary_line(exercises, verdicts))
    if not args.no_record:
        progress.record([(v.slug, v.passed, v.seconds, v.reason)  # untouched stubs are no attempt
                         for v in verdicts if v.status in ("pass", "fail")])
    return 0 if all(v.passed for v in verdicts) else 1


def _check_solution_files(workspace: Path, exercises: list) -> None:
    """Each solution file present must be a readable UTF-8 file: a folder, an unreadable file
    or other bytes are the learner's to fix, so one line rather than a failed check. Links and
    files over the size limit are left to the grader, which refuses them without reading."""
    from torchdojo.exercises.sandbox import MAX_FILE_BYTES

    for ex in exercises:
        path = workspace / ex.file_name
        if path.is_symlink() or not path.exists():
            continue  # the grader's verdicts: "not a plain file", "missing"
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            continue
        pathargs.utf8_text(path, "solution file")


def _check_progress_store() -> Path:
    """The progress database: a readable, writable file in a writable folder (both are made
    on first use, on purpose)."""
    from torchdojo.exercises import progress

    path = progress.db_path()
    pathargs.output_dir(path.parent, "torchdojo home folder ($TORCHDOJO_HOME)")
    if path.exists() or path.is_symlink():
        pathargs.existing_file(path, "progress database")
    pathargs.output_file(path, "progress database")
    return path


def cmd_progress(args: argparse.Namespace) -> int:
    """Show what the learner has passed and what is next, or reset it after confirmation."""
    from torchdojo.exercises import progress

    path = _check_progress_store()
    if args.reset:
        if not args.yes:
            if not sys.stdin.isatty():
                raise DojoError("`dojo progress --reset` asks for confirmation in a terminal; "
                                "add --yes to reset without asking")
            answer = input(f"Delete all progress in {path}? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted")
                return 1
        print("progress deleted" if progress.reset(path) else "there was no progress to delete")
        return 0
    from torchdojo.exercises import catalog, feedback

    print(f"Progress ({path})")
    print("\n".join(feedback.progress_lines(catalog.all_exercises(), progress.standings(path))))
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade a class: one sandboxed run per learner, a CSV gradebook and an optional HTML page."""
    from torchdojo.exercises import catalog
    from torchdojo.exercises.gradebook import grade_class, write_csv, write_html
    from torchdojo.exercises.sandbox import Limits, isolation_summary

    exercises = catalog.select(args.exercises)
    limits = Limits(timeout=args.timeout, memory_mb=args.memory)
    submissions = pathargs.existing_dir(args.submissions, "submissions folder (SUBMISSIONS_DIR)")
    out = pathargs.output_file(args.out, "gradebook (--out)")
    if args.html:
        pathargs.output_file(args.html, "HTML report (--html)")
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"isolation: {isolation_summary()}", file=sys.stderr)
    grades = grade_class(submissions, exercises, jobs=args.jobs, limits=limits,
                         progress=not args.quiet)
    write_csv(grades, exercises, out)
    written = [str(out)]
    if args.html:
        Path(args.html).parent.mkdir(parents=True, exist_ok=True)
        write_html(grades, exercises, Path(args.html))
        written.append(args.html)
    mean = sum(g.score for g in grades) / len(grades)
    print(f"graded {len(grades)} learners on {len(exercises)} exercises; mean score "
          f"{mean:.1f}/{len(exercises)}; wrote {', '.join(written)}")
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the exercises, check, progress and grade subcommands to `dojo`."""
    p = subparsers.add_parser("exercises", help="list the exercises, or make a workspace of stubs")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every exercise, in course order")
    init = actions.add_parser("init", help="write a workspace of stub files into DIR")
    init.add_argument("dir", metavar="DIR")
    init.add_argument("--notebooks", action="store_true",
                      help="one Jupyter notebook per exercise (graded by check(N) in it) "
                           "instead of .py stubs")
    p.set_defaults(func=cmd_exercises)

    p = subparsers.add_parser("check", help="check your exercises against hidden tests",
                              description="Run hidden checks on your exercise files and say, "
                                          "for each, what is right and what is not.")
    p.add_argument("exercises", nargs="*", metavar="EXERCISE",
                   help="number, name or file (default: every exercise file in DIR)")
    p.add_argument("--dir", default=".", help="the workspace (default: the current folder)")
    p.add_argument("--hint", nargs="?", type=int, const=0, metavar="N",
                   help="a hint for the first unsolved exercise; again for a stronger one, "
                        "or N for hints 1..N")
    p.add_argument("--seed", type=int, help="repeat the random inputs of an earlier check")
    p.add_argument("--timeout", type=_positive, default=10.0,
                   help="seconds allowed per exercise (default 10)")
    p.add_argument("--in-process", action="store_true",
                   help="run your code in this process: no sandbox and no time limit (debugging)")
    p.add_argument("--no-record", action="store_true", help="do not record this check in progress")
    p.set_defaults(func=cmd_check)

    p = subparsers.add_parser("progress", help="what you have passed, when, and what is next")
    p.add_argument("--reset", action="store_true", help="delete all progress (asks first)")
    p.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    p.set_defaults(func=cmd_progress)

    p = subparsers.add_parser("grade", help="teacher: grade a folder of learners' workspaces",
                              description="Grade SUBMISSIONS_DIR (one folder per learner), each "
                                          "in sandboxed subprocesses; write a CSV gradebook.")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    p.add_argument("--out", required=True, help="the CSV gradebook to write")
    p.add_argument("--html", help="also write an HTML report with a histogram per exercise")
    p.add_argument("--jobs", type=int, default=None, help="learners graded at once (default: CPUs)")
    p.add_argument("--timeout", type=_positive, default=10.0,
                   help="wall-clock seconds per exercise (default 10)")
    p.add_argument("--memory", type=int, default=2048,
                   help="MB of memory a submission may use beyond torch's own (default 2048)")
    p.add_argument("--exercises", nargs="+", metavar="EXERCISE", help="grade only these")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_grade)
