"""The course book: two cheap lessons built in quick mode, then their HTML checked."""

import html
import json
import re
import shutil
import sys

import pytest

pytest.importorskip("nbclient", reason="the notebooks extra is installed by `make test`")

from torchdojo import registry  # noqa: E402
from torchdojo.book import build as book_build  # noqa: E402
from torchdojo.book import cache, convert, linkcheck, results, slides  # noqa: E402
from torchdojo.book.execute import LessonFailed  # noqa: E402
from torchdojo.cli import main  # noqa: E402
from torchdojo.exercises.notebooks import language_info  # noqa: E402

IDS = ("tensors", "affine")
TITLES = {lesson.id: lesson.title for lesson in registry.all_lessons()}


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A verify summary that measured `tensors` only."""
    path = tmp_path_factory.mktemp("verify") / "verify-20990101-000000.json"
    path.write_text(json.dumps({"machine": "test machine", "date": "2099-01-01", "rows": [
        {"lesson": "tensors", "check": "default", "dataset": "generated",
         "measured": "checks_failed=0", "verdict": "PASS", "seconds": 1.0, "run_dir": ""}]}))
    return path


@pytest.fixture(scope="module")
def book(fake_data, measured, tmp_path_factory):
    """tensors and affine, executed in quick mode, with slides."""
    out = tmp_path_factory.mktemp("book")
    built = book_build.build(out, IDS, quick=True, slides=True, results_path=measured,
                             progress=False)
    assert sorted(built.executed) == sorted(IDS) and built.cached == []
    return out


def _text(path):
    return path.read_text(encoding="utf-8")


def _link(page, rel):
    """The href of the page's <a rel=REL> (prev/next), whatever the attribute order."""
    for tag in re.findall(r"<a\b[^>]*>", page):
        if f'rel="{rel}"' in tag:
            return re.search(r'href="([^"]*)"', tag).group(1)
    return None


def test_links_images_and_no_network(book):
    assert linkcheck.check_book(book, TITLES) == []
    for lesson_id in IDS:
        page = _text(book / "lessons" / f"{lesson_id}.html")
        assert f"<title>{TITLES[lesson_id]}</title>" in page
        assert re.search(r'<img[^>]+src="data:image/png;base64,', page), "no figure"
        assert "../static/katex/katex.min.js" in page and "mathjax" not in page.lower()
        assert (book / "notebooks" / f"{lesson_id}.ipynb").is_file()
    assert not (book / ".work" / "tensors").exists(), "lesson run folders must not stay"


def test_index_lists_every_lesson_in_course_order(book):
    index = _text(book / "index.html")
    for title in registry.PARTS.values():
        assert title in index
    listed = re.findall(r"<code>([a-z0-9-]+)</code>", index)
    assert listed == [lesson.id for lesson in registry.all_lessons()]
    linked = re.findall(r'href="lessons/([a-z0-9-]+)\.html"', index)
    assert set(linked) == set(IDS)


def test_lesson_page_facts_and_navigation(book):
    tensors, affine = (_text(book / "lessons" / f"{i}.html") for i in IDS)
    assert _link(tensors, "next") == "affine.html" and _link(tensors, "prev") is None
    assert _link(affine, "prev") == "tensors.html" and _link(affine, "next") is None
    assert "checks_failed=0" in tensors and "PASS" in tensors and "test machine" in tensors
    assert "not measured yet" in affine
    # the header cell from the registry (title, derived target), then what was measured
    assert f"<h1 id=\"{TITLES['affine'].replace(' ', '-')}\"" in affine
    assert registry.find("affine").target in affine
    assert affine.index(registry.find("affine").target) < affine.index("Last measured")
    assert 'href="../notebooks/affine.ipynb"' in affine
    # the outputs really came from running the lesson
    assert "max |ours - nn.Linear| = 0.0" in affine


def test_checker_finds_broken_links_and_cdn_loads(book, tmp_path):
    copy = tmp_path / "book"
    shutil.copytree(book, copy, ignore=shutil.ignore_patterns(".cache"))
    page = copy / "lessons" / "affine.html"
    text = _text(page).replace("</head>", '<script src="https://cdn.example.org/x.js"></script>'
                               '<style>@import "https://fonts.example.org/f.css";</style>'
                               "</head>", 1)
    text = text.replace("../notebooks/affine.ipynb", "../notebooks/nope.ipynb")
    # an id written percent-encoded, as nbconvert writes "28×28", is found as browsers find it
    text = text.replace("</body>", '<h2 id="a-28%C3%9728-grid">x</h2><a href="#a-28%C3%9728-'
                        'grid">in</a><a href="#a-28×28-grid">in</a><a href="#nowhere">x</a>'
                        "</body>", 1)
    page.write_text(re.sub(r'<img[^>]*src="data:[^"]*"[^>]*>', "", text))
    found = "\n".join(linkcheck.check_book(copy, TITLES))
    assert "no id 'nowhere'" in found and "28" not in found
    assert "loads from the network: https://cdn.example.org/x.js" in found
    assert "CSS loads from the network: https://fonts.example.org/f.css" in found
    assert "broken link ../notebooks/nope.ipynb" in found
    assert "lessons/affine.html: no figure" in found


