"""Running an experiment by lesson id: config, run folder, seed, report. Used by CLI and lessons."""

from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from torchdojo import config as configs
from torchdojo import pathargs, paths, registry
from torchdojo.errors import DojoError
from torchdojo.figures import report
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.device import cpu_has_bf16, environment, pick_device, seed_everything
from torchdojo.train.runs import CHECKPOINT, Run, default_run_dir

QUICK_ENV = "DOJO_QUICK"  # lesson scripts run in quick mode when this is set (tests, book)
SMOKE_ENV = "DOJO_SMOKE"  # tests: every fit of a lesson script stops after this many steps


def quick_mode() -> bool:
    """True when lessons should run their few-second configs ($DOJO_QUICK=1)."""
    return os.environ.get(QUICK_ENV, "") not in ("", "0", "false")


def smoke_steps() -> int | None:
    """$DOJO_SMOKE=N: the steps each fit may take in a smoke run (the lesson-script tests run
    every line of a lesson without training it; the experiments' tests check the learning)."""
    value = os.environ.get(SMOKE_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def experiment_module(lesson: registry.Lesson) -> ModuleType:
    """The lesson's experiment module, or a DojoError if it is not built yet."""
    if lesson.module is None:
        raise DojoError(f"lesson '{lesson.id}' has no experiment to run")
    try:
        return importlib.import_module(lesson.module)
    except ModuleNotFoundError as e:
        if e.name == lesson.module:
            raise DojoError(f"lesson '{lesson.id}' is planned but not built yet; "
                            "`dojo list` shows what is ready") from None
        raise


def check_switches(lesson: registry.Lesson, module: ModuleType, *, amp: bool = False,
                   compile: bool = False, nproc: int = 1,
                   device: torch.device | None = None) -> None:
    """Refuse, before anything runs, a switch the lesson's training cannot honour.

    An experiment lists what its training honours in `SWITCHES` (it trains through
    `ctx.fit`); one that trains nothing, or trains by hand to teach the loop, lists none.
    """
    honoured = set(getattr(module, "SWITCHES", ()))
    if amp and device is not None and "amp" in honoured and not (
            device.type == "cuda" or device.type == "cpu" and cpu_has_bf16()):
        raise DojoError(f"--amp (bf16 autocast) needs a CUDA GPU or a CPU with bf16 "
                        f"instructions (AVX512-BF16 or AMX); this run is on {device.type}, "
                        "where bf16 is slower than float32; drop --amp")
    asked = {"amp": amp, "compile": compile, "nproc": nproc > 1}
    flags = {"amp": "--amp", "compile": "--compile", "nproc": f"--nproc {nproc}"}
    for name in SWITCH_NAMES:
        if asked[name] and name not in honoured:
            why = getattr(module, "SWITCHES_REFUSED", "it does not train a model through "
                                                      "the engine")
            raise DojoError(f"lesson '{lesson.id}' cannot honour {flags[name]}: {why}; "
                            f"run it without {flags[name].split()[0]}")


def check_request(key: str, *, device: str = "auto", nproc: int = 1, **switches: Any) -> None:
    """`check_switches` by lesson id, and a GPU for each of the N processes on CUDA:
    `dojo run --nproc N` refuses before starting N processes."""
    from torchdojo.runner.processes import check_gpus

    lesson, picked = registry.find(key), pick_device(device)
    check_switches(lesson, experiment_module(lesson), device=picked, nproc=nproc, **switches)
    check_gpus(picked, nproc)


def presets(module: ModuleType) -> dict[str, dict[str, Any]]:
    """The experiment's named recipes: settings that reach its targets another way."""
    return getattr(module, "PRESETS", {})


def make_config(module: ModuleType, *, quick: bool = False,
                overrides: dict[str, Any] | None = None, seed: int | None = None,
                preset: str | None = None) -> Any:
    """Defaults, then the preset, then QUICK if asked, then --set overrides, then --seed;
    all type-checked."""
    config = module.Config()
    if preset is not None:
        known = presets(module)
        if preset not in known:
            lesson = module.__name__.rsplit(".", 1)[-1].replace("_", "-")
            raise DojoError(f"{lesson} has no preset {preset!r}; "
                            + (f"its presets: {', '.join(known)}" if known else
                               "it has none (drop --preset)"))
        config = configs.replace(config, known[preset])
    if quick:
        config = configs.replace(config, getattr(module, "QUICK", {}))
    config = configs.replace(config, overrides or {})
    if seed is not None:
        config = configs.replace(config, {"seed": seed})
    return config


def verdicts(lesson: registry.Lesson, config: Any, result: Result) -> list[tuple[str, str]]:
    """Each target that applies to this config, with PASS / FAIL / n/a and the measured value."""
    out: list[tuple[str, str]] = []
    settings = configs.to_dict(config)
    for check in lesson.checks:
        wanted = dict(check.overrides)
        if check.preset:  # a preset's check holds for runs with all of its settings
            wanted = {**presets(experiment_module(lesson)).get(check.preset, {}), **wanted}
        if any(str(settings.get(k)) != str(v) for k, v in wanted.items()):
            continue
        for target in check.targets:
            measured = result.metrics.get(target.metric)
            shown = "missing" if measured is None else f"{measured:.6g}"
            if check.dataset and result.dataset != check.dataset:
                out.append((f"{target} on {check.dataset}",
                            f"n/a: ran on {result.dataset} (measured {shown})"))
            else:
                out.append((str(target) + (f" on {check.dataset}" if check.dataset else ""),
                            f"{'PASS' if target.met(result.metrics) else 'FAIL'} ({shown})"))
    return list(dict.fromkeys(out))  # a preset's run meets its dataset's check too: once


# Settings that name a text file the run reads (lstm, transformer): checked before any work.
TEXT_FILE_SETTINGS = {"corpus": "corpus file (--set corpus)"}


def check_data_folder() -> None:
    """$TORCHDOJO_DATA, when it names something, must be a folder the run can read (a
    missing one is created by a download, or the lesson falls back, as documented)."""
    if os.environ.get("TORCHDOJO_DATA") and paths.data_root().exists():
        pathargs.existing_dir(paths.data_root(), "data folder ($TORCHDOJO_DATA)")


def check_text_settings(config: Any) -> None:
    """Each setting that names a text file: it exists, is readable, UTF-8, and not empty."""
    from torchdojo.data.text import read_text_file

    for name, what in TEXT_FILE_SETTINGS.items():
        value = getattr(config, name, None)
        if value is not None and str(value).strip():
            pathargs.utf8_text(Path(str(value)).expanduser(), what)
            read_text_file(value)  # and the corpus's own rules: no NUL bytes, not empty


def resumable(resume: str | Path) -> dict[str, Any]:
    """The saved record (config.json) of a run folder to resume, after checking the folder
    (exists, writable), its checkpoint (a readable file) and the record (UTF-8 JSON)."""
    folder = pathargs.existing_dir(resume, "cannot resume: run folder", writable=True)
    pathargs.existing_file(folder / CHECKPOINT, "cannot resume: checkpoint")
    record = folder / "config.json"
    text = pathargs.utf8_text(record, "cannot resume: run record")
    try:
        saved = json.loads(text)
    except ValueError as e:
        raise DojoError(f"cannot resume: run record '{record}' is not valid JSON ({e})") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("config"), dict):
        raise DojoError(f"cannot resume: run record '{record}' has no config; it is not a "
                        "torchdojo run folder")
    return saved


