"""Slide decks printed to PDF by headless Chromium, with and without the speaker notes.

    <out>/slides/<id>.pdf         one page per slide, to hand out
    <out>/slides/<id>.notes.pdf   each slide followed by a page with its teacher notes

reveal.js lays a deck out for print when its URL asks for `?print-pdf`, and puts each
slide's notes on a page after it with `showNotes=separate-page`. Chromium is driven over
its DevTools pipe (`--remote-debugging-pipe`: NUL-terminated JSON on file descriptors 3
and 4), so Debian's `chromium` package is all it needs: no driver, no Python package.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from torchdojo.errors import DojoError
from torchdojo.files import atomic_write_bytes

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio")
INSTALL = "apt-get install -y chromium (Debian, as root), or put chromium on the PATH"

# The deck is laid out for print once reveal.js is ready and its pages stop changing
# (`dojoStale` marks the previous page, until the new one has replaced it).
PRINT_STATE = """(() => !window.dojoStale && typeof Reveal !== 'undefined' && Reveal.isReady()
  && document.readyState === 'complete' ? String(document.querySelectorAll('.pdf-page').length)
  : 'loading')()"""


# Puts two pipe ends on fds 3 and 4, where Chromium looks for them, then becomes Chromium.
_ON_3_AND_4 = ("import os, sys; a, b = int(sys.argv[1]), int(sys.argv[2]); os.dup2(a, 3); "
               "os.dup2(b, 4); os.close(a); os.close(b); os.execv(sys.argv[3], sys.argv[3:])")


def find_chromium() -> str:
    """The Chromium binary, or a one-line DojoError saying how to install it."""
    found = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                  if (path := shutil.which(name))), None)
    if found is None:
        raise DojoError(f"dojo book --pdf needs Chromium to print the slides: {INSTALL}")
    return found


class DevTools:
    """One headless Chromium and the few DevTools calls printing needs."""

    def __init__(self, binary: str, profile: Path, timeout: float = 60.0) -> None:
        self.timeout, self.next_id, self.buffer = timeout, 0, b""
        to_chrome, self._out = os.pipe()  # we write commands; Chromium reads them on fd 3
        self._in, from_chrome = os.pipe()  # Chromium writes replies on fd 4; we read them
        to_chrome, from_chrome = _above_4(to_chrome), _above_4(from_chrome)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ON_3_AND_4, str(to_chrome), str(from_chrome), binary, *FLAGS,
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(to_chrome, from_chrome), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]

    def call(self, method: str, params: dict | None = None, *, page: bool = False) -> Any:
        """Send one command (to the page when `page`) and return its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DojoError(f"Chromium refused {method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def _read(self) -> dict:
        """The next message from Chromium (replies and events alike)."""
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise DojoError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise DojoError("Chromium exited while printing the slides")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                         page=True)["result"].get("value")

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except DojoError:
            pass
        finally:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            os.close(self._out)
            os.close(self._in)


def _above_4(fd: int) -> int:
    """The same pipe end on a descriptor above 4, so moving it to 3 or 4 clobbers neither."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def print_deck(chrome: DevTools, deck: Path, target: Path, *, notes: bool) -> int:
    """Print one deck (laid out by reveal.js for print) to `target`; return its page count."""
    query = "?print-pdf" + ("&showNotes=separate-page" if notes else "")
    chrome.evaluate("window.dojoStale = true")
    went = chrome.call("Page.navigate", {"url": deck.resolve().as_uri() + query}, page=True)
    if went.get("errorText"):
        raise DojoError(f"{deck}: Chromium could not open it ({went['errorText']})")
    state, stable_since = "", time.monotonic()
    deadline = time.monotonic() + chrome.timeout
    while time.monotonic() < deadline:
        now = chrome.evaluate(PRINT_STATE)
        if now != state:
            state, stable_since = now, time.monotonic()
        elif state not in ("loading", "0") and time.monotonic() - stable_since > 0.5:
            break
        time.sleep(0.1)
    else:
        raise DojoError(f"{deck.name}: reveal.js did not lay the deck out for print")
    data = chrome.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True,
                                           "displayHeaderFooter": False}, page=True)["data"]
    pdf = base64.b64decode(data)
    atomic_write_bytes(target, pdf)
    return page_count(pdf)


def page_count(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it (one uncompressed /Type /Page object each)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def print_decks(decks: Iterable[Path], *, timeout: float = 60.0) -> list[tuple[Path, int]]:
    """Each deck as <id>.pdf and <id>.notes.pdf beside it: [(pdf, pages)]."""
    decks = list(decks)
    binary = find_chromium()
    printed = []
    with tempfile.TemporaryDirectory(prefix="dojo-chromium-") as profile:
        chrome = DevTools(binary, Path(profile), timeout)
        try:
            for deck in decks:
                for notes in (False, True):
                    pdf = deck.with_suffix(".notes.pdf" if notes else ".pdf")
                    printed.append((pdf, print_deck(chrome, deck, pdf, notes=notes)))
        finally:
            chrome.close()
    return printed
