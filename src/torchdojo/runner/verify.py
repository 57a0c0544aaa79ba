"""`dojo verify`: full runs of each lesson's checks against the curriculum targets.

Every row says where and when it was measured (machine, device, torch, date, seed, git
commit), so a published table can mix runs and still say which run each number came from.
`dojo verify --publish` merges the rows into the packaged `results/verify.json` and
regenerates the README's results table from that file, between its markers: no row is
ever typed by hand.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from torchdojo import pathargs, registry, runner
from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_bytes
from torchdojo.runner.comparisons import ComparisonRow, compare_all
from torchdojo.runner.run import check_data_folder
from torchdojo.train.device import pick_device

PUBLISHED = Path(__file__).resolve().parents[1] / "results" / "verify.json"
README = Path(__file__).resolve().parents[3] / "README.md"  # in a source checkout
README_START = "<!-- verify-table:start (written by `dojo verify --publish`; do not edit) -->"
README_END = "<!-- verify-table:end -->"


@dataclass
class Row:
    """One check of one lesson: what was measured, on what, the verdict, and its provenance."""

    lesson: str
    check: str
    dataset: str
    measured: str
    verdict: str  # PASS, FAIL, fragile, n/a (other data than the target's), planned, error
    seconds: float
    run_dir: str
    machine: str = ""
    device: str = ""
    torch: str = ""
    date: str = ""
    seed: int | None = None
    commit: str = ""
    seeds: list[int] = field(default_factory=list)  # more than one: a PASS near its bar
    why: str = ""  # for n/a: what the run used instead (and how to get the target's data)

    @classmethod
    def from_dict(cls, data: dict) -> Row:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def machine() -> str:
    """A one-line description of this machine for the results table."""
    import os

    import torch

    cpu = platform.processor() or platform.machine()
    where = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
             else f"{os.cpu_count()} CPU cores")
    return f"{where}, {cpu}"


def git_commit(root: Path | None = None) -> str:
    """The source tree's commit (with `+dirty` for uncommitted changes); '' outside git."""
    root = root or Path(__file__).resolve().parents[3]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if head.returncode != 0:
        return ""
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def roll_up(verdicts: Iterable[tuple[str, str]]) -> str:
    """One verdict for a check from its targets' verdicts: any FAIL fails it, else any n/a
    makes it n/a, else PASS. No verdict at all is an error, never a PASS."""
    shown = [verdict for _, verdict in verdicts]
    if not shown:
        return "error: no target applied to this run"
    if any(v.startswith("FAIL") for v in shown):
        return "FAIL"
    if any(v.startswith("n/a") for v in shown):
        return "n/a"
    if all(v.startswith("PASS") for v in shown):
        return "PASS"
    return "error: unreadable verdicts " + "; ".join(shown)


FRAGILE_SEEDS = 3


def near_bar(target: registry.Target, value: float) -> bool:
    """Within one point of the bar: a percentage point (0.01) for a share such as an
    accuracy, the target's own `point` where it names one (a difference of shares), else
    1 % of the bar (1.05 nats for 105), or 0.01 for a bar of 0. Exact checks (==) are
    never near: they hold or not, whatever the seed."""
    if target.op == "==":
        return False
    if target.point is not None:
        point = target.point
    elif registry.is_share(target.metric):
        point = 0.01
    else:
        point = 0.01 * abs(target.value) if target.value else 0.01
    return abs(value - target.value) <= point


def _measure(lesson: registry.Lesson, check: registry.Check, out: Path, device: str,
             quiet: bool, seed: int | None = None):
    """One full run of `check`: (started, result, verdict)."""
    started = runner.prepare(lesson.id, overrides=dict(check.overrides), device=device,
                             out=out, quiet=quiet, seed=seed, preset=check.preset)
    result = runner.execute(started)
    return started, result, roll_up(runner.verdicts(lesson, started.config, result))


