"""Running the real `dojo` entry point from tests, and checking its one-line errors."""

import os
import subprocess
import sys


def dojo(*args: str, cwd=None, env: dict | None = None, timeout: float = 300):
    """`python -m torchdojo ARGS` in a subprocess, as a user types it: (code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "torchdojo", *args], cwd=cwd,
                          env={**os.environ, "MPLBACKEND": "Agg", **(env or {})},
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def one_line_error(code: int, err: str, *fragments: str) -> None:
    """Exit code 2 and exactly one line on stderr, no traceback, containing every fragment."""
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
