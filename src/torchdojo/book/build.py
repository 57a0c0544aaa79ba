"""`dojo book`: execute each lesson (or take it from the cache) and write the course book.

    <out>/index.html            the four parts, every lesson in course order
    <out>/lessons/<id>.html     one page per lesson; <out>/notebooks/<id>.ipynb its notebook
    <out>/slides/<id>.html      reveal.js decks (with --slides)
    <out>/static/               KaTeX, reveal.js, CSS: everything a page loads, no network
    <out>/.cache/ .work/        executed notebooks by source hash; the lessons' working folders
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torchdojo import __version__, registry
from torchdojo.book import convert, results
from torchdojo.book.cache import NotebookCache, cache_key
from torchdojo.book.execute import LessonFailed, execute
from torchdojo.book.extra import require_notebooks
from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_text
from torchdojo.registry import Lesson


@dataclass
class Built:
    """What a build did: which lessons ran, which came from the cache, what failed."""

    out: Path
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    slides: list[str] = field(default_factory=list)
    failures: list[LessonFailed] = field(default_factory=list)

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def select(ids: Sequence[str]) -> list[Lesson]:
    """The lessons named (ids or aliases, in course order), else every ready lesson."""
    if not ids:
        return [lesson for lesson in registry.all_lessons() if lesson.status == "ready"]
    wanted = {registry.find(key).id for key in ids}
    chosen = [lesson for lesson in registry.all_lessons() if lesson.id in wanted]
    for lesson in chosen:
        if lesson.status != "ready":
            raise DojoError(f"lesson '{lesson.id}' is planned, not built yet; "
                            "`dojo list` shows what is ready")
    return chosen


def build(out: Path, ids: Sequence[str] = (), *, quick: bool = False, slides: bool = False,
          keep_going: bool = False, results_path: Path | None = None, force: bool = False,
          timeout: int | None = None, progress: bool = True) -> Built:
    """Build the book into `out`; a failing lesson raises LessonFailed unless `keep_going`."""
    from tqdm.auto import tqdm

    require_notebooks()
    chosen = select(ids)
    measured = results.latest(results_path)
    cache = NotebookCache(out / ".cache")
    built = Built(out)
    notebooks: dict[str, Any] = {}
    bar = tqdm(chosen, desc="book", unit="lesson", disable=not progress, dynamic_ncols=True)
    for lesson in bar:
        bar.set_postfix_str(lesson.id)
        try:
            notebooks[lesson.id] = _executed(lesson, out, cache, built, quick=quick,
                                             force=force, timeout=timeout)
        except LessonFailed as failure:
            if not keep_going:
                bar.close()
                raise
            built.failures.append(failure)
    bar.close()
    for lesson in registry.all_lessons():  # lessons built before, still current, stay in
        if lesson.id not in notebooks and lesson.id not in {f.lesson_id for f in built.failures}:
            if lesson.status == "ready":
                nb = cache.get(lesson.id, cache_key(lesson, quick=quick), quick)
                if nb is not None:
                    notebooks[lesson.id] = nb
    _write(out, notebooks, measured, built, quick=quick, slides=slides,
           measured_from=str(results_path) if results_path else "")
    return built


def _executed(lesson: Lesson, out: Path, cache: NotebookCache, built: Built, *, quick: bool,
              force: bool, timeout: int | None) -> Any:
    """The lesson's executed notebook: from the cache when its key matches, else run now."""
    script = convert.script_text(lesson)
    key = cache_key(lesson, quick=quick, script=script)
    nb = None if force else cache.get(lesson.id, key, quick)
    if nb is not None:
        built.cached.append(lesson.id)
        return nb
    nb = convert.to_notebook(script)
    nb.metadata["title"] = lesson.title
    workdir = out / ".work" / lesson.id
    shutil.rmtree(workdir, ignore_errors=True)
    nb = execute(nb, lesson.id, workdir, quick=quick, timeout=timeout, kernels=out / ".work")
    shutil.rmtree(workdir, ignore_errors=True)  # the lesson's runs/: not part of the book
    cache.put(lesson.id, key, quick, nb)
    built.executed.append(lesson.id)
    return nb


