"""Every path a `dojo` command takes, in every way it can be wrong: one line on stderr that
names the path, exit code 2, nothing written, and no work started.

One row per (command, argument, case). Each row builds its bad path in the test's folder
(which is also the working folder, $TORCHDOJO_HOME and so the data folder), runs the real
command in this process, and compares the folder tree before and after. The functions that
would do each command's work are replaced by tripwires, so a check that fires late fails
the row instead of training.

Permissions: these tests often run as root, for whom chmod stops nothing. Then os.access
is replaced by one that reads the owner's permission bits, which is what it answers for
an ordinary user; the chmods are real either way.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from clitools import dojo, one_line_error

from torchdojo import pathargs
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.runner import verify

FIRST = catalog.all_exercises()[0]
NOT_UTF8 = b"x = 1  # caf\xe9\n"  # Latin-1: byte 0xe9 at offset 12
MARKERS = f"# course\n\n{verify.README_START}\n{verify.README_END}\n"


# --- building bad paths in the test's folder -----------------------------------------------
def file(path: Path, data: bytes = b"x\n", mode: int | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)
    return path


def folder(path: Path, mode: int | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if mode is not None:
        path.chmod(mode)
    return path


def run_folder(t: Path, **spoil: Callable[[Path], object]) -> Path:
    """A run folder to resume (checkpoint.pt, config.json); `spoil` then changes one of them
    (checkpoint_pt=..., config_json=...)."""
    run = folder(t / "run")
    file(run / "checkpoint.pt", b"a checkpoint")
    file(run / "config.json", json.dumps({"lesson": "mnist-mlp", "config": {}}).encode())
    for name, change in spoil.items():
        change(run / name.replace("_", "."))
    return run


def workspace(t: Path, make: Callable[[Path], Path] = lambda p: file(p, b"x = 1\n")) -> Path:
    """An exercise workspace whose first exercise's file is made by `make`."""
    ws = folder(t / "ws")
    make(ws / FIRST.file_name)
    return ws


def good_readme(t: Path) -> Path:
    return file(t / "README.md", MARKERS.encode())


@dataclass
class Row:
    argv: list[str]
    named: Path | str  # the path the error line must name
    words: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    patch: dict[str, Path] = field(default_factory=dict)  # module attribute -> a path


def row(argv, named, *words, env=None, patch=None) -> Row:
    return Row([str(a) for a in argv], named, words, env or {}, patch or {})


def publish_row(t: Path, readme: Path, results: Path, bad: str, *words: str) -> Row:
    """`dojo verify --publish` with the README and results/verify.json moved to `t`; `bad`
    ("README" or "results") is the one the line must name."""
    named = readme if bad == "README" else results
    return row(["verify", "affine", "--publish", "--out", t / "v"], named, *words,
               patch={"torchdojo.runner.verify.README": readme,
                      "torchdojo.runner.verify.PUBLISHED": results})


RUN = ["run", "850", "--quick"]
LSTM = ["run", "lstm", "--quick", "--set"]
GRADE = ["grade", "subs", "--out"]


def data_env(path: Path) -> dict[str, str]:
    return {"TORCHDOJO_DATA": str(path)}


