"""Static checks of a built book: links and images resolve, nothing is loaded from the net.

Used by the tests and by `make book-check` (before the browser opens the pages).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
_LOADS = {("script", "src"), ("link", "href"), ("img", "src"), ("source", "src"),
          ("iframe", "src"), ("video", "src"), ("audio", "src"), ("embed", "src")}


class _Page(HTMLParser):
    """Collects a page's references, ids, title, images and inline CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.ids: set[str] = set()  # percent-decoded, as fragments are compared
        self.title = ""
        self.images = 0
        self.css: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(unquote(values[key]))
        for attr in ("href", "src"):
            if attr in values and values[attr]:
                self.refs.append((tag, attr, values[attr]))
        if values.get("style"):
            self.css.append(values["style"])
        if tag == "img":
            self.images += 1
        if tag in ("title", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "style":
            self.css.append(data)


def _external(url: str) -> bool:
    return url.startswith(("http:", "https:", "//", "ftp:"))


def _local(url: str) -> bool:
    return not (_external(url) or url.startswith(("data:", "mailto:", "javascript:", "about:")))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def check_book(out: Path, lesson_titles: dict[str, str] | None = None) -> list[str]:
    """Problems found in the book at `out` (empty when all is well).

    Every local href/src (and CSS url()/@import) must resolve to a file inside the book,
    and a #fragment to an id on its page; no script, style sheet, font or image may come
    from the network; each lessons/<id>.html must name its lesson (`lesson_titles`) in its
    <title> and show at least one figure (an <img>).
    """
    out = out.resolve()
    problems: list[str] = []
    pages = {p: _parse(p) for p in sorted(out.rglob("*.html")) if ".work" not in p.parts}
    css_seen: set[Path] = set()
    for path, page in pages.items():
        name = path.relative_to(out).as_posix()
        for tag, attr, url in page.refs:
            loads = (tag, attr) in _LOADS
            if _external(url):
                if loads:
                    problems.append(f"{name}: <{tag} {attr}> loads from the network: {url}")
                continue
            if _local(url):
                problems += _resolve(out, path, url, pages, name)
                target = _target(path, url)
                if target.suffix == ".css" and target.is_file() and target not in css_seen:
                    css_seen.add(target)
                    problems += _check_css(out, target, target.read_text(errors="replace"))
        for css in page.css:
            problems += _check_css(out, path, css, where=name)
        if path.parent.name == "lessons" and path.parent.parent == out:
            title = (lesson_titles or {}).get(path.stem)
            if title is not None and title not in page.title:
                problems.append(f"{name}: <title> '{page.title.strip()}' lacks '{title}'")
            if page.images == 0:
                problems.append(f"{name}: no figure (<img>) on the page")
    return problems


def _target(page: Path, url: str) -> Path:
    return (page.parent / unquote(urlsplit(url).path)).resolve()


def _resolve(out: Path, page: Path, url: str, pages: dict[Path, _Page], name: str) -> list[str]:
    """A local reference's problems: a missing file, a file outside the book, a bad #id."""
    parts = urlsplit(url)
    target = _target(page, url) if parts.path else page.resolve()
    if parts.path and not target.is_file():
        return [f"{name}: broken link {url}"]
    if not target.is_relative_to(out.resolve()):
        return [f"{name}: {url} points outside the book"]
    if parts.fragment and target.suffix == ".html":
        other = next((p for q, p in pages.items() if q.resolve() == target), None)
        # ids and fragments compared percent-decoded, which is how browsers end up matching
        # them (nbconvert writes a heading's id encoded: 28%C3%9728 for 28×28)
        if other is not None and unquote(parts.fragment) not in other.ids:
            return [f"{name}: no id '{parts.fragment}' for {url}"]
    return []


def _check_css(out: Path, base: Path, css: str, where: str | None = None) -> list[str]:
    """url()/@import in CSS: nothing from the network, local files must exist."""
    where = where or base.relative_to(out).as_posix()
    problems = []
    for match in _CSS_URL.finditer(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        url = (match.group(1) or match.group(2)).strip()
        if _external(url):
            problems.append(f"{where}: CSS loads from the network: {url}")
        elif _local(url) and not url.startswith("#"):
            if not (base.parent / unquote(urlsplit(url).path)).is_file():
                problems.append(f"{where}: CSS url() does not resolve: {url}")
    return problems
