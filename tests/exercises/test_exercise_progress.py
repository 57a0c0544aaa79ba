"""The progress store: what was passed and when, versioned, and safe from crashes mid-write."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from torchdojo.errors import DojoError
from torchdojo.exercises import progress


def test_records_attempts_first_passes_and_last_reasons(dojo_home):
    progress.record([("softmax", False, 0.1, "probs is wrong"), ("mse-loss", True, 0.2, "")])
    progress.record([("softmax", True, 0.1, "")])
    progress.record([("softmax", False, 0.1, "broke it again")])
    s = progress.standings()
    assert s["softmax"].attempts == 3 and s["softmax"].first_passed is not None
    assert s["softmax"].last_reason == "broke it again"
    assert s["mse-loss"].attempts == 1
    assert progress.db_path() == dojo_home / "progress.sqlite"


def test_the_database_is_wal_and_schema_versioned(dojo_home):
    progress.record([("softmax", True, None, "")])
    with sqlite3.connect(progress.db_path()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == progress.SCHEMA_VERSION
        conn.execute(f"PRAGMA user_version = {progress.SCHEMA_VERSION + 1}")
    with pytest.raises(DojoError, match="newer torchdojo"):
        progress.standings()


def test_a_corrupt_file_is_a_one_line_error_and_reset_recovers(dojo_home):
    dojo_home.mkdir(parents=True)
    progress.db_path().write_bytes(b"this is not a database" * 100)
    with pytest.raises(DojoError, match="unreadable.*--reset"):
        progress.standings()
    assert progress.reset() is True
    assert progress.standings() == {}


def test_hints_get_stronger_each_time_up_to_the_last():
    assert [progress.next_hint_level("softmax", 3) for _ in range(4)] == [1, 2, 3, 3]
    assert progress.hint_levels() == {"softmax": 3}


WRITER = """
import os, sys, time
from torchdojo.exercises import progress
progress.record([("softmax", True, 1.0, "")])
mode = sys.argv[1]
if mode == "crash-in-transaction":
    with progress.connect() as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO attempts (exercise, passed, at) VALUES ('mse-loss', 1, 0)")
        os._exit(1)  # dies with the transaction open
else:
    print("ready", flush=True)
    while True:
        progress.record([("mse-loss", False, 0.1, "x" * 1000)] * 20)
"""


def test_a_crash_mid_write_leaves_earlier_progress_intact(dojo_home):
    env = {**os.environ, "TORCHDOJO_HOME": str(dojo_home)}
    subprocess.run([sys.executable, "-c", WRITER, "crash-in-transaction"], env=env, timeout=60)
    s = progress.standings()
    assert s["softmax"].first_passed is not None and "mse-loss" not in s

    writer = subprocess.Popen([sys.executable, "-c", WRITER, "loop"], env=env,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    writer.send_signal(signal.SIGKILL)  # in the middle of some write
    writer.wait()
    with sqlite3.connect(progress.db_path()) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT COUNT(*) FROM attempts WHERE exercise = 'mse-loss'")
        count = rows.fetchone()[0]
    assert count > 0 and count % 20 == 0  # whole checks only, never half of one
