"""Exercise notebooks and check(N) in them: the cells found, the same hidden checks, the same
progress store, hints that grow, and a clear message for every learner mistake.

A kernel is stood in for by its namespace: IPython's `In`, In[k] being the cell run as [k].
"""

import json

import nbformat
import pytest

from torchdojo.cli import main
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog, progress
from torchdojo.exercises.notebooks import (
    CELL_IDS,
    exercise_notebook,
    marker,
    notebook_name,
    solution_cell_source,
    stub_cell_source,
)
from torchdojo.notebook import check
from torchdojo.notebook import progress as show_progress
from torchdojo.notebook.cells import Cell, learner_code, without_checks

SOFTMAX = catalog.find("softmax")  # exercise 07
EXERCISES = catalog.all_exercises()
CHECK_CELL = "from torchdojo.notebook import check\n\ncheck(7)"
NAIVE = ("import torch\n\ndef softmax(z):\n    e = torch.exp(z)\n"
         "    return e / e.sum(-1, keepdim=True)\n")  # no max subtracted: overflows


def kernel(*cells: str) -> dict:
    """A kernel namespace that has run these cells, as [1], [2], ..."""
    return {"In": ["", *cells]}


def grade(*cells: str, **kwargs):
    """check(7) in a kernel that ran `cells`, then the check cell; in this process (fast)."""
    kwargs.setdefault("in_process", True)
    return check(7, namespace=kernel(*cells, CHECK_CELL), seed=3, **kwargs)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.slug for ex in EXERCISES])
def test_every_exercise_has_a_notebook_with_task_stub_and_check(exercise):
    nb = exercise_notebook(exercise, "../lessons/12_losses.ipynb")
    nbformat.validate(nbformat.from_dict(nb))
    cells = {cell["id"]: "".join(cell["source"]) for cell in nb["cells"]}
    assert list(cells) == list(CELL_IDS)
    assert f'section "{exercise.section}"' in cells["task"] and "(../lessons/" in cells["task"]
    assert cells["stub"].startswith(marker(exercise))
    assert "raise NotImplementedError" in cells["stub"]
    assert '"""' not in cells["stub"].split("\n", 2)[1]  # the module docstring is the task cell
    assert cells["check"].endswith(f"check({exercise.number})")
    assert nb["metadata"]["torchdojo"] == {"exercise": exercise.number, "slug": exercise.slug}


def test_the_cells_graded_are_the_newest_that_define_the_names():
    cells = [Cell(1, "def softmax(z):\n    return z\n"), Cell(2, "x = 1"),
             Cell(3, "import torch\n%matplotlib\ndef softmax(z):\n    return z * 2\ncheck(7)\n"),
             Cell(4, CHECK_CELL)]
    cells[2] = Cell(3, cells[2].source.replace("%matplotlib",
                                               "get_ipython().run_line_magic('matplotlib', '')"))
    code = learner_code(SOFTMAX, cells)
    assert code.source.splitlines() == ["import torch", "", "def softmax(z):",
                                        "    return z * 2", ""]
    assert code.where(4) == "cell [3], line 4"
    assert code.localise("07_softmax.py:3 in softmax", SOFTMAX.file_name) == \
        "cell [3], line 3 in softmax"
    assert without_checks("def f(:\n") == "def f(:\n"  # left for the grader to report


def test_a_function_used_from_another_cell_is_joined_in_run_order():
    relu = "import torch\n\ndef relu(x):\n    return x.clamp(min=0)\n"
    sigmoid = "def sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n"
    code = learner_code(catalog.find("activations"), [Cell(5, sigmoid), Cell(8, relu)])
    assert code.source.index("def sigmoid") < code.source.index("def relu")
    assert code.where(1) == "cell [5], line 1" and code.where(3) == "cell [8], line 1"


def test_a_renamed_or_never_run_function_is_a_clear_message():
    renamed = marker(SOFTMAX) + "\nimport torch\n\ndef my_softmax(z):\n    return z\n"
    with pytest.raises(DojoError, match="cell \\[1\\] defines `my_softmax` but no function "
                                        "`softmax`: the check calls `softmax`"):
        learner_code(SOFTMAX, [Cell(1, renamed)])
    report = check(7, namespace=kernel(CHECK_CELL))
    assert report.status == "fail" and "no cell you have run defines the function `softmax`" \
        in report.text and "Traceback" not in report.text


