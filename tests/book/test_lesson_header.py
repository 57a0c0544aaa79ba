"""Each lesson's header is rendered from the registry; no lesson script writes it by hand."""

import json
import re

import pytest

from torchdojo import registry

LESSONS = [lesson for lesson in registry.all_lessons() if lesson.lesson_path is not None]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_no_lesson_script_writes_its_title_or_target(lesson):
    text = lesson.lesson_path.read_text(encoding="utf-8")
    assert not re.search(r"\bTargets?( on [^:]+)?:", text), "the header renders the target"
    assert f"# # {lesson.title}\n" not in text, "the header renders the title"


def test_header_cell_holds_title_part_sources_target_and_exercises():
    pytest.importorskip("nbformat", reason="the notebooks extra is installed by `make test`")
    from torchdojo.book import convert

    cell = convert.header_cell(registry.find("xor"))
    lines = cell.source.splitlines()
    assert lines[0] == "# XOR and the multi-layer network"
    assert "*Part I: Foundations*" in lines[2] and "lesson 14 of 33" in lines[2]
    assert "(or 610, 630, 650, 670, 680, 690, 695)" in lines[2]
    assert "from outline 001 (exercises 610-695)" in lines[2]
    assert "single_layer_acc <= 75 %, mlp_acc >= 100 %" in cell.source
    assert "14 *ReLU and a stable sigmoid*" in cell.source and "`dojo check 14`" in cell.source
    assert cell.metadata["tags"] == [convert.HEADER_TAG]
    assert "Exercises" not in convert.header_cell(registry.find("mnist-mlp")).source  # none
    assert convert.sources("110, 002") == "outline 001 (exercise 110), outline 002"
    assert convert.sources("000 (tutorial 2)") == "outline 000 (tutorial 2)"


def test_with_header_replaces_a_stale_header_and_keeps_the_rest():
    pytest.importorskip("jupytext", reason="the notebooks extra is installed by `make test`")
    from torchdojo.book import convert

    lesson = registry.find("affine")
    nb = convert.to_notebook("# %%\nx = 1\n")
    once = convert.with_header(nb, lesson)
    twice = convert.with_header(once, lesson)
    assert [c.source for c in twice.cells] == [c.source for c in once.cells]
    assert len(twice.cells) == 2 and twice.metadata["title"] == lesson.title
    assert len(nb.cells) == 1  # a copy: the cached notebook is left alone


def test_dojo_lesson_notebook_starts_with_the_registry_header(tmp_path):
    pytest.importorskip("nbformat", reason="the notebooks extra is installed by `make test`")
    from torchdojo.cli import main

    assert main(["lesson", "quickstart", "--dir", str(tmp_path)]) == 0
    nb = json.loads((tmp_path / "quickstart.ipynb").read_text())
    first = "".join(nb["cells"][0]["source"])
    lesson = registry.find("quickstart")
    assert first.startswith(f"# {lesson.title}\n") and lesson.target in first
    assert not any("**Teacher:**" in "".join(c["source"]) for c in nb["cells"])