def _write(out: Path, notebooks: dict[str, Any], measured: dict[str, results.Measured],
           built: Built, *, quick: bool, slides: bool, measured_from: str) -> None:
    """Static files, notebooks, slides, lesson pages (with prev/next) and the index."""
    import nbformat

    from torchdojo.book.html import index_page, install_static, lesson_page
    from torchdojo.book.slides import slides_page

    install_static(out / "static", slides=slides)
    for sub in ("lessons", "notebooks", "slides"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    order = [lesson for lesson in registry.all_lessons() if lesson.id in notebooks]
    numbers = {lesson.id: n for n, lesson in enumerate(registry.all_lessons(), start=1)}
    for i, lesson in enumerate(order):
        nb = convert.with_header(notebooks[lesson.id], lesson)  # from the registry, not cached
        nbformat.write(convert.without_notes(nb), out / "notebooks" / f"{lesson.id}.ipynb")
        info = _page_info(lesson, numbers[lesson.id], measured.get(lesson.id), quick=quick,
                          prev=order[i - 1] if i > 0 else None,
                          next=order[i + 1] if i + 1 < len(order) else None)
        if slides:
            _write_text(out / "slides" / f"{lesson.id}.html", slides_page(nb, info))
            built.slides.append(lesson.id)
        if (out / "slides" / f"{lesson.id}.html").is_file():
            info["slides"] = f"../slides/{lesson.id}.html"
        _write_text(out / "lessons" / f"{lesson.id}.html", lesson_page(nb, info))
        built.pages.append(lesson.id)
    _write_text(out / "index.html", index_page(
        _parts(notebooks, measured, out), {
            "first": {"href": f"lessons/{order[0].id}.html", "title": order[0].title}
            if order else None,
            "quick": quick, "version": __version__, "built": time.strftime("%Y-%m-%d %H:%M"),
            "measured_from": measured_from}))


def _page_info(lesson: Lesson, number: int, measured: results.Measured | None, *, quick: bool,
               prev: Lesson | None, next: Lesson | None) -> dict[str, Any]:
    """What a lesson page shows besides the notebook: facts, links, nav."""
    return {
        "id": lesson.id, "title": lesson.title, "number": number,
        "part": registry.PARTS[lesson.part], "source": lesson.source, "target": lesson.target,
        "measured": _measured_lines(measured),
        "measured_where": f"{measured.machine}, {measured.date}" if measured else "",
        "notebook": f"../notebooks/{lesson.id}.ipynb", "slides": None, "quick": quick,
        "static": "../static", "index": "../index.html", "page": f"../lessons/{lesson.id}.html",
        "prev": {"href": f"{prev.id}.html", "title": prev.title} if prev else None,
        "next": {"href": f"{next.id}.html", "title": next.title} if next else None,
    }


def _measured_lines(measured: results.Measured | None) -> list[dict[str, str]]:
    """[{text, verdict}] for the templates; verdict is PASS, FAIL or other (a CSS class)."""
    if measured is None:
        return []
    return [{"text": line, "verdict": row.get("verdict", "").split(" ")[0].strip(":/")}
            for line, row in zip(measured.lines(), measured.rows)]


def _parts(notebooks: dict[str, Any], measured: dict[str, results.Measured],
           out: Path) -> list[dict[str, Any]]:
    """The index's parts: every lesson in course order, linked when its page is built."""
    parts: list[dict[str, Any]] = []
    for number, lesson in enumerate(registry.all_lessons(), start=1):
        if not parts or parts[-1]["part"] != lesson.part:
            parts.append({"part": lesson.part, "title": registry.PARTS[lesson.part],
                          "start": number, "lessons": []})
        built = lesson.id in notebooks
        parts[-1]["lessons"].append({
            "id": lesson.id, "title": lesson.title, "target": lesson.target,
            "href": f"lessons/{lesson.id}.html" if built else None,
            "why": "planned" if lesson.status != "ready" else "not in this build",
            "notebook": f"notebooks/{lesson.id}.ipynb" if built else None,
            "slides": f"slides/{lesson.id}.html"
            if built and (out / "slides" / f"{lesson.id}.html").is_file() else None,
            "measured": _measured_lines(measured.get(lesson.id)),
        })
    return parts


def _write_text(path: Path, text: str) -> None:
    """Write atomically, so an interrupted build never leaves half a page."""
    atomic_write_text(path, text)
