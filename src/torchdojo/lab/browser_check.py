"""From the stub to PASS in JupyterLab, driven in headless Chromium (`make lab-check`).

    python -m torchdojo.lab.browser_check [--shots build/lab-check] [--exercise 7]

Starts `dojo lab` on 127.0.0.1 with a temporary workspace, progress store and Jupyter
folders; opens the start page, then the exercise's notebook; runs the check cell on
the untouched stub (the page must say it is not written), on a classic mistake for
softmax (FAIL, expected against got), then types the reference solution into the stub
cell as a learner would paste it (PASS must show); asks `dojo progress` in a terminal
whether the exercise is passed; runs the notebook's progress cell. A screenshot of
each step goes to --shots. Chromium is driven as in the book check (chromedriver's
WebDriver API, the standard library only).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from torchdojo.book.browser_check import WebDriver, find_browser
from torchdojo.exercises import catalog
from torchdojo.exercises.notebooks import CELL_IDS, marker, notebook_name, solution_cell_source
from torchdojo.lab.workspace import START

WINDOW = {"width": 1400, "height": 1050}
WAIT = 240.0  # seconds for any one step (a loaded 2-core machine imports torch slowly)
KEYS = {"ctrl": "\ue009", "shift": "\ue008", "enter": "\ue007"}
# A classic mistake, so that one FAIL shows its expected against got: softmax without
# subtracting the maximum overflows for the check's scores of 1000.
WRONG = {"softmax": "import torch\n\n\ndef softmax(z):\n    e = torch.exp(z)\n"
                    "    return e / e.sum(dim=-1, keepdim=True)\n"}
# the news pop-up would cover the page
NO_NEWS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
           {"fetchNews": "false", "checkForUpdates": False}}


class StepFailed(Exception):
    """A step did not see what it should; the message says what it saw."""


@dataclass
class Step:
    """One step's outcome."""

    name: str
    ok: bool
    detail: str
    shot: str = ""


