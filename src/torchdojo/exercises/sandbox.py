"""Run a learner's exercise files in a separate, limited process and collect raw observations.

Design: the learner's code can never write its own grade.

* The grading process draws fresh random inputs for every run, sends them to a child
  process, and gets back only raw observations: what the learner's functions returned,
  their gradients, their inputs afterwards. The child never learns what the right
  answers are. The parent computes the reference answers itself, from reference code
  it loaded before any learner code ran, *after* the child has exited, and compares.
  So nothing the child prints, writes or forges can say "pass": to pass, it has to
  return the right values for inputs it has not seen before, that is, to compute them.
* Observations cross a pipe as JSON (observe.py's codec, no pickle), so reading them
  cannot run code in the parent. The protocol is strictly ordered ("start" then "done"
  for the next exercise in the job); lines that break it are ignored, and a garbled
  or missing report fails only the exercise that was running.
* The child's stdout and stderr go to a log file, never to the channel the parent
  reads, so printed "PASS" lines are just text in a log.
* Each child gets: a fresh temporary working directory holding copies of the
  workspace's .py files; a clean environment; `python -I`; resource limits set as its
  first action (RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NPROC, no core files) and RLIMIT_AS
  once torch is imported, as torch's measured size plus the learner's allowance, all
  before any learner code exists in the process (set in the child rather than in
  preexec_fn, which is unsafe in the grader's threads); a wall-clock timeout per
  exercise and per child, enforced by the parent, which then kills the child's whole
  process group.
* When the grader runs as root, the child drops to user `nobody` (setpriv), so it can
  neither change the package, the gradebook nor other learners' files, and
  RLIMIT_NPROC applies to it (root ignores that limit). Network: where `unshare` can
  create a network namespace the child runs in one with no interfaces but a down
  loopback (a real boundary); in every case socket creation is also replaced by a
  function that raises (a deterrent only: ctypes or `_socket` get around it).
* If the child dies, hangs, or exits early in exercise k, exercise k fails with the
  reason, and the exercises after it run again in a fresh child; so one hostile
  exercise costs only itself, and other learners are graded in their own children.

Limits, stated honestly: this is not a security boundary against a determined
attacker running as the same user as the grader (without root, the child keeps the
grader's uid: it can read the reference solutions, which ship with the package anyway,
and could signal or ptrace the grader). Learner code in one exercise can also break
that learner's later exercises in the same child (e.g. by monkeypatching torch). For
a hostile class, run `dojo grade` as root (children drop to nobody) or inside a
container.
"""

from __future__ import annotations

import functools
import json
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from torchdojo.errors import DojoError
from torchdojo.exercises import observe

CHILD = Path(__file__).resolve().parent / "sandbox_child.py"
NOBODY = 65534
MAX_FILE_BYTES = 1_000_000  # a workspace file larger than this is not copied
MAX_FILES = 200


@dataclass(frozen=True)
class Limits:
    """What a learner's code may use: wall seconds per exercise, memory, output, processes."""

    timeout: float = 10.0  # wall-clock seconds per exercise
    memory_mb: int = 2048  # address space the code may add to torch's own (~0.7 GB, measured)
    startup: float = 60.0  # wall-clock seconds for the child to import torch and start
    file_mb: int = 16  # largest file the child may write (its printed output included)
    output_mb: int = 64  # most observation bytes the parent reads back
    nproc: int = 16  # tasks the child may add to its user's count (threads count too)


