"""The sandbox child: limit itself, read every input, lock down, then run the learner's code.

Run as a script by sandbox.py (never imported by the package), with the result pipe's
file descriptor and the limits as arguments and the job as JSON on stdin. It loads
observe.py by path and never imports torchdojo, so nothing that decides a grade
is loaded in here. It reports, for each exercise in order, a "start" line and a
"done" line with raw observations; the parent judges them. See sandbox.py for why a
learner who forges those lines gains nothing.
"""

import importlib.util
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path


def set_limits(limits: dict) -> None:
    """Apply the resource limits before anything else runs (in place of preexec_fn, thread-safe)."""
    _limit("RLIMIT_CPU", limits["cpu"], limits["cpu"] + 5)  # SIGXCPU, then SIGKILL
    _limit("RLIMIT_FSIZE", limits["fsize"])
    _limit("RLIMIT_NPROC", own_task_count() + limits["nproc"])
    _limit("RLIMIT_CORE", 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large file is an error, not a kill


def limit_memory(extra_bytes: int) -> None:
    """Cap the address space at what torch already uses plus `extra_bytes` for the learner.

    Measured rather than fixed: a CUDA build of torch maps several times what the CPU build
    does, and a fixed cap that one survives would be far too loose for the other.
    """
    try:
        status = Path("/proc/self/status").read_text()
        in_use = int(next(line.split()[1] for line in status.splitlines()
                          if line.startswith("VmSize:"))) * 1024
    except (OSError, StopIteration, ValueError):
        return  # no /proc (macOS, which does not enforce RLIMIT_AS anyway)
    _limit("RLIMIT_AS", in_use + extra_bytes)


def _limit(name: str, soft: int, hard: int | None = None) -> None:
    try:
        resource.setrlimit(getattr(resource, name), (soft, soft if hard is None else hard))
    except (AttributeError, ValueError, OSError):
        pass  # not supported on this platform


def own_task_count() -> int:
    """How many tasks (processes and threads) this user runs: RLIMIT_NPROC counts them all."""
    uid, count = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        uids = next((line.split()[1] for line in lines if line.startswith("Uid:")), None)
        threads = next((line.split()[1] for line in lines if line.startswith("Threads:")), "1")
        count += int(threads) if uids == uid else 0
    return count


def die_with_parent() -> None:
    """Ask Linux to kill this process if the grader dies (best effort)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def lock_down() -> None:
    """Deterrents, not a boundary: no sockets, no new processes, no torchdojo (see sandbox.py)."""
    import importlib.abc
    import socket
    import subprocess

    def no_network(*args, **kwargs):
        raise PermissionError("network access is disabled while exercises are graded")

    def no_processes(*args, **kwargs):
        raise PermissionError("starting processes is disabled while exercises are graded")

    for name in ("socket", "create_connection", "create_server", "socketpair", "fromfd"):
        setattr(socket, name, no_network)
    for name in ("fork", "forkpty", "system", "popen", "posix_spawn", "posix_spawnp", "execv",
                 "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe", "spawnv",
                 "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "kill", "killpg"):
        if hasattr(os, name):
            setattr(os, name, no_processes)
    subprocess.Popen = no_processes

    class NoTorchdojo(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torchdojo" or name.startswith("torchdojo."):
                raise ImportError("torchdojo cannot be imported while exercises are graded")
            return None

    sys.meta_path.insert(0, NoTorchdojo())


def main() -> None:
    result_fd, limits = int(sys.argv[1]), json.loads(sys.argv[2])
    set_limits(limits)
    die_with_parent()
    here = Path(__file__).resolve().parent  # the package folder: learner code must not see it
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != here]
    spec = importlib.util.spec_from_file_location("dojo_observe", here / "observe.py")
    observe = importlib.util.module_from_spec(spec)
    sys.modules["dojo_observe"] = observe
    spec.loader.exec_module(observe)  # imports torch
    observe.torch.set_num_threads(1)

    # Read and decode every input before any learner code exists in this process.
    job = json.loads(sys.stdin.buffer.read())
    sys.stdin = open(os.devnull)  # input() gets EOF instead of waiting forever
    exercises = [(ex["slug"], ex["file"], [observe.decode(p) for p in ex["probes"]])
                 for ex in job["exercises"]]
    for name in job.get("preload", []):  # slow lazy imports of torch's, on the startup clock
        try:
            importlib.import_module(name)
        except Exception:
            pass
    write, dumps = os.write, json.dumps  # kept before learner code can replace them
    limit_memory(limits["memory"])

    def send(message: dict) -> None:
        data = (dumps(message) + "\n").encode()
        while data:
            data = data[write(result_fd, data):]

    lock_down()
    sys.path.insert(0, os.getcwd())  # learner files may import their own helpers
    for slug, file_name, probes in exercises:
        send({"start": slug})
        began = time.perf_counter()
        try:
            try:
                module = observe.load_learner_module(Path(file_name).resolve(),
                                                     f"learner_{file_name.removesuffix('.py')}")
            except BaseException as e:
                error = {**observe.describe_error(e, file_name), "phase": "import"}
                observations = [{"error": error}] * len(probes)
            else:
                observations = observe.run_probes(module, probes, file_name)
            payload = {"done": slug, "obs": [observe.encode(o) for o in observations]}
        except BaseException as e:  # KeyboardInterrupt raised by learner code, and the like
            error = observe.describe_error(e, file_name)
            payload = {"done": slug, "obs": [observe.encode({"error": error})] * len(probes)}
        # its own clock: "start" and "done" can reach the parent in one read, 0 s apart there
        payload["seconds"] = time.perf_counter() - began
        send(payload)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(0)  # skip atexit handlers and threads the learner's code may have left


if __name__ == "__main__":
    main()