def _reseeded(lesson: registry.Lesson, check: registry.Check, first, out: Path, device: str,
              quiet: bool, say: Callable[[str], None]) -> tuple[str, str, list[int]]:
    """A PASS near its bar, run again with the next seeds: (verdict, measured, seeds).
    Any seed failing makes it fragile; the measured values become mean +- std."""
    started, result = first
    seeds = [started.config.seed + k for k in range(FRAGILE_SEEDS)]
    values = {t.metric: [result.metrics.get(t.metric, float("nan"))] for t in check.targets}
    verdict = "PASS"
    for seed in seeds[1:]:
        say(f"{lesson.id:15s} {check.label}: near its bar, seed {seed} ...")
        _, again, seed_verdict = _measure(lesson, check, out.with_name(f"{out.name}-seed{seed}"),
                                          device, quiet, seed)
        for metric, measured in values.items():  # once per metric, however many bounds
            measured.append(again.metrics.get(metric, float("nan")))
        if seed_verdict != "PASS":
            verdict = "fragile"
    shown = [f"{metric}={statistics.mean(vals):.4g} ± {statistics.stdev(vals):.2g} "
             f"({len(vals)} seeds)" for metric, vals in values.items()]
    return verdict, ", ".join(shown), seeds


def _why(verdict: str, result) -> str:
    """An n/a row's reason: the data the run used instead, as its result describes it (e.g.
    synthetic images, CIFAR-10 being absent, and how to get it)."""
    return (result.dataset_label or "") if verdict == "n/a" else ""


def target_data_missing(lesson: registry.Lesson, check: registry.Check) -> str | None:
    """Why `check` cannot be measured here (its experiment's `target_data_missing`, e.g.
    CIFAR-10 absent), or None."""
    if lesson.module is None:
        return None
    module = runner.experiment_module(lesson)
    missing = getattr(module, "target_data_missing", None)
    if missing is None:
        return None
    return missing(runner.make_config(module, overrides=dict(check.overrides),
                                      preset=check.preset))


def run_folder(lesson: registry.Lesson, check: registry.Check, stamp: str) -> str:
    """A check's run folder name: `lenet5-preset-fast_dataset-fashion-mnist-<stamp>` (no
    spaces or commas, which shells and URLs trip on)."""
    return f"{lesson.id}-{check.label.replace('=', '-').replace(', ', '_')}-{stamp}"


def checks_of(lesson: registry.Lesson, preset: str | None = None) -> list[registry.Check]:
    """The lesson's checks; with `preset`, only those of that preset."""
    return [c for c in lesson.checks if preset is None or c.preset == preset]


def verify(keys: list[str], *, device: str = "auto", out_root: Path = Path("runs/verify"),
           quiet: bool = True, say: Callable[[str], None] = print,
           on_row: Callable[[list[Row]], None] | None = None,
           preset: str | None = None) -> list[Row]:
    """Run each lesson's full checks (with `preset`, only that preset's); return one row per
    check (planned lessons included). `on_row` sees the rows so far after each check (a
    partial summary survives a stop)."""
    import torch

    lessons = [registry.find(k) for k in keys] if keys else list(registry.all_lessons())
    if preset is not None:
        lessons = [lesson for lesson in lessons if checks_of(lesson, preset)]
        if not lessons:
            raise DojoError(f"no lesson {'here ' if keys else ''}has a check with preset "
                            f"{preset!r}; `dojo list -v` shows each lesson's presets")
    rows: list[Row] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    where = {"machine": machine(), "torch": torch.__version__, "commit": git_commit()}
    for lesson in lessons:
        if lesson.status != "ready":
            rows.append(Row(lesson.id, "-", "-", "-", "planned", 0.0, ""))
            say(f"{lesson.id:15s} planned: not built yet")
            continue
        for check in checks_of(lesson, preset):
            missing = target_data_missing(lesson, check)
            if missing:  # the target's data is not here: n/a, without training on a stand-in
                rows.append(Row(lesson.id, check.label, "-", "-", "n/a", 0.0, "", why=missing,
                                device=str(pick_device(device)),
                                date=time.strftime("%Y-%m-%d"), **where))
                say(f"{lesson.id:15s} {check.label}: n/a, not run: {missing}")
                if on_row is not None:
                    on_row(rows)
                continue
            out = out_root / run_folder(lesson, check, stamp)
            say(f"{lesson.id:15s} {check.label}: running full config ...")
            t0 = time.perf_counter()
            try:
                started, result, verdict = _measure(lesson, check, out, device, quiet)
                seconds = time.perf_counter() - t0
                measured = ", ".join(
                    f"{t.metric}={result.metrics.get(t.metric, float('nan')):.4g}"
                    for t in check.targets)
                seeds = [started.config.seed]
                if verdict == "PASS" and any(near_bar(t, result.metrics[t.metric])
                                             for t in check.targets):
                    verdict, measured, seeds = _reseeded(lesson, check, (started, result), out,
                                                         device, quiet, say)
            except DojoError as e:  # e.g. data missing here: report it, verify the rest
                rows.append(Row(lesson.id, check.label, "-", "-", f"error: {e}", 0.0, "",
                                date=time.strftime("%Y-%m-%d"), **where))
                say(f"{lesson.id:15s} {check.label}: error: {e}")
                continue
            rows.append(Row(lesson.id, check.label, result.dataset or "generated", measured,
                            verdict, round(seconds, 1), str(out), device=str(started.ctx.device),
                            date=time.strftime("%Y-%m-%d"), seed=started.config.seed,
                            seeds=seeds, why=_why(verdict, result), **where))
            say(f"{lesson.id:15s} {check.label}: {verdict}  {measured}  on "
                f"{result.dataset or 'generated data'}  ({seconds:.0f} s)")
            if on_row is not None:
                on_row(rows)
    return rows