# (command, argument, case) -> a function of the test folder that builds the case
CASES: dict[str, Callable[[Path], Row]] = {
    # dojo run ID --out DIR (missing parents: made on purpose, like `mkdir -p`)
    "run --out: a file": lambda t: row(
        [*RUN, "--out", file(t / "out")], t / "out", "is a file, not a folder"),
    "run --out: inside a file": lambda t: row(
        [*RUN, "--out", file(t / "f") / "run"], t / "f" / "run", "not writable", "is a file"),
    "run --out: in a read-only folder": lambda t: row(
        [*RUN, "--out", folder(t / "ro", 0o500) / "run"], t / "ro" / "run", "not writable"),
    "run --out: a read-only folder": lambda t: row(
        [*RUN, "--out", folder(t / "ro", 0o500)], t / "ro", "not writable"),
    "run --nproc 2 --out: a file, before starting processes": lambda t: row(
        ["run", "850", "--quick", "--nproc", "2", "--out", file(t / "out")], t / "out",
        "is a file, not a folder"),
    "run --nproc 2 --resume: missing, before starting processes": lambda t: row(
        ["run", "850", "--nproc", "2", "--resume", t / "gone"], t / "gone", "cannot resume"),
    "run --out: a folder that is not empty": lambda t: row(
        [*RUN, "--out", file(t / "full" / "x").parent], t / "full", "not empty"),
    "run (default runs/): runs is a file": lambda t: row(
        [*RUN], f"'{file(t / 'runs').name}'", "is a file, not a folder"),
    # dojo run ID --resume RUN_DIR, and the files in it
    "run --resume: missing": lambda t: row(
        ["run", "850", "--resume", t / "gone"], t / "gone", "cannot resume", "no such folder"),
    "run --resume: a file": lambda t: row(
        ["run", "850", "--resume", file(t / "run")], t / "run", "is a file, not a folder"),
    "run --resume: unreadable": lambda t: row(
        ["run", "850", "--resume", folder(t / "run", 0o000)], t / "run", "cannot be read"),
    "run --resume: read-only": lambda t: row(
        ["run", "850", "--resume", run_folder(t).chmod(0o500) or t / "run"], t / "run",
        "not writable"),
    "run --resume: checkpoint missing": lambda t: row(
        ["run", "850", "--resume", run_folder(t, checkpoint_pt=Path.unlink)],
        t / "run" / "checkpoint.pt", "does not exist"),
    "run --resume: checkpoint is a folder": lambda t: row(
        ["run", "850", "--resume", run_folder(t, checkpoint_pt=lambda p: p.unlink() or
                                              folder(p))],
        t / "run" / "checkpoint.pt", "is a folder, not a file"),
    "run --resume: checkpoint unreadable": lambda t: row(
        ["run", "850", "--resume", run_folder(t, checkpoint_pt=lambda p: p.chmod(0))],
        t / "run" / "checkpoint.pt", "cannot be read"),
    "run --resume: config.json missing": lambda t: row(
        ["run", "850", "--resume", run_folder(t, config_json=Path.unlink)],
        t / "run" / "config.json", "does not exist"),
    "run --resume: config.json is a folder": lambda t: row(
        ["run", "850", "--resume", run_folder(t, config_json=lambda p: p.unlink() or folder(p))],
        t / "run" / "config.json", "is a folder, not a file"),
    "run --resume: config.json unreadable": lambda t: row(
        ["run", "850", "--resume", run_folder(t, config_json=lambda p: p.chmod(0))],
        t / "run" / "config.json", "cannot be read"),
    "run --resume: config.json not UTF-8": lambda t: row(
        ["run", "850", "--resume", run_folder(t, config_json=lambda p: file(p, NOT_UTF8))],
        t / "run" / "config.json", "not UTF-8 text (byte 0xe9 at offset 12)"),
    "run --resume: config.json not JSON": lambda t: row(
        ["run", "850", "--resume", run_folder(t, config_json=lambda p: file(p, b"{oops"))],
        t / "run" / "config.json", "not valid JSON"),
    # dojo run lstm|transformer --set corpus=FILE (a text file the experiment reads)
    "run --set corpus: missing": lambda t: row(
        [*LSTM, f"corpus={t / 'c.txt'}"], t / "c.txt", "does not exist"),
    "run --set corpus: a folder": lambda t: row(
        [*LSTM, f"corpus={folder(t / 'c')}"], t / "c", "is a folder, not a file"),
    "run --set corpus: unreadable": lambda t: row(
        [*LSTM, f"corpus={file(t / 'c.txt', mode=0)}"], t / "c.txt", "cannot be read"),
    "run --set corpus: not UTF-8": lambda t: row(
        [*LSTM, f"corpus={file(t / 'c.txt', NOT_UTF8)}"], t / "c.txt", "not UTF-8 text"),
    "run transformer --set corpus: missing, before part 1 trains": lambda t: row(
        ["run", "transformer", "--quick", "--set", f"corpus={t / 'c.txt'}"], t / "c.txt",
        "does not exist"),
    # $TORCHDOJO_DATA, read by every lesson's data
    "run $TORCHDOJO_DATA: a file": lambda t: row(
        RUN, t / "d", "is a file, not a folder", env=data_env(file(t / "d"))),
    "run $TORCHDOJO_DATA: unreadable": lambda t: row(
        RUN, t / "d", "cannot be read", env=data_env(folder(t / "d", 0))),

    # dojo verify --out DIR, $TORCHDOJO_DATA, --publish (README.md, results/verify.json)
    "verify --out: a file": lambda t: row(
        ["verify", "affine", "--out", file(t / "v")], t / "v", "is a file, not a folder"),
    "verify --out: inside a file": lambda t: row(
        ["verify", "affine", "--out", file(t / "f") / "v"], t / "f" / "v", "not writable"),
    "verify --out: a read-only folder": lambda t: row(
        ["verify", "affine", "--out", folder(t / "v", 0o500)], t / "v", "not writable"),
    "verify $TORCHDOJO_DATA: a file": lambda t: row(
        ["verify", "affine", "--out", t / "v"], t / "d", "is a file",
        env=data_env(file(t / "d"))),
    "verify --publish README: missing": lambda t: publish_row(
        t, t / "README.md", t / "verify.json", "README", "not found"),
    "verify --publish README: a folder": lambda t: publish_row(
        t, folder(t / "README.md"), t / "verify.json", "README", "is a folder, not a file"),
    "verify --publish README: unreadable": lambda t: publish_row(
        t, file(t / "README.md", MARKERS.encode(), mode=0), t / "verify.json", "README",
        "cannot be read"),
    "verify --publish README: not UTF-8": lambda t: publish_row(
        t, file(t / "README.md", MARKERS.encode() + b"\xff"), t / "verify.json", "README",
        "not UTF-8 text (byte 0xff at offset"),
    "verify --publish README: read-only": lambda t: publish_row(
        t, file(t / "README.md", MARKERS.encode(), mode=0o444), t / "verify.json", "README",
        "not writable"),
    "verify --publish README: no table markers": lambda t: publish_row(
        t, file(t / "README.md", b"# no table\n"), t / "verify.json", "README",
        "no results markers"),
    "verify --publish verify.json: a folder": lambda t: publish_row(
        t, good_readme(t), folder(t / "verify.json"), "results", "is a folder, not a file"),
    "verify --publish verify.json: unreadable": lambda t: publish_row(
        t, good_readme(t), file(t / "verify.json", b'{"rows": []}', mode=0), "results",
        "cannot be read"),
    "verify --publish verify.json: not UTF-8": lambda t: publish_row(
        t, good_readme(t), file(t / "verify.json", b'{"rows": ["\xff"]}'), "results",
        "not UTF-8 text"),
    "verify --publish verify.json: not a summary": lambda t: publish_row(
        t, good_readme(t), file(t / "verify.json", b"[1, 2"), "results",
        "not a verify summary"),
    "verify --publish verify.json: read-only": lambda t: publish_row(
        t, good_readme(t), file(t / "verify.json", b'{"rows": []}', mode=0o444), "results",
        "not writable"),

    # dojo book --out DIR (slides and --pdf's PDFs go inside), --results FILE
    "book --out: a file": lambda t: row(
        ["book", "--quick", "--out", file(t / "b")], t / "b", "is a file, not a folder"),
    "book --out: inside a file": lambda t: row(
        ["book", "--quick", "--out", file(t / "f") / "b"], t / "f" / "b", "not writable"),
    "book --out: a read-only folder": lambda t: row(
        ["book", "--quick", "--out", folder(t / "b", 0o500)], t / "b", "not writable"),
    "book --pdf --out: a file, before looking for Chromium": lambda t: row(
        ["book", "--quick", "--pdf", "--out", file(t / "b")], t / "b", "is a file"),
    "book --results: missing": lambda t: row(
        ["book", "--quick", "--results", t / "s.json"], t / "s.json", "does not exist"),
    "book --results: a folder": lambda t: row(
        ["book", "--quick", "--results", folder(t / "s")], t / "s", "is a folder, not a file"),
    "book --results: unreadable": lambda t: row(
        ["book", "--quick", "--results", file(t / "s.json", b"{}", mode=0)], t / "s.json",
        "cannot be read"),
    "book --results: not UTF-8": lambda t: row(
        ["book", "--quick", "--results", file(t / "s.json", b'{"\xe9": 1}')], t / "s.json",
        "not UTF-8 text"),

    # dojo lesson ID --dir DIR (must exist: the learner's folder)
    "lesson --dir: missing": lambda t: row(
        ["lesson", "xor", "--dir", t / "l"], t / "l", "no such folder"),
    "lesson --dir: a file": lambda t: row(
        ["lesson", "xor", "--dir", file(t / "l")], t / "l", "is a file, not a folder"),
    "lesson --dir: unreadable": lambda t: row(
        ["lesson", "xor", "--dir", folder(t / "l", 0)], t / "l", "cannot be read"),
    "lesson --dir: read-only": lambda t: row(
        ["lesson", "xor", "--dir", folder(t / "l", 0o500)], t / "l", "not writable"),

    # dojo lab --dir DIR (made with its parents if new)
    "lab --dir: a file": lambda t: row(
        ["lab", "--no-launch", "--dir", file(t / "lab")], t / "lab", "is a file, not a folder"),
    "lab --dir: inside a file": lambda t: row(
        ["lab", "--no-launch", "--dir", file(t / "f") / "lab"], t / "f" / "lab",
        "not writable"),
    "lab --dir: a read-only folder": lambda t: row(
        ["lab", "--no-launch", "--dir", folder(t / "lab", 0o500)], t / "lab", "not writable"),
    "lab --dir: a file, before starting JupyterLab": lambda t: row(
        ["lab", "--no-browser", "--dir", file(t / "lab")], t / "lab", "is a file"),

    # dojo exercises init DIR [--notebooks] (made with its parents if new)
    "exercises init DIR: a file": lambda t: row(
        ["exercises", "init", file(t / "ws")], t / "ws", "is a file, not a folder"),
    "exercises init DIR: inside a file": lambda t: row(
        ["exercises", "init", file(t / "f") / "ws"], t / "f" / "ws", "not writable"),
    "exercises init DIR: a read-only folder": lambda t: row(
        ["exercises", "init", folder(t / "ws", 0o500)], t / "ws", "not writable"),
    "exercises init --notebooks DIR: a file": lambda t: row(
        ["exercises", "init", "--notebooks", file(t / "ws")], t / "ws", "is a file"),
    "exercises init --notebooks DIR: in a read-only folder": lambda t: row(
        ["exercises", "init", "--notebooks", folder(t / "ro", 0o500) / "ws"], t / "ro" / "ws",
        "not writable"),

    # dojo check [EXERCISE...] --dir DIR, the solution files, the progress store
    "check --dir: missing": lambda t: row(
        ["check", "--dir", t / "ws"], t / "ws", "no such folder"),
    "check --dir: a file": lambda t: row(
        ["check", "--dir", file(t / "ws")], t / "ws", "is a file, not a folder"),
    "check --dir: unreadable": lambda t: row(
        ["check", FIRST.slug, "--dir", folder(t / "ws", 0)], t / "ws", "cannot be read"),
    "check solution file: a folder": lambda t: row(
        ["check", FIRST.slug, "--dir", workspace(t, folder)], t / "ws" / FIRST.file_name,
        "is a folder, not a file"),
    "check solution file: unreadable": lambda t: row(
        ["check", "--dir", workspace(t, lambda p: file(p, mode=0))], t / "ws" / FIRST.file_name,
        "solution file", "cannot be read"),
    "check solution file: not UTF-8": lambda t: row(
        ["check", "--dir", workspace(t, lambda p: file(p, NOT_UTF8))],
        t / "ws" / FIRST.file_name, "solution file",
        "is not UTF-8 text (byte 0xe9 at offset 12); save it as UTF-8"),
    "check progress ($TORCHDOJO_HOME): a file": lambda t: row(
        ["check", "--dir", workspace(t)], t / "h", "is a file, not a folder",
        env={"TORCHDOJO_HOME": str(file(t / "h"))}),
    "check progress ($TORCHDOJO_HOME): read-only": lambda t: row(
        ["check", "--dir", workspace(t)], t / "h", "not writable",
        env={"TORCHDOJO_HOME": str(folder(t / "h", 0o500))}),
    "check progress database: a folder": lambda t: row(
        ["check", "--dir", workspace(t)], folder(t / "home" / "progress.sqlite"), "is a folder"),
    "check progress database: unreadable": lambda t: row(
        ["check", "--dir", workspace(t)], file(t / "home" / "progress.sqlite", b"", 0),
        "cannot be read"),
    "check --no-record --hint progress: a file": lambda t: row(
        ["check", "--no-record", "--hint", "--dir", workspace(t)], t / "h", "is a file",
        env={"TORCHDOJO_HOME": str(file(t / "h"))}),

    # dojo progress [--reset] (the store; made on first use, on purpose)
    "progress ($TORCHDOJO_HOME): a file": lambda t: row(
        ["progress"], t / "h", "is a file, not a folder",
        env={"TORCHDOJO_HOME": str(file(t / "h"))}),
    "progress ($TORCHDOJO_HOME): read-only": lambda t: row(
        ["progress"], t / "h", "not writable", env={"TORCHDOJO_HOME": str(folder(t / "h", 0o500))}),
    "progress database: a folder": lambda t: row(
        ["progress"], folder(t / "home" / "progress.sqlite"), "is a folder, not a file"),
    "progress database: unreadable": lambda t: row(
        ["progress"], file(t / "home" / "progress.sqlite", b"", 0), "cannot be read"),
    "progress database: read-only": lambda t: row(
        ["progress"], file(t / "home" / "progress.sqlite", b"", 0o400), "not writable"),
    "progress --reset database: a folder": lambda t: row(
        ["progress", "--reset", "--yes"], folder(t / "home" / "progress.sqlite"), "is a folder"),

    # dojo grade SUBMISSIONS_DIR --out CSV [--html FILE] (missing parents: made on purpose)
    "grade SUBMISSIONS_DIR: missing": lambda t: row(
        [*GRADE, t / "g.csv"], "subs", "no such folder"),
    "grade SUBMISSIONS_DIR: a file": lambda t: row(
        [*GRADE, t / "g.csv"], file(t / "subs").name, "is a file, not a folder"),
    "grade SUBMISSIONS_DIR: unreadable": lambda t: row(
        [*GRADE, t / "g.csv"], folder(t / "subs", 0).name, "cannot be read"),
    "grade --out: a folder": lambda t: row(
        [*GRADE, folder(t / "g.csv")], folder(t / "subs") and t / "g.csv",
        "is a folder, not a file"),
    "grade --out: inside a file": lambda t: row(
        [*GRADE, file(t / "f") / "g.csv"], folder(t / "subs") and t / "f" / "g.csv",
        "not writable", "is a file"),
    "grade --out: in a read-only folder": lambda t: row(
        [*GRADE, folder(t / "ro", 0o500) / "g.csv"], folder(t / "subs") and t / "ro" / "g.csv",
        "not writable"),
    "grade --out: a read-only file": lambda t: row(
        [*GRADE, file(t / "g.csv", mode=0o444)], folder(t / "subs") and t / "g.csv",
        "not writable (read-only)"),
    "grade --html: a folder": lambda t: row(
        [*GRADE, t / "g.csv", "--html", folder(t / "g.html")],
        folder(t / "subs") and t / "g.html", "is a folder, not a file"),
    "grade --html: inside a file": lambda t: row(
        [*GRADE, t / "g.csv", "--html", file(t / "f") / "g.html"],
        folder(t / "subs") and t / "f" / "g.html", "not writable"),

    # dojo data import PATH (a file or folder; what it writes: $TORCHDOJO_DATA), fetch NAME
    "data import PATH: missing": lambda t: row(
        ["data", "import", t / "mnist"], t / "mnist", "does not exist"),
    "data import PATH: an unreadable file": lambda t: row(
        ["data", "import", file(t / "train-images-idx3-ubyte", mode=0)],
        t / "train-images-idx3-ubyte", "cannot be read"),
    "data import PATH: an unreadable folder": lambda t: row(
        ["data", "import", folder(t / "mnist", 0)], t / "mnist", "cannot be read"),
    "data import PATH: an unreadable file in the folder": lambda t: row(
        ["data", "import", file(t / "mnist" / "t10k-labels-idx1-ubyte.gz", mode=0).parent],
        t / "mnist" / "t10k-labels-idx1-ubyte.gz", "cannot be read"),
    "data import PATH: a folder named as a file in the folder": lambda t: row(
        ["data", "import", folder(t / "mnist" / "train-labels-idx1-ubyte").parent],
        t / "mnist" / "train-labels-idx1-ubyte", "is a folder, not a file"),
    "data import $TORCHDOJO_DATA: a file": lambda t: row(
        ["data", "import", folder(t / "mnist")], t / "d", "is a file, not a folder",
        env=data_env(file(t / "d"))),
    "data import $TORCHDOJO_DATA: inside a file": lambda t: row(
        ["data", "import", folder(t / "mnist")], t / "f" / "d", "not writable",
        env=data_env(file(t / "f") / "d")),
    "data import $TORCHDOJO_DATA: read-only": lambda t: row(
        ["data", "import", folder(t / "mnist")], t / "d", "not writable",
        env=data_env(folder(t / "d", 0o500))),
    "data fetch mnist $TORCHDOJO_DATA: a file": lambda t: row(
        ["data", "fetch", "mnist"], t / "d", "is a file", env=data_env(file(t / "d"))),
    "data fetch cifar10 $TORCHDOJO_DATA: read-only": lambda t: row(
        ["data", "fetch", "cifar10"], t / "d", "not writable",
        env=data_env(folder(t / "d", 0o500))),
}