def hermetic_env(tmp: Path, token: str) -> dict[str, str]:
    """The environment for `dojo lab`: its own progress store and Jupyter folders, no browser."""
    jupyter = tmp / "jupyter"
    env = {**os.environ, "TORCHDOJO_HOME": str(tmp / "dojo-home"), "JUPYTER_TOKEN": token,
           "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_DATA_DIR": str(jupyter / "data"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
           "TORCHDOJO_OFFLINE": "1", "CI": "1"}
    for rel, settings in NO_NEWS.items():
        path = jupyter / "settings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(base: str, token: str, proc: subprocess.Popen, timeout: float) -> None:
    """Until JupyterLab answers its status API with the token (it refuses without one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StepFailed(f"dojo lab exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                pass
        except (OSError, urllib.error.HTTPError):
            time.sleep(1)
            continue
        try:  # and without the token it must refuse
            urllib.request.urlopen(f"{base}/api/status", timeout=5)
        except urllib.error.HTTPError as e:
            if e.code == 403:
                return
            raise StepFailed(f"without a token JupyterLab answered {e.code}, not 403") from e
        raise StepFailed("JupyterLab answered without a token")
    raise StepFailed(f"JupyterLab did not answer within {timeout:.0f} s")


class Lab:
    """The few things done in JupyterLab's page: open, wait, type into a cell, run it, look."""

    def __init__(self, driver: WebDriver, base: str, token: str, shots: Path) -> None:
        self.driver, self.base, self.token, self.shots = driver, base, token, shots
        driver.do("POST", "/window/rect", WINDOW)

    def js(self, script: str, *args):
        return self.driver.do("POST", "/execute/sync", {"script": script, "args": list(args)})

    def keys(self, *names: str) -> None:
        """Press keys together (e.g. shift+enter), then release them."""
        codes = [KEYS.get(n, n) for n in names]
        actions = [{"type": "keyDown", "value": c} for c in codes]
        actions += [{"type": "keyUp", "value": c} for c in reversed(codes)]
        self.driver.do("POST", "/actions",
                       {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def until(self, what: str, probe, timeout: float = WAIT):
        """probe() until it returns something true; StepFailed after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.5)
        raise StepFailed(f"timed out after {timeout:.0f} s waiting for {what}")

    def open(self, path: str, cells: int) -> None:
        """Open a notebook alone and wait until its cells are drawn and its kernel is idle."""
        # `reset`: JupyterLab forgets the tabs it had open, so this is the only notebook
        self.driver.do("POST", "/url",
                       {"url": f"{self.base}/lab/tree/{path}?reset&token={self.token}"})
        self.until(f"{path} to open with an idle kernel", lambda: self.js(
            "return document.querySelectorAll('.jp-NotebookPanel').length === 1"
            " && document.querySelectorAll('.jp-Notebook .jp-Cell').length === arguments[0]"
            " && document.body.innerText.includes('| Idle')", cells))

    def _cell(self, index: int) -> str:
        return f".jp-Notebook .jp-Cell:nth-child({index + 1})"

    def prompt(self, index: int) -> str:
        return self.js("const p = document.querySelector(arguments[0]);"
                       "return p ? p.textContent.trim() : ''",
                       f"{self._cell(index)} .jp-InputPrompt") or ""

    def click_editor(self, index: int) -> None:
        found = self.driver.do("POST", "/element", {"using": "css selector",
                                                    "value": f"{self._cell(index)} .cm-content"})
        self.driver.do("POST", f"/element/{next(iter(found.values()))}/click", {})

    def set_source(self, index: int, text: str) -> None:
        """Select the cell's text and paste `text` over it, as a learner would."""
        self.click_editor(index)
        self.keys("ctrl", "a")
        self.driver.do("POST", "/goog/cdp/execute",
                       {"cmd": "Input.insertText", "params": {"text": text.rstrip("\n")}})
        shown = self.js("return Array.from(document.querySelectorAll(arguments[0]))"
                        ".map(l => l.textContent)", f"{self._cell(index)} .cm-line")
        if [line.rstrip() for line in shown] != [line.rstrip() for line in
                                                  text.rstrip("\n").splitlines()]:
            raise StepFailed(f"the cell shows {len(shown)} lines, not the text typed")

    def run(self, index: int) -> None:
        """Shift+Enter in the cell; wait until its prompt shows a new execution count."""
        before = self.prompt(index)
        self.click_editor(index)
        self.keys("shift", "enter")
        self.until(f"cell {index + 1} to run", lambda: re.fullmatch(
            r"\[\d+\]:", self.prompt(index)) and self.prompt(index) != before)

    def output(self, index: int) -> dict:
        """The dojo result in a cell's output: its status and text ({} when there is none)."""
        return self.js("const o = document.querySelector(arguments[0]);"
                       "return o ? {status: o.getAttribute('data-dojo-status'),"
                       " text: o.innerText} : {}", f"{self._cell(index)} [data-dojo-status]")

    def shot(self, name: str, index: int | None = None) -> str:
        """A screenshot, with the cell's output scrolled into view."""
        if index is not None:
            self.js("const c = document.querySelector(arguments[0]);"
                    "if (c) { c.scrollIntoView({block: 'center'}); }", self._cell(index))
            time.sleep(0.5)
        path = self.shots / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.driver.do("GET", "/screenshot")))
        return str(path)


def check_cell(lab: Lab, stub: int, check: int, answer: str | None) -> dict:
    """Paste the answer into the stub cell (if any), run it and the check; the result shown."""
    if answer is not None:
        lab.set_source(stub, answer)
    lab.run(stub)
    lab.run(check)
    return lab.until("the check's result", lambda: lab.output(check))


def run_steps(lab: Lab, exercise, env: dict[str, str]) -> list[Step]:
    """The learner's path, step by step; stops at the first step that fails."""
    steps: list[Step] = []
    stub, check, progress = (CELL_IDS.index(name) for name in ("stub", "check", "progress"))
    path = f"exercises/{notebook_name(exercise)}"

    def step(name: str, action) -> bool:
        try:
            detail, shot = action()
        except StepFailed as e:
            steps.append(Step(name, False, str(e), lab.shot(f"failed-{name}")))
            return False
        steps.append(Step(name, True, detail, shot))
        return True

    def start_page():
        lab.open(START, 3)
        text = lab.js("return document.querySelector('.jp-Notebook').innerText")
        if "Begin with" not in text:
            raise StepFailed("the start page does not say where to begin")
        return "the start page says where to begin", lab.shot("00-start")

    def stub_run():
        lab.open(path, len(CELL_IDS))
        out = check_cell(lab, stub, check, None)
        if out.get("status") not in ("todo", "fail") or "not written yet" not in out["text"]:
            raise StepFailed(f"the untouched stub gave {out}")
        return f"{out['status'].upper()}: {out['text'].splitlines()[0]}", \
            lab.shot("01-stub-not-written", check)

    def wrong_run():
        out = check_cell(lab, stub, check, marker(exercise) + "\n" + WRONG[exercise.entry])
        if out.get("status") != "fail" or "expected" not in out["text"]:
            raise StepFailed(f"the wrong answer gave {out}")
        reason = out["text"].splitlines()[1] if "\n" in out["text"] else out["text"]
        return f"FAIL: {reason}", lab.shot("02-wrong-answer-fails", check)

    def right_run():
        out = check_cell(lab, stub, check, solution_cell_source(exercise))
        if out.get("status") != "pass" or "PASS" not in out["text"]:
            raise StepFailed(f"the reference solution gave {out}")
        return out["text"].splitlines()[0], lab.shot("03-solution-passes", check)

    def terminal_progress():
        proc = subprocess.run([sys.executable, "-m", "torchdojo", "progress"], env=env,
                              capture_output=True, text=True, timeout=WAIT)
        line = f"passed  {exercise.number:02d} {exercise.slug}"
        if proc.returncode != 0 or line not in proc.stdout:
            raise StepFailed(f"`dojo progress` does not list '{line}':\n{proc.stdout}"
                             f"{proc.stderr}")
        lab.run(progress)
        out = lab.until("the progress cell's table", lambda: lab.output(progress))
        if "1 of" not in out.get("text", ""):
            raise StepFailed(f"the progress cell shows {out}")
        return f"`dojo progress`: {line}; the notebook: {out['text'].splitlines()[0]}", \
            lab.shot("04-progress", progress)

    plan = [("start-page", start_page), ("stub", stub_run)]
    if exercise.entry in WRONG:
        plan.append(("wrong-answer", wrong_run))
    plan += [("solution", right_run), ("progress", terminal_progress)]
    for name, action in plan:
        if not step(name, action):
            break
    return steps


def run(shots: Path, exercise_key: str) -> list[Step]:
    """Start `dojo lab` in a temp folder, drive Chromium through the steps, stop everything."""
    chromium, chromedriver = find_browser()
    exercise = catalog.find(exercise_key)
    token = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="dojo-lab-check-") as tmp:
        tmp = Path(tmp)
        env = hermetic_env(tmp, token)
        port = free_port()
        log = (tmp / "lab.log").open("w")
        lab_proc = subprocess.Popen([sys.executable, "-m", "torchdojo", "lab", "--dir",
                                     str(tmp / "dojo-lab"), "--port", str(port), "--no-browser"],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        driver = None
        try:
            base = f"http://127.0.0.1:{port}"
            try:
                wait_for_server(base, token, lab_proc, WAIT)
            except StepFailed as e:
                return [Step("server", False, str(e))]
            steps = [Step("server", True, f"dojo lab on 127.0.0.1:{port}; 403 without token")]
            driver = WebDriver(chromium, chromedriver, tmp / "chromium")
            return steps + run_steps(Lab(driver, base, token, shots), exercise, env)
        finally:
            if driver is not None:
                driver.close()
            lab_proc.terminate()  # dojo lab stops Jupyter and its kernels
            try:
                lab_proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                lab_proc.kill()
            log.close()
            tail = (tmp / "lab.log").read_text(errors="replace").splitlines()[-15:]
            (shots / "lab.log").parent.mkdir(parents=True, exist_ok=True)
            (shots / "lab.log").write_text("\n".join(tail) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Print one line per step; exit 1 when any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=Path, default=Path("build/lab-check"),
                        help="screenshot folder (default build/lab-check)")
    parser.add_argument("--exercise", default="7", help="exercise to solve (default 7, softmax)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    steps = run(args.shots, args.exercise)
    for s in steps:
        print(f"{'ok  ' if s.ok else 'FAIL'} {s.name:<13} {s.detail}"
              + (f"  [{s.shot}]" if s.shot else ""))
    failed = [s for s in steps if not s.ok]
    print(f"{len(steps)} steps, {len(failed)} failed, {time.monotonic() - start:.0f} s; "
          f"screenshots in {args.shots}" + (f" (the end of dojo lab's log: {args.shots}/lab.log)"
                                            if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