def _judged(lesson: registry.Lesson, config, saved: dict):
    """(result, verdict) of a finished run from what it wrote to result.json."""
    from torchdojo.train.context import Result

    result = Result(saved["metrics"], dataset=saved["dataset"],
                    dataset_label=saved.get("dataset_label"))
    return result, roll_up(runner.verdicts(lesson, config, result))


def rows_from_runs(out_root: Path, stamp: str | None = None, source: Path | None = None
                   ) -> list[Row]:
    """The rows of a verify that stopped before its end (Ctrl-C, a session's end), from the
    run folders it left in `out_root` (the newest stamp, or `stamp`): each check whose runs
    all finished (the first, and near its bar its reseeds) is judged as `verify` judges
    it, from the metrics each run wrote; a check left unfinished has no row. `source`: the
    checkout whose code made the runs (its commit goes in the rows; default this one)."""
    import torch

    from torchdojo import config as configs

    if stamp is None:
        stamps = sorted({d.name[-15:] for d in out_root.glob("*-????????-??????")
                         if (d / "result.json").is_file()})
        if not stamps:
            raise DojoError(f"no finished verify runs in {out_root}")
        stamp = stamps[-1]
    where = {"machine": machine(), "torch": torch.__version__, "commit": git_commit(source)}

    def finished(folder: Path):
        if not (folder / "result.json").is_file():
            return None
        saved = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        record = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return saved, record

    rows = []
    for lesson in registry.all_lessons():
        if lesson.status != "ready":
            continue
        module = runner.experiment_module(lesson)
        for check in lesson.checks:
            out = out_root / run_folder(lesson, check, stamp)
            first = finished(out)
            if first is None:
                continue
            runs, seeds = [first], [int(first[1]["config"]["seed"])]
            config = configs.replace(module.Config(), first[1]["config"])
            saved = first[0]
            result, verdict = _judged(lesson, config, saved)
            measured = ", ".join(f"{t.metric}={result.metrics.get(t.metric, float('nan')):.4g}"
                                 for t in check.targets)
            if verdict == "PASS" and any(near_bar(t, result.metrics[t.metric])
                                         for t in check.targets):
                seeds = [seeds[0] + k for k in range(FRAGILE_SEEDS)]
                runs += [finished(out.with_name(f"{out.name}-seed{s}")) for s in seeds[1:]]
                if any(r is None for r in runs):
                    continue  # stopped during its reseeds: not measured
                values: dict[str, list[float]] = {t.metric: [] for t in check.targets}
                for run_saved, _ in runs:
                    again, seed_verdict = _judged(lesson, config, run_saved)
                    for metric, vals in values.items():
                        vals.append(again.metrics.get(metric, float("nan")))
                    if seed_verdict != "PASS":
                        verdict = "fragile"
                measured = ", ".join(f"{m}={statistics.mean(v):.4g} ± {statistics.stdev(v):.2g} "
                                     f"({len(v)} seeds)" for m, v in values.items())
            rows.append(Row(lesson.id, check.label, result.dataset or "generated", measured,
                            verdict, round(float(saved.get("wall_time_s", 0.0)), 1), str(out),
                            device=first[1].get("device", ""),
                            date=first[1].get("created", "")[:10], seed=seeds[0],
                            seeds=seeds, why=_why(verdict, result), **where))
    return rows