# What each command would do once its paths are checked: none of it may start.
WORK = (
    "torchdojo.runner.run.execute", "torchdojo.runner.processes.launch",
    "torchdojo.runner.verify.verify", "torchdojo.book.build.build",
    "torchdojo.book.pdf.print_decks", "torchdojo.book.convert.write_learner_copy",
    "torchdojo.lab.workspace.refresh", "torchdojo.lab.launch.serve",
    "torchdojo.exercises.stubs.init_workspace", "torchdojo.exercises.grader.check_workspace",
    "torchdojo.exercises.progress.connect", "torchdojo.exercises.progress.reset",
    "torchdojo.exercises.gradebook.grade_class", "torchdojo.data.vision.import_path",
    "torchdojo.data.cifar.import_path", "torchdojo.data.vision.fetch",
    "torchdojo.data.cifar.fetch",
)


def as_owner(path, mode, **_) -> bool:
    """os.access as an ordinary user who owns `path` sees it: by the owner's bits."""
    try:
        bits = os.stat(path).st_mode
    except OSError:
        return False
    need = ((os.R_OK, stat.S_IRUSR), (os.W_OK, stat.S_IWUSR), (os.X_OK, stat.S_IXUSR))
    return all(bits & bit for flag, bit in need if mode & flag)


def snapshot(root: Path) -> dict[str, tuple[int, int, int, int]]:
    """Every entry under `root` (and `root`): kind and mode, size, modification time."""
    def entry(p: Path) -> tuple[int, int, int, int]:
        st = p.lstat()
        return st.st_mode, st.st_size, st.st_mtime_ns, st.st_nlink

    found = {".": entry(root)}
    for where, dirs, files in os.walk(root):  # an unreadable folder is listed, not entered
        for name in dirs + files:
            p = Path(where) / name
            found[str(p.relative_to(root))] = entry(p)
    return found


