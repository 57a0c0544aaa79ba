"""Every lesson ends by asking as well as telling (issue 15): "Your turn", "Check yourself",
"Further reading", in that order and last; and `show.your_turn` runs a cell's experiment only
when asked."""

import ast
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from torchdojo import registry, show
from torchdojo.errors import DojoError
from torchdojo.runner import make_config
from torchdojo.runner.run import experiment_module

LESSONS = sorted((Path(__file__).resolve().parents[1] / "lessons").glob("*.py"))
ENDING = ["Your turn", "Check yourself", "Further reading"]
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
LINK = re.compile(r"\[[^\]]+\]\((https?://[^)\s]+)\)")


CELL = re.compile(r"^# %%( \[markdown\])?(.*)$")


def cells(text: str) -> list[SimpleNamespace]:
    """The percent-format cells of a lesson (what jupytext reads), without importing jupytext:
    kind, source (markdown without its "# "), metadata (the slideshow tag)."""
    out: list[SimpleNamespace] = []
    for line in text.splitlines():
        start = CELL.match(line)
        if start:
            tag = start[2].strip()
            meta = {"slideshow": json.loads(tag.split("=", 1)[1])} if tag else {}
            out.append(SimpleNamespace(cell_type="markdown" if start[1] else "code",
                                       lines=[], metadata=meta))
        elif out:
            out[-1].lines.append(re.sub(r"^# ?", "", line) if out[-1].cell_type == "markdown"
                                 else line)
    for cell in out:
        cell.source = "\n".join(cell.lines).strip("\n")
    return out


def headings(nb) -> list[tuple[int, int, str]]:
    """(cell index, level, title) of every markdown heading, in order."""
    return [(i, len(m[1]), m[2]) for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for m in (HEADING.match(line) for line in cell.source.splitlines()) if m]


def ending(path: Path) -> tuple[object, dict[str, list]]:
    """The notebook and the cells of each of the three closing sections."""
    nb = SimpleNamespace(cells=cells(path.read_text(encoding="utf-8")))
    top = [(i, title) for i, level, title in headings(nb) if level <= 2]
    assert [title for _, title in top[-3:]] == ENDING, (
        f"{path.name}: the last sections are {[t for _, t in top[-3:]]}, not {ENDING}")
    starts = [i for i, _ in top[-3:]]
    for i, title in zip(starts, ENDING):
        assert nb.cells[i].source.startswith(f"## {title}"), f"{title} must open its own cell"
    bounds = [*starts, len(nb.cells)]
    return nb, {title: nb.cells[bounds[k]:bounds[k + 1]] for k, title in enumerate(ENDING)}


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == name]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_ends_with_your_turn_check_yourself_further_reading(path):
    nb, parts = ending(path)
    tagged = any("slideshow" in cell.metadata for cell in nb.cells)
    for title in ENDING:  # a deck with slide tags must start a slide at each section
        first = parts[title][0]
        assert not tagged or first.metadata.get("slideshow", {}).get("slide_type") == "slide", (
            f"{path.name}: '{title}' needs slideshow={{\"slide_type\": \"slide\"}}")

    turn = parts["Your turn"]
    prompts = [i for i, cell in enumerate(turn) if cell.cell_type == "code"]
    assert len(prompts) >= 2, f"{path.name}: Your turn has {len(prompts)} code cells, want >= 2"
    for i in prompts:
        code, before = turn[i].source, turn[i - 1]
        numbered = re.split(r"(?m)^\*\*\d+\.", before.source)  # "**2. Title.** ... ?"
        prompt = numbered[-1].lower()
        assert before.cell_type == "markdown" and len(numbered) > 1 and "predict" in prompt \
            and "?" in prompt, f"{path.name}: no numbered predict question before:\n{code}"
        assert "show.your_turn(" in code, f"{path.name}: run it through show.your_turn:\n{code}"
        assert "show.compare(" in code or "print(" in code, f"{path.name}: nothing to compare"

    checks = "\n".join(cell.source for cell in parts["Check yourself"])
    assert all(cell.cell_type == "markdown" for cell in parts["Check yourself"])
    assert checks.count("<details><summary>Answer</summary>") == 3, path.name
    assert checks.count("</details>") == 3, path.name
    questions = re.split(r"<details>.*?</details>", checks, flags=re.S)[:3]
    assert all("?" in q for q in questions), f"{path.name}: each answer follows a question"

    reading = parts["Further reading"]
    assert all(cell.cell_type == "markdown" for cell in reading)
    links = LINK.findall("\n".join(cell.source for cell in reading))
    assert 2 <= len(links) <= 4, f"{path.name}: {len(links)} links in Further reading"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_prompt_changes_one_real_setting(path):
    """An override is one real, type-correct key that changes the run, quick or full."""
    _, parts = ending(path)
    for cell in parts["Your turn"]:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for call in calls(tree, "run_experiment"):
            overrides = [k.value for k in call.keywords if k.arg == "overrides"]
            assert len(overrides) == 1, f"{path.name}: run_experiment without overrides"
            changes = ast.literal_eval(overrides[0])
            assert len(changes) == 1, f"{path.name}: change one setting, not {changes}"
            module = experiment_module(registry.find(ast.literal_eval(call.args[0])))
            for quick in (True, False):
                assert make_config(module, quick=quick, overrides=changes) != \
                    make_config(module, quick=quick), f"{path.name}: {changes} changes nothing"
        for call in calls(tree, "replace"):
            assert len(call.keywords) == 1, f"{path.name}: replace() changes one setting"