@dataclass
class Started:
    """A run that has been set up and not yet executed (so errors surface before training)."""

    lesson: registry.Lesson
    module: ModuleType
    config: Any
    ctx: Context
    quick: bool
    preset: str | None = None  # the named recipe the config started from


def prepare(key: str, *, quick: bool = False, overrides: dict[str, Any] | None = None,
            seed: int | None = None, device: str = "auto", out: str | Path | None = None,
            resume: str | Path | None = None, quiet: bool = False, tensorboard: bool = False,
            amp: bool = False, compile: bool = False, rank: int = 0,
            world_size: int = 1, max_steps: int | None = None,
            preset: str | None = None) -> Started:
    """Check every input (lesson, settings, device, folder) before anything is written.

    `max_steps` (or $DOJO_SMOKE) makes a smoke run: each fit stops after that many steps, and
    the experiment's `SMOKE` settings shrink what follows training (sampling, judging)."""
    lesson = registry.find(key)
    module = experiment_module(lesson)
    if max_steps is None and resume is None:
        max_steps = smoke_steps()
    if max_steps is not None and resume is None:
        overrides = {**getattr(module, "SMOKE", {}), **(overrides or {})}
    check_switches(lesson, module, amp=amp, compile=compile, nproc=world_size,
                   device=pick_device(device))
    check_data_folder()
    if resume is not None:
        if overrides or seed is not None or quick or preset is not None:
            raise DojoError("--resume continues a run with its saved config; "
                            "drop --set/--seed/--quick/--preset")
        saved = resumable(resume)
        run = Run(resume, tensorboard=tensorboard, resume=True)
        if saved.get("lesson") != lesson.id:
            raise DojoError(f"{resume} is a run of '{saved.get('lesson')}', not '{lesson.id}'")
        config = configs.replace(module.Config(), saved["config"])
        quick, preset = bool(saved.get("quick")), saved.get("preset")
    else:
        config = make_config(module, quick=quick, overrides=overrides, seed=seed,
                             preset=preset)
        path = Path(out) if out else default_run_dir(lesson.id)
        run = Run(path, tensorboard=tensorboard and rank == 0, check=rank == 0)
    check_text_settings(config)
    ctx = Context(run=run, device=pick_device(device), quiet=quiet, amp=amp, compile=compile,
                  rank=rank, world_size=world_size, max_steps=max_steps)
    return Started(lesson, module, config, ctx, quick, preset)