@dataclass
class Job:
    """One exercise to run: its slug, the workspace file, and the probes (live values)."""

    slug: str
    file_name: str
    probes: list[dict]
    preload: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What came back for one exercise: observations, or the reason there are none."""

    observations: list[dict] | None = None
    failure: str | None = None
    seconds: float = 0.0


@dataclass
class _Child:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    current: str | None = None
    started: float = 0.0


@functools.cache
def isolation_prefix() -> tuple[str, ...]:
    """The command prefix that isolates a child (network namespace, user nobody) where possible."""
    options = []
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        drop = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--")
        options += [("unshare", "--net", "--", *drop), drop]
    options.append(("unshare", "--net", "--map-root-user", "--"))
    for prefix in options:
        # Another user must be able to import torch from here (e.g. not from a private home).
        check = "import torch" if "setpriv" in prefix else "pass"
        if shutil.which(prefix[0]) and _works(prefix, check):
            return prefix
    return ()


def _works(prefix: tuple[str, ...], code: str) -> bool:
    try:
        return subprocess.run([*prefix, sys.executable, "-I", "-c", code], capture_output=True,
                              timeout=120, cwd="/").returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def isolation_summary() -> str:
    """A line saying how children are isolated on this machine, for the grader's log."""
    prefix = isolation_prefix()
    parts = ["own process and temp dir", "rlimits (memory, CPU, file size, processes)",
             "wall-clock timeouts"]
    if "setpriv" in prefix:
        parts.append("runs as user nobody")
    if "unshare" in prefix:
        parts.append("no network (empty network namespace)")
    else:
        parts.append("sockets disabled in Python only (no network namespace available)")
    return "; ".join(parts)


def run_jobs(workspace: Path, jobs: list[Job], limits: Limits) -> tuple[dict[str, Outcome], str]:
    """Run the jobs in sandboxed children; the outcome per slug, and what the code printed."""
    if not hasattr(os, "fork") or sys.platform == "win32":
        raise DojoError("the exercise sandbox needs Linux or macOS; on Windows use "
                        "`dojo check --in-process`")
    staging = Path(tempfile.mkdtemp(prefix="dojo-sandbox-"))
    try:
        work = _stage(workspace, staging)
        outcomes: dict[str, Outcome] = {}
        printed: list[str] = []
        remaining = list(jobs)
        while remaining:
            child = _run_child(work, staging, remaining, limits, printed)
            outcomes.update(child.outcomes)
            if not child.outcomes:  # no progress at all: the child cannot start
                break
            remaining = [j for j in remaining if j.slug not in outcomes]
        return outcomes, "".join(printed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage(workspace: Path, staging: Path) -> Path:
    """A working directory holding copies of the workspace's Python files, writable by the child."""
    work = staging / "work"
    work.mkdir()
    files = sorted(p for p in workspace.glob("*.py") if p.is_file() and not p.is_symlink())
    for path in files[:MAX_FILES]:
        if path.stat().st_size <= MAX_FILE_BYTES:
            shutil.copyfile(path, work / path.name)
    if "setpriv" in isolation_prefix():
        os.chmod(staging, 0o711)
        for path in [work, *work.iterdir()]:
            os.chown(path, NOBODY, NOBODY)
    return work


def _child_limits(limits: Limits, n_jobs: int) -> dict:
    return {"memory": limits.memory_mb * 2**20, "fsize": limits.file_mb * 2**20,
            "cpu": int(limits.startup + limits.timeout * n_jobs) + 1, "nproc": limits.nproc}


def _run_child(work: Path, staging: Path, jobs: list[Job], limits: Limits,
               printed: list[str]) -> _Child:
    """One child over the jobs, in order, until it finishes, dies or runs out of time."""
    read_fd, write_fd = os.pipe()
    log_path = staging / f"output-{len(printed)}.log"
    job = {"exercises": [{"slug": j.slug, "file": j.file_name,
                          "probes": [observe.encode(p) for p in j.probes]} for j in jobs],
           "preload": sorted({name for j in jobs for name in j.preload})}
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work), "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    command = [*isolation_prefix(), sys.executable, "-I", str(CHILD), str(write_fd),
               json.dumps(_child_limits(limits, len(jobs)))]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=log, stderr=log, cwd=work,
                                env=env, pass_fds=(write_fd,), start_new_session=True)
    os.close(write_fd)
    threading.Thread(target=_feed, args=(proc, json.dumps(job).encode()), daemon=True).start()
    child = _Child()
    try:
        ended = _collect(proc, read_fd, jobs, limits, child)
    finally:
        os.close(read_fd)
        _kill_group(proc)
    printed.append(log_path.read_bytes()[-200_000:].decode("utf-8", "replace"))
    if child.current is not None:  # the exercise that was running when the child stopped
        reason = ended if ended != "eof" else _exit_reason(proc.returncode, printed[-1])
        child.outcomes[child.current] = Outcome(failure=reason,
                                                seconds=time.monotonic() - child.started)
    elif not child.outcomes:  # it never reached the first exercise: the harness itself failed
        why = ended if ended != "eof" else _last_line(printed[-1])
        reason = f"the sandbox did not start: {why}"
        for j in jobs:
            child.outcomes[j.slug] = Outcome(failure=reason)
    return child


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:
        pass  # the child died before reading; the collector reports why


