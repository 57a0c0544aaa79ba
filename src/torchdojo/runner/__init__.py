"""The runner: above the lessons' experiments, below the CLI.

It prepares and executes a lesson's run (config, run folder, seed, report), verifies and
publishes results, starts and stops process groups, and words the Ctrl-C message. Lessons
call `run_experiment("mnist-mlp", quick=quick_mode())`.
"""

from torchdojo.runner.run import (
    QUICK_ENV,
    Outcome,
    Started,
    check_request,
    check_switches,
    execute,
    experiment_module,
    make_config,
    prepare,
    quick_mode,
    run_command,
    run_experiment,
    verdicts,
)

__all__ = ["QUICK_ENV", "Outcome", "run_command",
           "Started", "check_request", "check_switches", "execute",
           "experiment_module", "make_config", "prepare", "quick_mode", "run_experiment",
           "verdicts"]
