"""Teacher notes: speaker notes in the decks, colour-coded by kind; hidden from learners."""

import re
import shutil

import pytest

pytest.importorskip("nbconvert", reason="the notebooks extra is installed by `make test`")

from torchdojo import registry  # noqa: E402
from torchdojo.book import convert, html, slides  # noqa: E402
from torchdojo.cli import main  # noqa: E402

SCRIPT = """# %% [markdown]
# # A title
#
# The narrative.

# %% [markdown]
# **Teacher:** Ask the room to predict the output first.

# %%
print(1 + 1)

# %% [markdown]
# **Say:** Addition, as *you* know it.

# %% [markdown]
# ## The second slide

# %% [markdown]
# Not a note: **Teacher:** only counts on the first line.
"""
INFO = {"static": "../static", "page": "p.html", "index": "i.html", "title": "A title",
        "id": "x", "number": 1, "part": "Part I", "measured": [], "measured_where": "",
        "notebook": "n.ipynb", "slides": None, "quick": True, "prev": None, "next": None}


@pytest.fixture(scope="module")
def nb():
    return convert.to_notebook(SCRIPT)


def _asides(deck):
    return re.findall(r'<aside class="notes">(.*?)</aside>', deck, re.S)


def test_notes_are_found_by_their_first_line_and_tagged(nb):
    kinds = [convert.note_kind(cell) for cell in nb.cells]
    assert kinds == [None, "teacher", None, "say", None, None]
    assert nb.cells[1].metadata["tags"] == ["teacher"] and nb.cells[3].metadata["tags"] == ["say"]
    assert "tags" not in nb.cells[5].metadata  # a marker further down is just text
    again = convert.tag_notes(nb)
    assert again.cells[1].metadata["tags"] == ["teacher"]  # idempotent


def test_deck_turns_notes_into_colour_coded_speaker_notes(nb):
    typed = slides.with_slide_types(nb)
    assert [c.metadata["slideshow"]["slide_type"] for c in typed.cells] == [
        "slide", "notes", "subslide", "notes", "slide", "subslide"]
    deck = slides.slides_page(nb, INFO)
    asides = _asides(deck)
    assert len(asides) == 2
    teacher, say = asides
    assert 'class="dojo-note dojo-note-teacher"' in teacher and "#c5221f" in teacher  # red
    assert "<strong>Teacher:</strong> Ask the room" in teacher
    assert 'class="dojo-note dojo-note-say"' in say and "#f9ab00" in say  # yellow
    assert "<em>you</em>" in say  # the note's markdown is rendered
    assert "jp-Cell" not in teacher + say  # only the note, not a notebook cell around it
    # each note sits in the section of the cell above it, before that section closes
    first_section = deck[deck.index("<section"):deck.index("</section>")]
    assert "Ask the room" in first_section and "The narrative." in first_section
    assert "Not a note" in deck and deck.count("Not a note") == 1


def test_tagged_decks_keep_their_types_and_notes_stay_notes():
    nb = convert.to_notebook('# %% [markdown] slideshow={"slide_type": "slide"}\n# # A\n\n'
                             '# %% [markdown]\n# **Say:** hello\n\n'
                             '# %% slideshow={"slide_type": "fragment"}\ny = 2\n')
    kinds = [c.metadata["slideshow"]["slide_type"] for c in slides.with_slide_types(nb).cells]
    assert kinds == ["slide", "notes", "fragment"]


def test_learner_notebook_and_book_page_hide_the_notes(nb):
    learner = convert.without_notes(nb)
    assert [c.source.splitlines()[0] for c in learner.cells] == [
        "# A title", "print(1 + 1)", "## The second slide",
        "Not a note: **Teacher:** only counts on the first line."]
    assert len(nb.cells) == 6  # the original keeps them, for the deck
    page = html.lesson_page(nb, INFO)
    assert "The narrative." in page and "Ask the room" not in page and "Addition" not in page


# Every lesson carries notes now (issue 15 asked for the first ten at least)
NOTED = tuple(lesson.id for lesson in registry.all_lessons() if lesson.lesson_path)


def test_lessons_with_notes_have_both_kinds_and_no_learner_sees_them():
    with_notes = [lesson for lesson in registry.all_lessons() if lesson.lesson_path
                  and "**Teacher:**" in lesson.lesson_path.read_text(encoding="utf-8")]
    assert set(NOTED) <= {lesson.id for lesson in with_notes}
    for lesson in with_notes:
        nb = convert.to_notebook(convert.script_text(lesson))
        kinds = [convert.note_kind(cell) for cell in nb.cells]
        if lesson.id in NOTED:  # what to do and what to say, a few of each
            assert 2 <= sum(k is not None for k in kinds) <= 6, lesson.id
            assert {"teacher", "say"} <= set(kinds), lesson.id
        learner = convert.without_notes(nb)
        assert not any("**Teacher:**" in c.source or "**Say:**" in c.source
                       for c in learner.cells), lesson.id


def test_pdf_without_chromium_is_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["book", "--slides", "--pdf", "--out", str(tmp_path / "book")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Chromium" in err and "apt-get install -y chromium" in err
    assert not (tmp_path / "book").exists()  # refused before building anything


def test_book_check_wants_both_pdfs_and_more_pages_with_notes(tmp_path):
    from torchdojo.book.browser_check import check_pdfs

    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "x.html").write_text('<section><aside class="notes">hi</aside></section>')
    page = b"1 0 obj << /Type /Page >> endobj\n"
    (folder / "x.pdf").write_bytes(b"%PDF-1.4\n" + page * 2 + b"<< /Type /Pages >>")
    assert check_pdfs(tmp_path) == ["slides/x.notes.pdf: missing"]
    (folder / "x.notes.pdf").write_bytes(b"%PDF-1.4\n" + page * 2)
    assert check_pdfs(tmp_path) == [
        "x: the PDF with notes has 2 pages, no more than the one without (2)"]
    (folder / "x.notes.pdf").write_bytes(b"%PDF-1.4\n" + page * 3)
    assert check_pdfs(tmp_path) == []