@pytest.fixture
def folder_t(tmp_path, monkeypatch):
    """The test's folder, its own $TORCHDOJO_HOME, root playing an ordinary user, and every
    command's work replaced by a tripwire. Permissions are restored for the cleanup."""
    monkeypatch.setenv("TORCHDOJO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TORCHDOJO_DATA", raising=False)
    if os.geteuid() == 0:
        monkeypatch.setattr(os, "access", as_owner)

    def tripwire(*args, **kwargs):
        raise AssertionError("the command started its work before its paths were checked")

    for target in WORK:
        monkeypatch.setattr(target, tripwire)
    yield tmp_path
    for where, dirs, _ in os.walk(tmp_path):
        for name in dirs:
            (Path(where) / name).chmod(0o700)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_bad_path_is_one_line_exit_2_and_writes_nothing(case, folder_t, monkeypatch):
    t = folder_t
    bad = CASES[case](t)
    for target, path in bad.patch.items():
        monkeypatch.setattr(target, path)
    before = snapshot(t)
    code, out, err = dojo(*bad.argv, cwd=t, env=bad.env)
    one_line_error(code, err, str(bad.named), *bad.words)
    assert out == ""  # no work announced
    assert snapshot(t) == before  # nothing made, written, moved or removed


# --- the parts the table leans on -----------------------------------------------------------
def test_missing_parents_of_an_output_are_made_on_purpose_and_only_when_written(folder_t):
    """`dojo exercises init a/b/ws` (like --out of run, verify, book, grade, lab) makes the
    missing folders, as `mkdir -p` would; the check alone makes nothing."""
    t = folder_t
    assert pathargs.output_dir(t / "a" / "b" / "ws", "x") == t / "a" / "b" / "ws"
    assert pathargs.output_file(t / "c" / "g.csv", "x") == t / "c" / "g.csv"
    assert sorted(p.name for p in t.iterdir()) == []


def test_the_utf8_message_gives_the_byte_its_offset_and_the_fix(tmp_path):
    path = file(tmp_path / "x.py", b"print('hello')\xff\n")
    with pytest.raises(DojoError) as e:
        pathargs.utf8_text(path, "solution file")
    assert str(e.value) == (f"solution file '{path}' is not UTF-8 text (byte 0xff at offset 14);"
                            " save it as UTF-8")
    assert pathargs.utf8_text(file(tmp_path / "ok.py", "café\n".encode()), "x") == "café\n"


def test_backprop_with_a_batch_of_one_is_a_config_error_not_an_index_error(tmp_path):
    """Case 720 checks the batch's second point: batch=1 used to end in an IndexError."""
    out = tmp_path / "run"
    code, _, err = dojo("run", "backprop", "--set", "batch=1", "--out", str(out), cwd=tmp_path)
    one_line_error(code, err, "batch must be at least 2", "not 1")
    assert not out.exists()
