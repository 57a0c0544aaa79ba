"""Every lesson script executes top to bottom in quick mode (DOJO_QUICK=1)."""

import os
import subprocess
import sys

import pytest

from torchdojo import registry

LESSONS = [lesson for lesson in registry.all_lessons() if lesson.lesson_path is not None]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_lesson_script_runs_in_quick_mode(lesson, fake_data, tmp_path):
    env = {**os.environ, "DOJO_QUICK": "1", "MPLBACKEND": "Agg", "TORCHDOJO_DATA": str(fake_data)}
    proc = subprocess.run([sys.executable, str(lesson.lesson_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"{lesson.id} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