def table(rows: list[Row]) -> str:
    """The Markdown results table: one line per row, with where and when it was measured."""
    lines = ["| lesson | check | data | measured | verdict | time (s) | measured on |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        on = ", ".join(x for x in (r.date, r.device, r.machine,
                                   r.torch and f"torch {r.torch}",
                                   r.commit and f"commit {r.commit}") if x)
        verdict = f"{r.verdict}: {r.why}" if r.why else r.verdict
        lines.append(f"| {r.lesson} | {r.check} | {r.dataset} | {r.measured} | {verdict} | "
                     f"{r.seconds:.0f} | {on} |")
    return "\n".join(lines)


def comparison_lines(comparisons: list[ComparisonRow]) -> str:
    """The cross-lesson checks under the table: a verdict line, then its leads."""
    lines = []
    for c in comparisons:
        lines.append(f"- **{c.label}**: {c.verdict}" + (f" ({c.date})" if c.date else ""))
        lines += [f"  - {lead}" for lead in c.leads]
    return "\n".join(lines)


def _document(rows: list[Row], comparisons: list[ComparisonRow]) -> bytes:
    return json.dumps({"rows": [asdict(r) for r in rows],
                       "comparisons": [asdict(c) for c in comparisons]}, indent=2).encode()


def write_summary(rows: list[Row], path: Path, comparisons: list[ComparisonRow] = ()) -> Path:
    """Save this run's rows (and cross-lesson checks) as JSON and as a Markdown table."""
    text = table(rows) + ("\n\n" + comparison_lines(list(comparisons)) if comparisons else "")
    atomic_write_bytes(path.with_suffix(".md"), (text + "\n").encode())
    atomic_write_bytes(path.with_suffix(".json"), _document(rows, list(comparisons)))
    return path.with_suffix(".md")


def load(path: Path = PUBLISHED) -> list[Row]:
    """The published rows."""
    return [Row.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))["rows"]]


def load_comparisons(path: Path = PUBLISHED) -> list[ComparisonRow]:
    """The published cross-lesson checks."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [ComparisonRow.from_dict(c) for c in data.get("comparisons", [])]


def merge(published: list[Row], new: list[Row]) -> list[Row]:
    """The published rows with each (lesson, check) measured anew replaced, in course order
    (a lesson re-measured replaces all its rows); planned rows and errors are not published."""
    fresh = [r for r in new if r.verdict != "planned" and not r.verdict.startswith("error")]
    remeasured = {r.lesson for r in fresh}
    kept = [r for r in published if r.lesson not in remeasured]
    order = {lesson.id: i for i, lesson in enumerate(registry.all_lessons())}
    return sorted(kept + fresh, key=lambda r: order.get(r.lesson, len(order)))


def merge_comparisons(published: list[ComparisonRow], new: list[ComparisonRow]
                      ) -> list[ComparisonRow]:
    """Published cross-lesson checks, each one measured anew replaced (errors not kept)."""
    fresh = {c.label: c for c in new if not c.verdict.startswith("error")}
    order = [c.label for c in registry.COMPARISONS]
    merged = {c.label: c for c in published} | fresh
    return sorted(merged.values(),
                  key=lambda c: order.index(c.label) if c.label in order else len(order))


def render_readme(text: str, rows: list[Row], comparisons: list[ComparisonRow] = ()) -> str:
    """`text` with the block between the README markers replaced by the table of `rows`."""
    if README_START not in text or README_END not in text:
        raise DojoError(f"the README has no results markers ({README_START} ... "
                        f"{README_END}); add them where the table belongs")
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    block = table(rows) + ("\n\n" + comparison_lines(list(comparisons)) if comparisons else "")
    return f"{head}{README_START}\n{block}\n{README_END}{tail}"


def publish(rows: list[Row], comparisons: list[ComparisonRow] = (), *,
            results: Path | None = None, readme: Path | None = None) -> Path:
    """Merge `rows` into the published results and regenerate the README's table."""
    results, readme = results or PUBLISHED, readme or README
    if not readme.is_file():
        raise DojoError(f"--publish needs the source checkout's README ({readme} not found); "
                        "run it from a clone of the repository")
    old_rows = load(results) if results.is_file() else []
    old_comparisons = load_comparisons(results) if results.is_file() else []
    merged = merge(old_rows, rows)
    merged_comparisons = merge_comparisons(old_comparisons, list(comparisons))
    new_readme = render_readme(readme.read_text(encoding="utf-8"), merged, merged_comparisons)
    atomic_write_bytes(results, _document(merged, merged_comparisons))
    atomic_write_bytes(readme, new_readme.encode())
    return results