def test_rebuild_reexecutes_only_the_changed_lesson(book, measured, monkeypatch):
    again = book_build.build(book, IDS, quick=True, results_path=measured, progress=False)
    assert again.executed == [] and sorted(again.cached) == sorted(IDS)
    original = convert.script_text
    monkeypatch.setattr(convert, "script_text", lambda lesson: original(lesson) + (
        "\n# %%\nprint('changed lesson')\n" if lesson.id == "affine" else ""))
    changed = book_build.build(book, IDS, quick=True, results_path=measured, progress=False)
    assert changed.executed == ["affine"] and changed.cached == ["tensors"]
    assert "changed lesson" in _text(book / "lessons" / "affine.html")
    assert len(list((book / ".cache").glob("affine.quick.*.ipynb"))) == 1  # stale one dropped


def test_cache_key_depends_on_source_mode_and_version(monkeypatch):
    lesson = registry.find("affine")
    key = cache.cache_key(lesson, quick=True)
    assert key == cache.cache_key(lesson, quick=True)
    assert key != cache.cache_key(lesson, quick=False)
    assert key != cache.cache_key(lesson, quick=True, script=convert.script_text(lesson) + " ")
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    assert key != cache.cache_key(lesson, quick=True)


def test_failing_lesson_names_lesson_cell_and_error(book, measured, monkeypatch, tmp_path):
    out = tmp_path / "book"
    shutil.copytree(book, out)  # its cache has affine; tensors is made to fail
    original = convert.script_text
    monkeypatch.setattr(convert, "script_text", lambda lesson: (
        "# %%\nx = 1\n\n# %%\nraise ValueError('boom in the lesson')\n"
        if lesson.id == "tensors" else original(lesson)))
    with pytest.raises(LessonFailed) as info:
        book_build.build(out, IDS, quick=True, results_path=measured, progress=False)
    message = str(info.value)
    assert message.startswith("lesson 'tensors' failed in cell 2 `raise ValueError(")
    assert "ValueError: boom in the lesson" in message and "\n" not in message
    built = book_build.build(out, IDS, quick=True, keep_going=True, results_path=measured,
                             progress=False)
    assert [f.lesson_id for f in built.failures] == ["tensors"] and "affine" in built.pages


def test_slides_offline_from_tags_or_headings(book):
    deck = _text(book / "slides" / "tensors.html")
    assert '<script src="../static/reveal/dist/reveal.js"></script>' in deck
    assert "unpkg.com" not in deck and "require.js" not in deck
    assert deck.count("<section") >= 4
    # the header slide, as HTML: "<=" arrives as "&lt;="
    assert html.escape(registry.find("tensors").target, quote=False) in deck
    assert deck.count('<aside class="notes">') >= 2 and "dojo-note-teacher" in deck
    assert "**Teacher:**" not in _text(book / "notebooks" / "tensors.ipynb")
    # what the kernel reported when it ran (nbclient writes it): the same as we write, so
    # opening a notebook in Jupyter does not mark it as edited
    ran = json.loads(_text(book / "notebooks" / "tensors.ipynb"))["metadata"]["language_info"]
    assert ran == language_info()
    assert "Teacher:" not in _text(book / "lessons" / "tensors.html")
    nb = convert.to_notebook("# %% [markdown]\n# # Title\n# text\n\n# %%\nx = 1\n\n"
                             "# %% [markdown]\n# more\n\n# %% [markdown]\n# ## Part\n")
    kinds = [c.metadata["slideshow"]["slide_type"] for c in slides.with_slide_types(nb).cells]
    assert kinds == ["slide", "subslide", "subslide", "slide"]
    tagged = convert.to_notebook('# %% [markdown] slideshow={"slide_type": "slide"}\n# # A\n\n'
                                 '# %%\nx = 1\n\n'
                                 '# %% slideshow={"slide_type": "fragment"}\ny = 2\n')
    kinds = [c.metadata["slideshow"]["slide_type"] for c in slides.with_slide_types(tagged).cells]
    assert kinds == ["slide", "-", "fragment"]


def test_latest_results_take_the_newest_summary_per_lesson(tmp_path):
    folder = tmp_path / "runs" / "verify"
    folder.mkdir(parents=True)
    for date, rows in (("2099-01-01", [("xor", "PASS"), ("affine", "PASS")]),
                       ("2099-02-01", [("xor", "FAIL"), ("vae", "planned")])):
        (folder / f"verify-{date}.json").write_text(json.dumps({
            "machine": "m", "date": date, "rows": [
                {"lesson": lesson, "check": "default", "dataset": "generated",
                 "measured": "acc=1", "verdict": verdict, "seconds": 1, "run_dir": ""}
                for lesson, verdict in rows]}))
    monkeypatch_packaged = results.PACKAGED
    try:
        results.PACKAGED = tmp_path / "absent.json"
        found = results.latest(cwd=tmp_path)
    finally:
        results.PACKAGED = monkeypatch_packaged
    assert found["xor"].rows[0]["verdict"] == "FAIL" and found["xor"].date == "2099-02-01"
    assert found["affine"].lines() == ["acc=1: PASS"] and "vae" not in found


def test_dojo_lesson_writes_a_notebook_and_never_overwrites(tmp_path, capsys):
    assert main(["lesson", "610", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "xor.ipynb"
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert any("run_experiment" in "".join(c["source"]) for c in nb["cells"])
    path.write_text(path.read_text().replace("XOR", "my notes on XOR"))
    edited = path.read_text()
    assert main(["lesson", "xor", "--dir", str(tmp_path)]) == 0
    assert path.read_text() == edited and "kept your" in capsys.readouterr().out


def test_without_the_extra_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "nbclient", None)
    assert main(["book", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "pip install 'torchdojo[notebooks]'" in err
    assert not (tmp_path / "index.html").exists()
