"""Running the real `dojo` entry point from tests, and checking its one-line errors."""

import contextlib
import io
import os
import subprocess
import sys


def dojo(*args: str, cwd=None, env: dict | None = None, timeout: float = 300):
    """`dojo ARGS` as a user types it, (code, stdout, stderr): the CLI's `main` in this
    process, in `cwd`, with `env` added to the environment. A subprocess per call cost ~5 s
    of imports; the entry point itself is covered by `dojo_process`. `timeout` is the
    subprocess's (kept so the two are interchangeable)."""
    from torchdojo.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _environment({"MPLBACKEND": "Agg", **(env or {})}), _cwd(cwd), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:  # argparse: bad usage (2) or --help (0)
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def dojo_process(*args: str, cwd=None, env: dict | None = None, timeout: float = 300):
    """`python -m torchdojo ARGS` in a subprocess: (code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "torchdojo", *args], cwd=cwd,
                          env={**os.environ, "MPLBACKEND": "Agg", **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


@contextlib.contextmanager
def _environment(changes: dict):
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update({k: str(v) for k, v in changes.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _cwd(path):
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def one_line_error(code: int, err: str, *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr, no traceback, containing every fragment."""
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
