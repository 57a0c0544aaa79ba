"""The commands: from `exercises init` to a first pass; hints, progress, reset, grade."""

import csv
import sys
import threading
import time

import pytest
from clitools import dojo as run_dojo

from torchdojo.cli import main
from torchdojo.exercises import catalog, gradebook
from torchdojo.exercises.judge import Verdict

FIRST = catalog.find("tensor-standardize")  # exercise 01
ANSWER = """    mu = X.mean(dim=0, keepdim=True)
    print("mean of the first column:", float(mu[0, 0]))
    return (X - mu) / X.std(dim=0, correction=0, keepdim=True)
"""


def dojo(*args, cwd, home):
    """The real entry point, as a learner types it."""
    return run_dojo(*args, cwd=cwd, env={"TORCHDOJO_HOME": str(home)})


def solve_first(workspace):
    """What the learner does: replace the TODO of exercise 01 with their code."""
    path = workspace / FIRST.file_name
    lines = path.read_text().splitlines(keepends=True)
    todo = next(i for i, line in enumerate(lines) if "# TODO" in line)
    lines[todo:todo + 2] = [ANSWER]
    path.write_text("".join(lines))


def test_a_new_learner_goes_from_init_to_a_first_pass(tmp_path, dojo_home, capsys):
    code, out, _ = dojo("exercises", "init", "ws", cwd=tmp_path, home=dojo_home)
    start = catalog.all_exercises()[0]  # the first in course order
    assert code == 0 and f"dojo check {start.slug}" in out
    workspace = tmp_path / "ws"
    solve_first(workspace)
    code, out, err = dojo("check", "01", cwd=workspace, home=dojo_home)
    assert code == 0, out + err
    assert "PASS  01 tensor-standardize" in out and "1 of 1 passed" in out
    assert "  | mean of the first column:" in out  # the learner's prints, marked as theirs

    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    exercises = catalog.all_exercises()
    assert f"1 of {len(exercises)} exercises passed" in out
    after = next(ex for ex in exercises if ex is not FIRST)  # course order: Part 0 first
    assert "passed  01 tensor-standardize" in out
    assert f"Next: {after.number:02d} {after.slug}" in out


def test_an_untouched_stub_is_todo_and_the_exit_code_says_so(tmp_path, capsys):
    main(["exercises", "init", str(tmp_path)])
    capsys.readouterr()
    assert main(["check", "--dir", str(tmp_path), "--in-process", "1", "2"]) == 1
    out = capsys.readouterr().out
    assert "TODO  01 tensor-standardize" in out and "not written yet" in out
    assert "0 of 2 passed. Next: 01 tensor-standardize" in out
    from torchdojo.exercises import progress

    assert progress.standings() == {}  # looking at an untouched stub is not an attempt


def test_hints_get_stronger_on_each_request(tmp_path, capsys):
    main(["exercises", "init", str(tmp_path)])
    capsys.readouterr()
    args = ["check", "01", "--dir", str(tmp_path), "--in-process", "--hint"]
    shown = []
    for _ in range(3):
        assert main(args) == 1
        shown.append(capsys.readouterr().out)
    assert "hint 1 of 3" in shown[0] and "hint 2 of 3" not in shown[0]
    assert "hint 2 of 3" in shown[1] and "again for a stronger one" in shown[1]
    assert "hint 3 of 3" in shown[2] and FIRST.hints[2] in shown[2]


def test_a_failure_names_the_input_and_the_lesson_section(tmp_path, capsys):
    main(["exercises", "init", str(tmp_path)])
    path = tmp_path / FIRST.file_name
    path.write_text(path.read_text().replace("    raise NotImplementedError",
                                             "    return X - X.mean(0)"))
    capsys.readouterr()
    assert main(["check", "tensor-standardize", "--dir", str(tmp_path), "--in-process"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  01 tensor-standardize" in out and "Z is wrong at index" in out
    assert "case 1 of 3: X (" in out
    assert f'section "{FIRST.section}"' in out and "--seed" in out


def test_check_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    assert main(["check", "--dir", str(tmp_path)]) == 2
    assert "no exercise files" in capsys.readouterr().err
    assert main(["check", "sofmax", "--dir", str(tmp_path)]) == 2
    assert "did you mean softmax" in capsys.readouterr().err


def test_reset_asks_first_and_refuses_without_a_terminal(monkeypatch, capsys):
    from torchdojo.exercises import progress

    progress.record([("softmax", True, 0.1, "")])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["progress", "--reset"]) == 2
    assert "add --yes" in capsys.readouterr().err and progress.standings()

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["progress", "--reset"]) == 1 and progress.standings()
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["progress", "--reset"]) == 0 and not progress.standings()
    progress.record([("softmax", True, 0.1, "")])
    assert main(["progress", "--reset", "--yes"]) == 0 and not progress.standings()


def test_exercises_list_shows_all_in_order(capsys):
    assert main(["exercises", "list"]) == 0
    out = capsys.readouterr().out
    positions = [out.index(f" {ex.slug} ") for ex in catalog.all_exercises()]
    assert positions == sorted(positions)


def test_a_hundred_submissions_are_graded_in_parallel_with_progress(tmp_path, monkeypatch,
                                                                   capsys):
    exercises = [FIRST]
    for n in range(100):
        (tmp_path / f"learner{n:03d}").mkdir()
    running, most = [0], [0]
    lock = threading.Lock()

    def fake_check(workspace, exercises, **kwargs):  # the sandbox is tested elsewhere
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return [Verdict(ex.slug, workspace.name.endswith("7"), "", seconds=0.02)
                for ex in exercises], ""

    monkeypatch.setattr(gradebook, "check_workspace", fake_check)
    grades = gradebook.grade_class(tmp_path, exercises, jobs=4)
    assert [g.learner for g in grades] == [f"learner{n:03d}" for n in range(100)]
    assert most[0] > 1  # several learners at once
    assert "100/100" in capsys.readouterr().err  # the progress bar
    gradebook.write_csv(grades, exercises, tmp_path / "grades.csv")
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert len(rows) == 100 and sum(r["passed"] == "1" for r in rows) == 10


def test_grade_needs_an_existing_folder(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_links_and_huge_files_are_refused_without_being_read(tmp_path):
    from torchdojo.exercises.grader import check_workspace

    (tmp_path / FIRST.file_name).symlink_to("/dev/zero")
    second = catalog.all_exercises()[1]
    (tmp_path / second.file_name).write_text("#" * 2_000_000)
    verdicts, _ = check_workspace(tmp_path, [FIRST, second], in_process=True)
    assert "not a plain file" in verdicts[0].reason and "larger than 1 MB" in verdicts[1].reason


@pytest.mark.parametrize("layout", ["flat", "nested"])
def test_submissions_may_be_flat_or_one_folder_deep(tmp_path, layout):
    workspace = tmp_path / "ada" / ("dojo" if layout == "nested" else "")
    workspace.mkdir(parents=True)
    (workspace / FIRST.file_name).write_text("x = 1\n")
    assert gradebook.find_submissions(tmp_path, [FIRST]) == {"ada": workspace}
