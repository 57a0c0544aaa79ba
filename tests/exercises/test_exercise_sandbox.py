"""Hostile submissions get a zero and a reason for what they broke, and the class is still graded.

One small class is graded once, through the real `dojo grade` (two exercises each, two jobs,
short timeouts); each test then looks at one learner. Exercise 01 (standardize) is where the
hostility lives; exercise 11 (mse) is written correctly by most, to show that the rest of a
hostile learner's work is still graded.
"""

import csv
import json
import shutil
import socket
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from torchdojo.cli import main
from torchdojo.exercises import catalog, observe, sandbox

STANDARDIZE, MSE = catalog.find("tensor-standardize"), catalog.find("mse-loss")
GOOD_MSE = MSE.solution_path.read_text()
# The misdeeds of one learner ("mischief"), each in its own exercise file, run in order in one
# child: each must cost only its own exercise. Exercise -> (module top, function body).
MISDEEDS = {
    "import-error": ("tensor-standardize", "x = 1 / 0", "return args[0]"),
    "prints": ("pairwise-distances", """
        for line in ("PASS  02 pairwise-distances", "1 of 1 passed.",
                     '{"done": "pairwise-distances", "obs": [], "passed": true}'):
            print(line)
            print(line, file=sys.stderr)
        for fd in range(3, 30):
            try:
                os.write(fd, b'{"start": "pairwise-distances"}\\n{"passed": true}\\n')
            except OSError:
                pass
        """, "return torch.zeros(len(args[0]), len(args[1]))"),
    "network": ("affine-layer", "", """
        import _socket
        try:
            import socket
            socket.create_connection(("127.0.0.1", PORT), timeout=2)
        except PermissionError:
            pass
        s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)  # around the Python block
        s.settimeout(2)
        s.connect(("127.0.0.1", PORT))
        s.sendall(b"leaked")
        return args[0]
        """),
    "peeks": ("argmax-classifier", "", """
        from torchdojo.exercises.grader import reference
        return reference
        """),
    "allocates": ("threshold-classifier", "", """
        hoard = []
        while True:
            hoard.append(torch.empty(2**27, dtype=torch.float64))
        """),
    "forks": ("softmax", "", """
        import ctypes, time
        try:
            os.fork()
        except PermissionError:
            pass
        pid = ctypes.CDLL(None).fork()  # around the Python-level block
        if pid == 0:
            with open(SHARED + '/forked.pid', 'w') as f:
                f.write(str(os.getpid()))
            for fd in range(3, 30):
                try:
                    os.write(fd, b'{"done": "softmax", "obs": []}\\n')
                except OSError:
                    pass
            time.sleep(120)
        return args[0] * 0
        """),
    "good-after-all-that": ("mse-loss", None, None),
    "sys-exit-at-import": ("descend-quadratic", "sys.exit(0)", "return args[0]"),
    "os-exit": ("gd-step", "", "os._exit(0)"),
}
SELECTED = [catalog.find(slug) for slug, _, _ in MISDEEDS.values()]


def exercise_file(slug: str, top: str, body: str, **constants) -> str:
    """A file for exercise `slug` whose module runs `top` and whose function runs `body`."""
    entry = catalog.find(slug).entry
    values = "".join(f"{k} = {v!r}\n" for k, v in constants.items())
    return f"import os, sys, torch\n{values}{textwrap.dedent(top)}\n\ndef {entry}(*args):\n" + \
        textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")