def _collect(proc: subprocess.Popen, read_fd: int, jobs: list[Job], limits: Limits,
             child: _Child) -> str:
    """Read the result pipe until EOF or a deadline; 'eof', or why the child was stopped."""
    order = [j.slug for j in jobs]
    n_probes = {j.slug: len(j.probes) for j in jobs}
    start = time.monotonic()
    deadline_all = start + limits.startup + limits.timeout * len(jobs)
    deadline = start + limits.startup
    buffer, received = b"", 0
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        while True:
            now = time.monotonic()
            if now >= min(deadline, deadline_all):
                if child.current is None and not child.outcomes:
                    return f"no answer within {limits.startup:g} s"
                return f"timed out after {limits.timeout:g} s (an endless loop, or far too slow)"
            if not selector.select(min(deadline, deadline_all, now + 0.5) - now):
                if proc.poll() is not None:  # exited; a leftover grandchild may hold the pipe
                    return "eof"
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    return "stopped reporting while still running (closed the result channel?)"
                return "eof"
            received += len(chunk)
            if received > limits.output_mb * 2**20:
                return f"sent more than {limits.output_mb} MB of results"
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if _handle(line, order, n_probes, child):
                    deadline = time.monotonic() + limits.timeout


def _handle(line: bytes, order: list[str], n_probes: dict[str, int], child: _Child) -> bool:
    """Apply one protocol line; True when it moved the protocol on. Anything else is ignored."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return False
    if not isinstance(message, dict):
        return False
    expected_next = next((s for s in order if s not in child.outcomes), None)
    if child.current is None and expected_next and message.get("start") == expected_next:
        child.current, child.started = expected_next, time.monotonic()
        return True
    if child.current is not None and message.get("done") == child.current:
        waited = time.monotonic() - child.started
        # "start" and "done" may arrive in one read (0 s apart here): the child's own clock
        # then says more. A learner's code could only make itself look slower with it.
        told = message.get("seconds")
        seconds = max(waited, told) if isinstance(told, float) and math.isfinite(told) else waited
        try:
            observations = [observe.decode(o) for o in message["obs"]]
            if len(observations) != n_probes[child.current] or \
                    not all(isinstance(o, dict) for o in observations):
                raise ValueError("wrong number of observations")
            outcome = Outcome(observations=observations, seconds=seconds)
        except (KeyError, TypeError, ValueError, RecursionError):
            outcome = Outcome(failure="its results were garbled (did the code write to the "
                                      "grader's channel?)", seconds=seconds)
        child.outcomes[child.current], child.current = outcome, None
        return True
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child and everything it started (its session), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _exit_reason(returncode: int | None, output: str) -> str:
    """Why the child stopped in the middle of an exercise, from its exit status."""
    if returncode is None or returncode >= 0:
        if "MemoryError" in output[-2000:]:
            return "ran out of memory"
        return f"the process exited (code {returncode}) in the middle of this exercise: " \
               f"sys.exit or os._exit in your code?"
    signum = -returncode
    name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else signum
    if signum == signal.SIGXCPU:
        return "used up its CPU time limit"
    if signum == signal.SIGKILL:
        return "was killed (SIGKILL): out of memory, or over a limit"
    if signum == signal.SIGSEGV:
        return "crashed (segmentation fault)"
    return f"was killed by signal {name}"


def _last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"