def execute(started: Started) -> Result:
    """Train/compute, then write config.json, result.json and report.html into the run folder."""
    lesson, config, ctx = started.lesson, started.config, started.ctx
    run = ctx.run
    if ctx.is_main and not run.resume:
        run.write_json("config.json", _config_record(started))
    seed_everything(config.seed)
    t0 = time.perf_counter()
    try:
        result = started.module.run(config, ctx)
    except DojoError:
        run.discard()  # bad input found inside the experiment: leave no half-written folder
        raise
    finally:
        run.close()
    result.run_dir = run.path
    ignored = [name for name in ctx.requested if name not in ctx.applied]
    if ignored:  # a bug in the experiment: it declared a switch its training never used
        raise RuntimeError(f"lesson '{lesson.id}' declares {', '.join(ignored)} in SWITCHES "
                           "but its training did not apply it")
    if not ctx.is_main:
        return result
    run.write_json("config.json", _config_record(started))  # now with what each switch did
    elapsed = time.perf_counter() - t0
    env = {**environment(ctx.device), "dataset": result.dataset or "generated",
           "dataset details": result.dataset_label or "", "wall time (s)": f"{elapsed:.1f}",
           "switches": _switches_text(ctx)}
    checks = verdicts(lesson, config, result)
    run.write_json("result.json", {
        "lesson": lesson.id, "metrics": result.metrics, "dataset": result.dataset,
        "dataset_label": result.dataset_label, "targets": dict(checks),
        "wall_time_s": round(elapsed, 2), "environment": env, "quick": started.quick,
    })
    report.write(run.path / "report.html",
                 title=f"{lesson.title} ({lesson.id})",
                 subtitle=f"Curriculum target: {lesson.target}. Source: {lesson.source}."
                          + (" Quick run: not a measurement of the target." if started.quick
                             else ""),
                 config=configs.to_dict(config), environment=env, metrics=result.metrics,
                 verdicts=checks, figures=run.figures(), notes=result.notes)
    return result


def _config_record(started: Started) -> dict[str, Any]:
    ctx = started.ctx
    record = {
        "lesson": started.lesson.id, "config": configs.to_dict(started.config),
        "quick": started.quick, "preset": started.preset, "device": str(ctx.device),
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "switches": {"amp": ctx.amp, "compile": ctx.compile, "nproc": ctx.world_size},
        "applied": dict(ctx.applied),
    }
    if ctx.run is not None and ctx.run.resume:  # on resume, the first record's fields stay
        saved = ctx.run.read_json("config.json")
        record = {**record, **{k: saved[k] for k in ("created", "config") if k in saved}}
    return record


def _switches_text(ctx: Context) -> str:
    return "; ".join(f"--{name}: {what}" for name, what in ctx.applied.items()) or "none"


def run_experiment(key: str, **kwargs: Any) -> Result:
    """Prepare and execute in one call, as lessons do: `run_experiment("mnist-mlp", quick=True)`."""
    started = prepare(key, **kwargs)
    return execute(started)


@dataclass
class Outcome:
    """What `dojo run` ended with: its exit code, the run (None when it ran in child
    processes), and a message for stderr (the Ctrl-C and resume line)."""

    code: int
    started: Started | None = None
    result: Result | None = None
    message: str = ""


def run_command(key: str, *, nproc: int = 1, argv: list[str] | None = None,
                **options: Any) -> Outcome:
    """`dojo run`: with nproc > 1, refuse what the lesson cannot honour, then start nproc
    processes under torchrun; otherwise prepare and execute here (as one rank of a group
    when torchrun started this process), and turn Ctrl-C into how to resume."""
    from torchdojo.runner import processes
    from torchdojo.train.loop import Interrupted

    if nproc > 1:
        check_request(key, amp=options.get("amp", False), compile=options.get("compile", False),
                      nproc=nproc, device=options.get("device", "auto"))
        check_data_folder()  # and the folders, before N processes start (each would say it)
        if options.get("resume") is not None:
            resumable(options["resume"])
        elif options.get("out"):
            Run(options["out"])  # checks the folder; creates nothing
        return Outcome(processes.launch(list(argv or []), nproc))
    rank = processes.launched_rank(pick_device(options.get("device", "auto")))
    started = prepare(key, **options, **rank)
    try:
        result = execute(started)
    except Interrupted as stop:
        return Outcome(130, started, message=(
            f"\ninterrupted after {stop.epoch} finished epoch(s); checkpoint saved. "
            f"Continue with: dojo run {started.lesson.id} --resume {started.ctx.run.path}"))
    if started.ctx.world_size > 1:  # only after success: a failed rank never reaches the barrier
        processes.shutdown()
    return Outcome(0, started, result)