def check_paths(out_root: Path, publish_rows: bool) -> None:
    """Before any run: the --out folder, $TORCHDOJO_DATA and, with --publish, the README
    (UTF-8, with its markers) and the published results (UTF-8 JSON), all writable; so
    hours of runs never end in a path that cannot be written."""
    pathargs.output_dir(out_root, "verify folder (--out)")
    check_data_folder()
    if not publish_rows:
        return
    if not README.exists() and not README.is_symlink():
        raise DojoError(f"--publish needs the source checkout's README ('{README}' not found); "
                        "run it from a clone of the repository")
    text = pathargs.utf8_text(README, "README (for --publish)")
    if README_START not in text or README_END not in text:
        raise DojoError(f"README (for --publish) '{README}' has no results markers "
                        f"({README_START} ... {README_END}); add them where the table belongs")
    pathargs.output_file(README, "README (for --publish)")
    if PUBLISHED.exists() or PUBLISHED.is_symlink():
        text = pathargs.utf8_text(PUBLISHED, "published results (for --publish)")
        try:
            json.loads(text)["rows"]  # what load() and merge() will read
        except (ValueError, KeyError, TypeError) as e:
            raise DojoError(f"published results (for --publish) '{PUBLISHED}' is not a verify "
                            f"summary ({type(e).__name__}: {e}); restore it from git") from None
    pathargs.output_file(PUBLISHED, "published results (for --publish)")


def verify_command(keys: list[str], *, device: str, out_root: Path, verbose: bool,
                   publish_rows: bool, say: Callable[[str], None] = print,
                   preset: str | None = None) -> int:
    """`dojo verify`: run, compare across lessons, summarise, publish if asked. Exit code 1
    when a check FAILs or errs (fragile and n/a are reported, not failures)."""
    check_paths(out_root, publish_rows)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    partial = out_root / f"verify-{stamp}-partial"  # the rows so far, after every check
    rows = verify(keys, device=device, out_root=out_root, quiet=not verbose, say=say,
                  on_row=lambda so_far: write_summary(so_far, partial), preset=preset)
    comparisons = compare_all(rows, time.strftime("%Y-%m-%d"))
    summary = write_summary(rows, out_root / f"verify-{time.strftime('%Y%m%d-%H%M%S')}",
                            comparisons)
    for suffix in (".md", ".json"):  # superseded by the whole summary
        partial.with_suffix(suffix).unlink(missing_ok=True)
    say("\n" + summary.read_text(encoding="utf-8"))
    say(f"summary: {summary}")
    if publish_rows:
        say(f"published: {publish(rows, comparisons)} and the README's results table")
    failed = [r.verdict for r in rows] + [c.verdict for c in comparisons]
    return 1 if any(v == "FAIL" or v.startswith("error") for v in failed) else 0