def test_check_yourself_answers_render_hidden_in_html():
    """jupytext keeps the <details> of a real lesson, and nbconvert (the book's renderer)
    passes them through with the markdown inside them rendered."""
    from nbconvert import HTMLExporter

    from torchdojo.book.convert import to_notebook

    nb = to_notebook((LESSONS[0].parent / "autograd.py").read_text(encoding="utf-8"))
    nb.cells = [c for c in nb.cells if c.source.startswith("## Check yourself")]
    assert len(nb.cells) == 1 and nb.cells[0].source.count("<details>") == 3
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    assert body.count("<details><summary>Answer</summary>") == 3
    assert "<code>backward()</code> adds into <code>.grad</code>" in body


def test_further_reading_links_are_not_fetched_by_the_book_check(tmp_path):
    """The link checker flags pages that load from the network, not links one can follow."""
    from torchdojo.book.linkcheck import check_book

    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "x.html").write_text(
        '<title>X</title><img src="data:image/png;base64,AA=="><a href="https://cs231n.github.io/'
        'optimization-2/">notes</a>', encoding="utf-8")
    assert check_book(tmp_path, {"x": "X"}) == []


def test_your_turn_runs_when_asked_and_not_in_quick_mode(monkeypatch, capsys):
    ran = []
    monkeypatch.delenv("DOJO_YOUR_TURN", raising=False)
    monkeypatch.delenv("DOJO_QUICK", raising=False)
    assert show.your_turn(lambda: ran.append(1) or 7) == 7  # a notebook: it runs

    monkeypatch.setenv("DOJO_QUICK", "1")  # the tests and the quick book: it only says so
    assert show.your_turn(lambda: ran.append(2)) is None
    assert "Your turn: run this cell" in capsys.readouterr().out

    monkeypatch.setenv("DOJO_YOUR_TURN", "1")  # asked for, even in quick mode
    assert show.your_turn(lambda: ran.append(3) or 9) == 9
    monkeypatch.delenv("DOJO_QUICK")
    monkeypatch.setenv("DOJO_YOUR_TURN", "0")  # refused, even in a full run
    assert show.your_turn(lambda: ran.append(4)) is None
    assert ran == [1, 3]


def test_compare_prints_before_and_after(capsys):
    show.compare({"val_acc": 0.9, "loss": 0.3}, {"val_acc": 0.8, "loss": 0.5}, "val_acc")
    show.compare(12.0, 18.0)
    show.compare({"val_acc": 0.9}, None)  # a skipped cell: nothing to compare
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{'val_acc':24s} {0.9:10.4g} -> {0.8:10.4g}", "before 12, now 18"]


@pytest.mark.parametrize("old, new", [
    ("## Check yourself", "## Checks"),  # a section missing
    ("show.your_turn(lambda: run_experiment(", "(lambda: run_experiment("),  # runs in tests
    ("*Predict*:", "Now:"),  # no prediction asked
    ("<details><summary>Answer</summary>", "<details>"),  # an answer without its summary
    ('overrides={"labels_per_digit": 20}', 'overrides={"labels_per_digit": 20, "epochs": 1}'),
    ('overrides={"epsilon": 1.0}', 'overrides={"epsilon": 0.1}'),  # the default: no change
    ('overrides={"epsilon": 1.0}', 'overrides={"epsilon_greedy": 1.0}'),  # no such setting
], ids=["section", "unguarded", "predict", "summary", "two-changes", "no-change", "unknown"])
def test_the_checks_see_a_broken_ending(tmp_path, old, new):
    text = (LESSONS[0].parent / "intro.py").read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "intro.py"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises((AssertionError, DojoError)):
        test_lesson_ends_with_your_turn_check_yourself_further_reading(broken)
        test_each_prompt_changes_one_real_setting(broken)
