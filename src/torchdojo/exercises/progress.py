"""The learner's progress: every check's result and the hints seen, in SQLite under the data folder.

Each write is one transaction in WAL mode, so a crash (or a kill) mid-write leaves
the database as it was before that write. The schema is versioned with SQLite's
`user_version`; migrations run forward, in order, each in its own transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from torchdojo import paths
from torchdojo.errors import DojoError

# Migration n takes the schema from version n to n + 1.
MIGRATIONS = (
    """
    CREATE TABLE attempts (
        id       INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        passed   INTEGER NOT NULL CHECK (passed IN (0, 1)),
        at       REAL NOT NULL,            -- unix time
        seconds  REAL,
        reason   TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX attempts_by_exercise ON attempts (exercise, at);
    CREATE TABLE hints (
        exercise TEXT PRIMARY KEY,
        level    INTEGER NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on one exercise."""

    exercise: str
    attempts: int
    first_passed: float | None  # unix time
    last_attempt: float | None
    last_reason: str


def db_path() -> Path:
    """The progress database: <torchdojo home>/progress.sqlite."""
    return paths.home() / "progress.sqlite"


@contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """An open, migrated connection; a DojoError (one line) if the file is not usable."""
    path = path or db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a committed check survives power loss
            _migrate(conn, path)
            yield conn
    except sqlite3.DatabaseError as e:
        raise DojoError(f"the progress database {path} is unreadable ({e}); "
                        f"`dojo progress --reset` starts a fresh one") from e


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DojoError(f"{path} was written by a newer torchdojo (schema {version}, this one "
                        f"knows {SCHEMA_VERSION}); upgrade torchdojo")
    for target, script in enumerate(MIGRATIONS[version:], version + 1):
        with _transaction(conn):
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def record(results: list[tuple[str, bool, float | None, str]], path: Path | None = None) -> None:
    """Store the results of one `dojo check`: (exercise, passed, seconds, reason), all at once."""
    now = time.time()
    with connect(path) as conn, _transaction(conn):
        conn.executemany("INSERT INTO attempts (exercise, passed, at, seconds, reason) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [(slug, int(ok), now, secs, reason) for slug, ok, secs, reason in results])


def standings(path: Path | None = None) -> dict[str, Standing]:
    """Per exercise with any attempt: attempts, first pass, last attempt, last reason."""
    query = """
        SELECT exercise, COUNT(*), MIN(CASE WHEN passed THEN at END), MAX(at),
               (SELECT reason FROM attempts a2 WHERE a2.exercise = a.exercise
                ORDER BY at DESC, id DESC LIMIT 1)
        FROM attempts a GROUP BY exercise"""
    with connect(path) as conn:
        return {row[0]: Standing(*row) for row in conn.execute(query)}


def next_hint_level(exercise: str, max_level: int, path: Path | None = None) -> int:
    """The next hint to show for an exercise (1, 2, ...), remembered across runs."""
    with connect(path) as conn, _transaction(conn):
        row = conn.execute("SELECT level FROM hints WHERE exercise = ?", (exercise,)).fetchone()
        level = min((row[0] if row else 0) + 1, max_level)
        conn.execute("INSERT INTO hints (exercise, level) VALUES (?, ?) ON CONFLICT(exercise) "
                     "DO UPDATE SET level = excluded.level", (exercise, level))
    return level


def hint_levels(path: Path | None = None) -> dict[str, int]:
    """The highest hint seen per exercise."""
    with connect(path) as conn:
        return dict(conn.execute("SELECT exercise, level FROM hints"))


def reset(path: Path | None = None) -> bool:
    """Delete the progress database and its WAL files; True if there was one."""
    path = path or db_path()
    existed = path.exists()
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    return existed