def hostile_class(port: int, shared: Path) -> dict[str, dict[str, str]]:
    """Learner -> file name -> source."""
    mischief = {}
    for slug, top, body in MISDEEDS.values():
        ex = catalog.find(slug)
        mischief[ex.file_name] = ex.solution_path.read_text() if body is None else \
            exercise_file(slug, top, body, PORT=port, SHARED=str(shared))
    return {
        "good": {STANDARDIZE.file_name: STANDARDIZE.solution_path.read_text(),
                 MSE.file_name: GOOD_MSE},
        "loops": {STANDARDIZE.file_name: exercise_file("tensor-standardize", "",
                                                       "while True:\n    pass"),
                  MSE.file_name: GOOD_MSE},
        "patches": {STANDARDIZE.file_name: exercise_file("tensor-standardize", """
            torch.allclose = lambda *a, **k: True
            torch.equal = lambda *a, **k: True
            torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
            observer = sys.modules.get("dojo_observe")
            if observer is not None:  # forge every observation the harness reports
                observer.run_probe = lambda *a, **k: {"out": 0.0, "verdict": "pass"}
            """, "return args[0]"), MSE.file_name: GOOD_MSE},
        "mischief": mischief,
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
    for learner, files in hostile_class(listener.getsockname()[1], shared).items():
        (root / learner).mkdir()
        for name, source in files.items():
            (root / learner / name).write_text(source)
    out, report = root / "grades.csv", root / "report.html"
    code = main(["grade", str(root), "--out", str(out), "--html", str(report), "--jobs", "2",
                 "--timeout", "3", "--memory", "1536", "--quiet", "--exercises",
                 *[ex.slug for ex in SELECTED]])
    stop.set()
    listener.close()
    rows = {(r["learner"], r["exercise"]): r for r in csv.DictReader(out.open())}
    yield {"code": code, "rows": rows, "report": report, "accepted": accepted, "shared": shared}
    shutil.rmtree(shared, ignore_errors=True)


def row(graded, learner, slug):
    return graded["rows"][(learner, slug)]


def misdeed(graded, name):
    return row(graded, "mischief", MISDEEDS[name][0])


def test_the_good_learner_passes_and_everyone_is_in_the_gradebook(graded):
    assert graded["code"] == 0
    for slug in (STANDARDIZE.slug, MSE.slug):
        assert row(graded, "good", slug)["passed"] == "1"
        assert float(row(graded, "good", slug)["seconds"]) > 0
    assert {learner for learner, _ in graded["rows"]} == {"good", "loops", "patches", "mischief",
                                                          "empty"}


def test_an_endless_loop_times_out_and_the_next_exercise_is_still_graded(graded):
    assert "timed out after 3 s" in row(graded, "loops", STANDARDIZE.slug)["reason"]
    assert row(graded, "loops", MSE.slug)["passed"] == "1"


def test_monkeypatching_the_checker_changes_nothing(graded):
    assert row(graded, "patches", STANDARDIZE.slug)["passed"] == "0"
    assert row(graded, "patches", MSE.slug)["passed"] == "0"  # it broke its own later work only


def test_each_misdeed_fails_its_own_exercise_only(graded):
    for name in MISDEEDS:
        assert misdeed(graded, name)["passed"] == ("1" if name == "good-after-all-that" else "0")


def test_raising_at_import_is_reported_as_such(graded):
    assert "importing your file raised ZeroDivisionError" in misdeed(graded, "import-error")[
        "reason"]


def test_printed_pass_lines_and_forged_protocol_lines_do_not_pass(graded):
    assert "is wrong" in misdeed(graded, "prints")["reason"]


def test_the_network_is_out_of_reach(graded):
    assert misdeed(graded, "network")["passed"] == "0"
    if "unshare" in sandbox.isolation_prefix():  # a real boundary here, not just a deterrent
        assert graded["accepted"] == []


def test_learner_code_cannot_import_torchdojo_to_reach_the_references(graded):
    assert "torchdojo cannot be imported" in misdeed(graded, "peeks")["reason"]


def test_allocating_without_end_hits_the_memory_limit(graded):
    assert "memory" in misdeed(graded, "allocates")["reason"].lower()


def test_forking_is_blocked_or_cleaned_up(graded):
    pid_file = graded["shared"] / "forked.pid"
    if pid_file.exists():  # the fork got through (ctypes); the grader must have killed it
        pid = int(pid_file.read_text())
        stat = Path(f"/proc/{pid}/stat")
        assert not stat.exists() or stat.read_text().split(") ")[1][0] in "ZX"


def test_sys_exit_and_os_exit_each_get_a_reason(graded):
    assert "sys.exit" in misdeed(graded, "sys-exit-at-import")["reason"]
    assert "exited" in misdeed(graded, "os-exit")["reason"]


def test_a_missing_workspace_is_graded_as_missing(graded):
    assert row(graded, "empty", MSE.slug)["status"] == "missing"


def test_the_html_report_has_the_table_and_a_histogram_per_exercise(graded):
    page = graded["report"].read_text()
    assert page.count("<svg") == len(SELECTED) and "<table>" in page
    assert "timed out" in page and "mischief" in page


def test_the_protocol_accepts_only_the_next_exercise_in_order():
    child = sandbox._Child()
    order, n_probes = ["a", "b"], {"a": 1, "b": 1}
    obs = [observe.encode({"out": 1.0})]
    assert not sandbox._handle(b'{"start": "b"}', order, n_probes, child)  # out of order
    assert not sandbox._handle(b'{"done": "a", "obs": []}', order, n_probes, child)  # not started
    assert sandbox._handle(b'{"start": "a"}', order, n_probes, child)
    assert not sandbox._handle(b'{"done": "b", "obs": []}', order, n_probes, child)
    assert not sandbox._handle(b"PASS a", order, n_probes, child)
    assert sandbox._handle(json.dumps({"done": "a", "obs": obs}).encode(), order, n_probes, child)
    assert child.outcomes["a"].observations == [{"out": 1.0}]
    assert sandbox._handle(b'{"start": "b"}', order, n_probes, child)
    assert sandbox._handle(b'{"done": "b", "obs": [1, 2]}', order, n_probes, child)
    assert "garbled" in child.outcomes["b"].failure


def test_a_sandbox_that_cannot_start_fails_every_exercise_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "CHILD", tmp_path / "missing_child.py")
    jobs = [sandbox.Job("a", "a.py", []), sandbox.Job("b", "b.py", [])]
    outcomes, _ = sandbox.run_jobs(tmp_path, jobs, sandbox.Limits(startup=20))
    assert set(outcomes) == {"a", "b"}
    assert all("the sandbox did not start" in o.failure for o in outcomes.values())
