"""Open every page of a built book in headless Chromium; screenshot it; fail on any problem.

    python -m torchdojo.book.browser_check BOOK_DIR [--shots DIR] [--pdf]

Drives Debian's `chromium` through `chromedriver` (package chromium-driver) over its
WebDriver HTTP API with the standard library only. A page fails when it does not load,
logs a console error (a missing file, a script error, a blocked network request), shows
a broken image, or leaves a KaTeX error. The static checks of `linkcheck` run first.
With `--pdf` (or when the book has any), every deck's two PDFs must be there: the one
with notes longer than the one without wherever the deck has speaker notes.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                  "--window-size=1280,900")
MAX_SHOT_HEIGHT = 9000  # px; longer pages are cut in the screenshot (not in the checks)

# In a deck, go to the first slide with a figure (or else with math), for a second screenshot.
GOTO_FIGURE = """
const el = document.querySelector('.slides section img') ||
           document.querySelector('.slides section .katex');
if (!el) { return false; }
const at = Reveal.getIndices(el.closest('section'));
Reveal.slide(at.h, at.v);
return true;
"""

PAGE_FACTS = """
const imgs = Array.from(document.images);
return {
  title: document.title,
  ready: document.readyState,
  images: imgs.length,
  broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 100)),
  katex: document.querySelectorAll('.katex').length,
  katexErrors: Array.from(document.querySelectorAll('.katex-error'))
    .map(e => e.title || e.textContent),
  height: Math.max(document.documentElement.scrollHeight,
                   document.body ? document.body.scrollHeight : 0),
  reveal: typeof Reveal !== 'undefined' ? (Reveal.isReady() ? Reveal.getTotalSlides() : -1) : null,
  notes: document.querySelectorAll('aside.notes').length,
};
"""


@dataclass
class PageReport:
    """What the browser saw on one page."""

    page: str
    title: str = ""
    images: int = 0
    math: int = 0
    slides: int | None = None
    notes: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shot: str = ""


class WebDriver:
    """The few WebDriver calls needed, over chromedriver's HTTP API."""

    def __init__(self, chromium: str, chromedriver: str, profile: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([chromedriver, f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"browserName": "chrome", "goog:loggingPrefs": {"browser": "ALL"},
                "goog:chromeOptions": {"binary": chromium,
                                       "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]}}
        self.session = self._call("POST", "/session",
                                  {"capabilities": {"alwaysMatch": caps}})["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.loads(resp.read())["value"]

    def do(self, method: str, path: str, body: dict | None = None):
        """A call within the session."""
        return self._call(method, f"/session/{self.session}{path}", body)

    def console(self) -> list[dict]:
        """Browser console entries since the last call."""
        return self.do("POST", "/se/log", {"type": "browser"})

    def close(self) -> None:
        try:
            self.do("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def check_page(driver: WebDriver, path: Path, root: Path, shots: Path) -> PageReport:
    """Load one page, collect its facts and console, save a screenshot."""
    name = path.relative_to(root).as_posix()
    report = PageReport(name)
    driver.console()  # drop entries from the previous page
    try:
        driver.do("POST", "/url", {"url": path.resolve().as_uri()})
    except OSError as e:
        report.errors.append(f"did not load: {e}")
        return report
    facts = driver.do("POST", "/execute/sync", {"script": PAGE_FACTS, "args": []})
    for _ in range(30):  # fonts, KaTeX and reveal.js finish after `load`
        if facts["reveal"] != -1:
            break
        time.sleep(0.1)
        facts = driver.do("POST", "/execute/sync", {"script": PAGE_FACTS, "args": []})
    time.sleep(0.2)
    report.title, report.images, report.math = facts["title"], facts["images"], facts["katex"]
    report.slides, report.notes = facts["reveal"], facts["notes"]
    if facts["ready"] != "complete":
        report.errors.append(f"document not loaded (readyState {facts['ready']})")
    report.errors += [f"broken image {src}" for src in facts["broken"]]
    report.errors += [f"KaTeX error: {e}" for e in facts["katexErrors"]]
    if report.slides == -1:
        report.errors.append("reveal.js did not start")
    for entry in driver.console():
        text = f"console {entry['level']}: {entry['message']}"
        (report.errors if entry["level"] == "SEVERE" else report.warnings).append(text)
    stem = name.replace("/", "__")[:-5]
    report.shot = _screenshot(driver, shots / f"{stem}.png",
                              min(int(facts["height"]), MAX_SHOT_HEIGHT),
                              full=report.slides is None)
    if report.slides and driver.do("POST", "/execute/sync", {"script": GOTO_FIGURE, "args": []}):
        time.sleep(0.3)
        _screenshot(driver, shots / f"{stem}.figure.png", 0, full=False)
        report.errors += [f"console {e['level']}: {e['message']}" for e in driver.console()
                          if e["level"] == "SEVERE"]
    return report


def _screenshot(driver: WebDriver, target: Path, height: int, *, full: bool) -> str:
    """Save a PNG of the page (whole page for book pages, the viewport for slides)."""
    if full:
        shot = driver.do("POST", "/goog/cdp/execute", {
            "cmd": "Page.captureScreenshot",
            "params": {"captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": 1280, "height": max(height, 1),
                                "scale": 1}}})["data"]
    else:
        shot = driver.do("GET", "/screenshot")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(base64.b64decode(shot))
    return str(target)


def find_browser() -> tuple[str, str]:
    """(chromium, chromedriver) paths, or SystemExit with how to install them."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        raise SystemExit("book-check needs Debian's chromium and chromium-driver: "
                         "apt-get install -y chromium chromium-driver (as root)")
    return chromium, driver


def run(book: Path, shots: Path) -> list[PageReport]:
    """Check every HTML page of the book (index, lessons, slides) in one browser session."""
    chromium, chromedriver = find_browser()
    pages = sorted(p for p in book.rglob("*.html") if not {".work", ".cache"} & set(p.parts))
    pages.sort(key=lambda p: (p.parent != book, p.parent.name != "lessons", str(p)))
    with tempfile.TemporaryDirectory(prefix="dojo-chromium-") as profile:
        driver = WebDriver(chromium, chromedriver, Path(profile))
        try:
            return [check_page(driver, page, book, shots) for page in pages]
        finally:
            driver.close()


def check_pdfs(book: Path) -> list[str]:
    """Problems with the decks' PDFs (`dojo book --pdf`): missing, not a PDF, notes absent."""
    from torchdojo.book.pdf import page_count

    problems = []
    for deck in sorted((book / "slides").glob("*.html")):
        pages, bad = {}, []
        for suffix in (".pdf", ".notes.pdf"):
            path = deck.with_suffix(suffix)
            data = path.read_bytes() if path.is_file() else b""
            if not data.startswith(b"%PDF"):
                bad.append(f"{path.relative_to(book)}: {'not a PDF' if data else 'missing'}")
            pages[suffix] = page_count(data)
        problems += bad
        has_notes = '<aside class="notes">' in deck.read_text(encoding="utf-8")
        if has_notes and not bad and pages[".notes.pdf"] <= pages[".pdf"]:
            problems.append(f"{deck.stem}: the PDF with notes has {pages['.notes.pdf']} pages, "
                            f"no more than the one without ({pages['.pdf']})")
        print(f"pdf  {deck.stem:28s} {pages['.pdf']:3d} pages, with notes "
              f"{pages['.notes.pdf']:3d}{'' if has_notes else ' (deck has no notes)'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Static checks, then the browser; print one line per page; exit 1 on any problem."""
    from torchdojo import registry
    from torchdojo.book.linkcheck import check_book

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--shots", type=Path, help="screenshot folder (default BOOK/screenshots)")
    parser.add_argument("--pdf", action="store_true",
                        help="require each deck's PDFs, with and without notes")
    args = parser.parse_args(argv)
    if not (args.book / "index.html").is_file():
        raise SystemExit(f"no book at {args.book} (build it with `dojo book --quick`)")
    shots = args.shots or args.book / "screenshots"
    problems = check_book(args.book, {lesson.id: lesson.title for lesson in registry.LESSONS})
    if args.pdf or any((args.book / "slides").glob("*.pdf")):
        problems += check_pdfs(args.book)
    for problem in problems:
        print(f"STATIC {problem}")
    reports = run(args.book, shots)
    for r in reports:
        extra = f" slides={r.slides} notes={r.notes}" if r.slides is not None else ""
        status = "FAIL" if r.errors else "ok  "
        print(f"{status} {r.page:32s} images={r.images:<3d} math={r.math:<4d}{extra}  "
              f"'{r.title}'")
        for line in r.errors:
            print(f"       error: {line}")
        for line in r.warnings:
            print(f"       warning: {line}")
    failed = [r for r in reports if r.errors]
    print(f"{len(reports)} pages, {len(failed)} failed, {len(problems)} static problems; "
          f"screenshots in {shots}")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