def test_the_untouched_stub_is_todo_and_no_attempt():
    report = grade(stub_cell_source(SOFTMAX))
    assert report.status == "todo" and "not written yet" in report.text
    assert 'data-dojo-status="todo"' in report.html
    assert progress.standings() == {}


def test_a_wrong_answer_fails_per_case_with_expected_got_and_the_lesson():
    report = grade(NAIVE)
    assert report.status == "fail" and not report.passed
    assert "case 1: PASS" in report.text  # small scores: the naive form is right
    assert "contains nan or inf" in report.text  # scores of 1000 overflow exp
    assert "expected: probs (3, 4) float64" in report.text and "got:      probs" in report.text
    assert f'section "{SOFTMAX.section}"' in report.html and "check(7, seed=3)" in report.html
    assert report.html.count('data-dojo-case="pass"') >= 1
    assert report.html.count('data-dojo-case="fail"') >= 1
    standing = progress.standings()["softmax"]
    assert standing.attempts == 1 and standing.first_passed is None


def test_learner_mistakes_are_messages_in_cell_terms():
    syntax = grade("import torch\n\ndef softmax(z):\n    return (z\n")
    assert syntax.status == "fail" and "syntax error in cell [1], line 4" in syntax.text
    raising = grade("import torch\n\ndef softmax(z):\n    raise ValueError('no')\n")
    assert "raised ValueError: no (cell [1], line 4 in softmax)" in raising.text
    helper = grade("def softmax(z):\n    return SCALE * z\n")
    assert "NameError" in helper.text and "define what they use in those cells" in helper.text
    for report in (syntax, raising, helper):
        assert "Traceback" not in report.text and "07_softmax.py" not in report.text


def test_hints_grow_with_each_request_and_a_pass_is_recorded_as_in_the_terminal():
    first = grade(NAIVE, hint=True)
    second = grade(NAIVE, hint=True)
    assert "hint 1 of 3" in first.text and "hint 2 of 3" not in first.text
    assert "hint 2 of 3" in second.text and "check(7, hint=True) again" in second.text
    assert progress.hint_levels() == {"softmax": 2}  # the store `dojo check --hint` uses

    passed = grade(solution_cell_source(SOFTMAX), record=True)
    assert passed.passed and 'data-dojo-status="pass"' in passed.html
    assert "Next: 40 epsilon-greedy" in passed.text  # the first unpassed, in course order
    assert progress.standings()["softmax"].first_passed is not None
    shown = show_progress()
    assert f"1 of {len(EXERCISES)} exercises passed" in shown.text
    assert "passed  07 softmax" in shown.text and 'data-dojo-progress="softmax"' in shown.html


def test_the_check_runs_in_the_same_sandbox_as_dojo_check():
    report = grade(solution_cell_source(SOFTMAX) + "print('hello from the cell')\n",
                   in_process=False)
    assert report.passed, report.text
    assert "Output of your code:\n  | hello from the cell" in report.text  # the child's output
    assert progress.standings()["softmax"].first_passed is not None


def test_bad_calls_are_messages_not_tracebacks():
    unknown = check(99, namespace=kernel())
    assert unknown.status == "fail" and "unknown exercise '99'" in unknown.text
    outside = check(7)  # pytest is no IPython kernel
    assert "grades the cells run in a Jupyter notebook" in outside.text
    assert "no input history" in check(7, namespace={}).text
    assert "hint is True or False" in check(7, hint="yes", namespace=kernel()).text


def test_exercises_init_notebooks_writes_one_per_exercise_and_keeps_edits(tmp_path, capsys):
    assert main(["exercises", "init", "--notebooks", str(tmp_path)]) == 0
    first = EXERCISES[0]
    assert f"open {notebook_name(first)}" in capsys.readouterr().out
    written = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    assert written == sorted(notebook_name(ex) for ex in EXERCISES)
    assert not list(tmp_path.glob("*.py"))
    path = tmp_path / notebook_name(SOFTMAX)
    nb = json.loads(path.read_text())
    nb["cells"][2]["source"] = solution_cell_source(SOFTMAX)
    path.write_text(json.dumps(nb))
    assert main(["exercises", "init", "--notebooks", str(tmp_path)]) == 0
    assert f"kept your {path.name}" in capsys.readouterr().out
    assert json.loads(path.read_text()) == nb
