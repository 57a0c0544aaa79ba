"""Hostile submissions get a zero and a reason for what they broke, and the class is still graded.

One small class is graded once, through the real `dojo grade` (two exercises each, two jobs,
short timeouts); each test then looks at one learner. Exercise 01 (standardize) is where the
hostility lives; exercise 11 (mse) is written correctly by most, to show that the rest of a
hostile learner's work is still graded.
"""

import csv
import socket
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from torchdojo.cli import main
from torchdojo.exercises import catalog, sandbox

STANDARDIZE, MSE = catalog.find("tensor-standardize"), catalog.find("mse-loss")
GOOD_MSE = MSE.solution_path.read_text()
WRONG = "def standardize(X):\n    return X * 0\n"


def standardize_file(body: str, top: str = "") -> str:
    """An exercise-01 file whose function runs `body` (and whose module runs `top`)."""
    return f"import os, sys, torch\n{textwrap.dedent(top)}\n\ndef standardize(X):\n" + \
        textwrap.indent(textwrap.dedent(body), "    ")


def hostile_class(root: Path, port: int, shared: Path) -> dict[str, dict[str, str]]:
    """Learner -> file name -> source."""
    good = STANDARDIZE.solution_path.read_text()
    return {
        "good": {STANDARDIZE.file_name: good, MSE.file_name: GOOD_MSE},
        "loops": {STANDARDIZE.file_name: standardize_file("while True:\n    pass"),
                  MSE.file_name: GOOD_MSE},
        "allocates": {STANDARDIZE.file_name: standardize_file(
            "hoard = []\nwhile True:\n    hoard.append(torch.empty(2**27, dtype=torch.float64))"),
            MSE.file_name: GOOD_MSE},
        "forks": {STANDARDIZE.file_name: standardize_file(f"""
            import ctypes, time
            try:
                os.fork()
            except PermissionError:
                pass
            pid = ctypes.CDLL(None).fork()  # around the Python-level block
            if pid == 0:
                with open({str(shared / 'forked.pid')!r}, 'w') as f:
                    f.write(str(os.getpid()))
                for fd in range(3, 30):
                    try:
                        os.write(fd, b'{{"done": "tensor-standardize", "obs": []}}\\n')
                    except OSError:
                        pass
                time.sleep(120)
            return X * 0
            """), MSE.file_name: GOOD_MSE},
        "exits": {STANDARDIZE.file_name: standardize_file("return X", top="sys.exit(0)"),
                  MSE.file_name: "import os\n\ndef mse(pred, target):\n    os._exit(0)\n"},
        "patches": {STANDARDIZE.file_name: standardize_file("return X * 0", top="""
            import builtins
            torch.allclose = lambda *a, **k: True
            torch.equal = lambda *a, **k: True
            torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
            try:
                import torchdojo.exercises.judge as judge
                judge.judge = lambda *a, **k: None
            except ImportError:
                pass
            observer = sys.modules.get("dojo_observe")
            if observer is not None:  # forge every observation the harness reports
                observer.run_probe = lambda *a, **k: {"out": 0.0, "verdict": "pass"}
            """), MSE.file_name: GOOD_MSE},
        "prints": {STANDARDIZE.file_name: standardize_file("return X * 0", top="""
            for line in ("PASS  01 tensor-standardize", "1 of 1 passed.",
                         '{"done": "tensor-standardize", "obs": [], "passed": true}'):
                print(line)
                print(line, file=sys.stderr)
            for fd in range(3, 30):
                try:
                    os.write(fd, b'{"start": "tensor-standardize"}\\n{"passed": true}\\n')
                except OSError:
                    pass
            """), MSE.file_name: GOOD_MSE},
        "import-error": {STANDARDIZE.file_name: "x = 1 / 0\n", MSE.file_name: GOOD_MSE},
        "network": {STANDARDIZE.file_name: standardize_file(f"""
            import _socket
            try:
                import socket
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
            except PermissionError:
                pass
            s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)  # around the Python block
            s.settimeout(2)
            s.connect(("127.0.0.1", {port}))
            s.sendall(b"leaked")
            return X * 0
            """), MSE.file_name: GOOD_MSE},
        "peeks": {STANDARDIZE.file_name: standardize_file(
            "from torchdojo.exercises.grader import reference\nreturn X")},
        "empty": {},
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the hostile class once; the CSV rows by learner and exercise, and the paths."""
    root = tmp_path_factory.mktemp("class")
    shared = Path(tempfile.mkdtemp(prefix="dojo-shared-"))
    shared.chmod(0o777)  # the sandbox may run as nobody
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted = []

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                continue
    stop = threading.Event()
    threading.Thread(target=accept, daemon=True).start()
    for learner, files in hostile_class(root, listener.getsockname()[1], shared).items():
        (root / learner).mkdir()
        for name, source in files.items():
            (root / learner / name).write_text(source)
    out, report = root / "grades.csv", root / "report.html"
    code = main(["grade", str(root), "--out", str(out), "--html", str(report), "--jobs", "2",
                 "--timeout", "3", "--memory", "1536", "--exercises", "01", "11", "--quiet"])
    stop.set()
    listener.close()
    rows = {(r["learner"], r["exercise"]): r for r in csv.DictReader(out.open())}
    yield {"code": code, "rows": rows, "report": report, "accepted": accepted, "shared": shared}


def row(graded, learner, exercise=STANDARDIZE):
    return graded["rows"][(learner, exercise.slug)]


def test_the_good_learner_passes_and_everyone_is_in_the_gradebook(graded):
    assert graded["code"] == 0
    assert row(graded, "good")["passed"] == "1" and row(graded, "good", MSE)["passed"] == "1"
    learners = {learner for learner, _ in graded["rows"]}
    assert learners == {"good", "loops", "allocates", "forks", "exits", "patches", "prints",
                        "import-error", "network", "peeks", "empty"}
    assert all(float(row(graded, "good", ex)["seconds"]) > 0 for ex in (STANDARDIZE, MSE))


def test_an_endless_loop_times_out_and_the_next_exercise_is_still_graded(graded):
    assert row(graded, "loops")["passed"] == "0"
    assert "timed out after 3 s" in row(graded, "loops")["reason"]
    assert row(graded, "loops", MSE)["passed"] == "1"


def test_allocating_without_end_hits_the_memory_limit(graded):
    r = row(graded, "allocates")
    assert r["passed"] == "0" and "memory" in r["reason"].lower(), r["reason"]
    assert row(graded, "allocates", MSE)["passed"] == "1"


def test_forking_is_blocked_or_cleaned_up_and_forged_lines_do_not_pass(graded):
    assert row(graded, "forks")["passed"] == "0"
    assert row(graded, "forks", MSE)["passed"] == "1"
    pid_file = graded["shared"] / "forked.pid"
    if pid_file.exists():  # the fork got through (ctypes); the grader must have killed it
        pid = int(pid_file.read_text())
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split(") ")[1][0] in "ZX"


def test_sys_exit_at_import_and_os_exit_in_a_function_each_get_a_reason(graded):
    assert row(graded, "exits")["passed"] == "0"
    assert "sys.exit" in row(graded, "exits")["reason"]
    assert row(graded, "exits", MSE)["passed"] == "0"
    assert "exited" in row(graded, "exits", MSE)["reason"]


def test_monkeypatching_the_checker_changes_nothing(graded):
    assert row(graded, "patches")["passed"] == "0"
    assert row(graded, "patches", MSE)["passed"] == "0"  # it broke its own later exercise only


def test_printed_pass_lines_and_forged_protocol_lines_do_not_pass(graded):
    assert row(graded, "prints")["passed"] == "0"
    assert "is wrong" in row(graded, "prints")["reason"]
    assert row(graded, "prints", MSE)["passed"] == "1"


def test_raising_at_import_fails_that_exercise_only(graded):
    assert row(graded, "import-error")["passed"] == "0"
    assert "importing your file raised ZeroDivisionError" in row(graded, "import-error")["reason"]
    assert row(graded, "import-error", MSE)["passed"] == "1"


def test_the_network_is_out_of_reach(graded):
    assert row(graded, "network")["passed"] == "0"
    if "unshare" in sandbox.isolation_prefix():  # a real boundary here, not just a deterrent
        assert graded["accepted"] == []


def test_a_missing_workspace_is_graded_as_missing(graded):
    assert row(graded, "empty")["status"] == "missing"


def test_the_html_report_has_the_table_and_a_histogram_per_exercise(graded):
    page = graded["report"].read_text()
    assert page.count("<svg") == 2 and "<table>" in page
    assert "timed out" in page and "import-error" in page


def test_learner_code_cannot_import_torchdojo_to_reach_the_references(graded):
    assert "torchdojo cannot be imported" in row(graded, "peeks")["reason"]
