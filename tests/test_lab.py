"""`dojo lab`: the workspace (course order, links, never a learner's edit lost), how JupyterLab
is started (127.0.0.1, a token kept off the command line, the port it says), and the pieces
of `make wheel-check` and `make lab-check` (both slow, so kept out of `make test`)."""

import json
import socket
import sys

import nbformat
import pytest

from torchdojo import registry
from torchdojo.cli import main
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog
from torchdojo.exercises.notebooks import exercise_notebook, notebook_name, solution_cell_source
from torchdojo.lab import browser_check, launch, wheel_check
from torchdojo.lab.workspace import (
    MANIFEST,
    START,
    lesson_files,
    lesson_text,
    plan,
    read_manifest,
    refresh,
)


@pytest.fixture(scope="module")
def course():
    return plan()


def test_the_workspace_has_every_lesson_in_course_order_and_every_exercise(course):
    ready = [lesson for lesson in registry.all_lessons() if lesson.status == "ready"]
    lessons = sorted(rel for rel in course if rel.startswith("lessons/"))
    assert [rel.split("_", 1)[1].removesuffix(".ipynb") for rel in lessons] == \
        [lesson.id for lesson in ready]  # numbered names sort in course order
    assert sorted(rel for rel in course if rel.startswith("exercises/")) == \
        sorted(f"exercises/{notebook_name(ex)}" for ex in catalog.all_exercises())
    for text in course.values():
        nbformat.validate(nbformat.reads(text, as_version=4))
    xor = registry.find("xor")  # the same lesson writes the same bytes: refreshes change nothing
    assert lesson_text(xor) == lesson_text(xor) == course[lesson_files()["xor"]]


def test_the_start_page_says_where_to_begin_and_links_resolve(course):
    start = "".join("".join(c["source"]) for c in json.loads(course[START])["cells"])
    first = registry.all_lessons()[0]
    assert f"**Begin with** [{first.title}]({lesson_files()[first.id]})" in start
    assert "progress()" in start
    planned = [lesson for lesson in registry.all_lessons() if lesson.status != "ready"]
    assert ("(planned)" in start) == bool(planned)  # listed, never linked
    links = [part.split(")", 1)[0] for part in start.split("](")[1:]]
    assert links and all(link in course for link in links)
    softmax = catalog.find("softmax")
    nb = json.loads(course[f"exercises/{notebook_name(softmax)}"])
    href = f"../{lesson_files()['losses']}"
    assert f"[*{registry.find('losses').title}*]({href})" in "".join(nb["cells"][0]["source"])


def test_a_refresh_writes_updates_and_removes_only_what_the_learner_never_changed(tmp_path):
    files = {"a.ipynb": "a1", "sub/b.ipynb": "b1", "c.ipynb": "c1", "d.ipynb": "d1"}
    first = refresh(tmp_path, files)
    assert sorted(first.written) == sorted(files) and read_manifest(tmp_path)
    (tmp_path / "a.ipynb").write_text("my work")  # the learner's edit
    (tmp_path / "d.ipynb").write_text("mine too")
    again = refresh(tmp_path, {"a.ipynb": "a2", "sub/b.ipynb": "b2", "e.ipynb": "e1"})
    assert again.kept == ["a.ipynb"] and again.updated == ["sub/b.ipynb"]
    assert again.written == ["e.ipynb"] and again.removed == ["c.ipynb"]
    assert (tmp_path / "a.ipynb").read_text() == "my work"
    assert (tmp_path / "d.ipynb").read_text() == "mine too"  # gone from the course, yet kept
    assert (tmp_path / "sub/b.ipynb").read_text() == "b2" and not (tmp_path / "c.ipynb").exists()
    (tmp_path / "a.ipynb").write_text("a1")  # reverted: ours to update again
    assert refresh(tmp_path, {"a.ipynb": "a3"}).updated == ["a.ipynb"]


def test_a_lost_manifest_or_a_stranger_s_file_keeps_every_existing_file(tmp_path):
    (tmp_path / "a.ipynb").write_text("from dojo lesson, long ago")
    (tmp_path / MANIFEST).write_text("{not json")
    done = refresh(tmp_path, {"a.ipynb": "new", "b.ipynb": "new"})
    assert done.kept == ["a.ipynb"] and done.written == ["b.ipynb"]
    assert (tmp_path / "a.ipynb").read_text() == "from dojo lesson, long ago"
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written file left behind


def test_dojo_lab_no_launch_writes_the_workspace_and_keeps_edits(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("torchdojo.lab.workspace.plan", lambda: {START: "s", "lessons/x": "x"})
    folder = tmp_path / "dojo-lab"
    assert main(["lab", "--dir", str(folder), "--no-launch"]) == 0
    assert "2 written" in capsys.readouterr().out
    (folder / START).write_text("edited")
    assert main(["lab", "--dir", str(folder), "--no-launch"]) == 0
    out = capsys.readouterr().out
    assert "1 kept as you left them" in out and f"kept your {START}" in out


def test_dojo_lab_errors_are_one_line(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("")
    assert main(["lab", "--dir", str(afile), "--no-launch"]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_:
        main(["lab", "--port", "0"])
    assert exit_.value.code == 2 and "a port is 1-65535" in capsys.readouterr().err


def test_jupyterlab_listens_on_loopback_with_a_token_kept_off_the_command_line(tmp_path):
    server = launch.server_for(tmp_path, START, env={"PATH": "/bin"}, browser=False)
    command = " ".join(server.command)
    token = server.env["JUPYTER_TOKEN"]
    assert len(token) >= 24 and token not in command and f"?token={token}" in server.url
    assert server.ip == "127.0.0.1" and not server.exposed
    assert server.url.startswith(f"http://127.0.0.1:{server.port}/lab/tree/{START}")
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.port_retries=0" in command
    assert "--ServerApp.open_browser=False" in command and "DOJO_QUICK" not in server.env
    assert server.command[:3] == (sys.executable, "-m", "jupyterlab")
    quick = launch.server_for(tmp_path, START, ip="0.0.0.0", quick=True, env={"JUPYTER_TOKEN": "t"})
    assert quick.exposed and quick.env["DOJO_QUICK"] == "1" and quick.url.endswith("token=t")
    assert quick.url.startswith("http://127.0.0.1:")


def test_a_busy_port_is_refused_or_skipped():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        with pytest.raises(DojoError, match=f"port {busy} on 127.0.0.1 is in use"):
            launch.choose_port("127.0.0.1", busy)
        assert launch.port_free("127.0.0.1", launch.choose_port("127.0.0.1", None))


def test_no_browser_on_ci_and_serve_returns_jupyter_s_exit_code(tmp_path):
    assert launch.default_browser({}) and launch.default_browser({"CI": "false"})
    assert not launch.default_browser({"CI": "true"})
    server = launch.Server((sys.executable, "-c", "raise SystemExit(3)"), {}, "", "", 0)
    assert launch.serve(server) == 3


def test_the_wheel_check_finds_what_a_wheel_lacks_and_fills_a_stub_cell():
    expected = wheel_check.expected_members()
    assert "torchdojo/lessons/xor.py" in expected
    assert "torchdojo/exercises/solutions/07_softmax.py" in expected
    assert "torchdojo/exercises/checks/foundations.py" in expected
    assert wheel_check.wheel_problems(expected, expected) == []
    assert wheel_check.wheel_problems(expected[1:], expected) == [
        f"the wheel lacks {expected[0]}"]
    softmax = catalog.find("softmax")
    nb = wheel_check.solve(exercise_notebook(softmax), solution_cell_source(softmax))
    assert "".join(nb["cells"][2]["source"]) == solution_cell_source(softmax)
    executed = nbformat.from_dict(nb)
    executed.cells[3]["outputs"] = [nbformat.v4.new_output(
        "display_data", data={"text/html": '<div data-dojo-status="pass">PASS</div>'})]
    assert wheel_check.check_outputs(executed) == ['<div data-dojo-status="pass">PASS</div>']


def test_the_lab_check_keeps_jupyter_and_progress_off_the_user_s_folders(tmp_path):
    env = browser_check.hermetic_env(tmp_path, "tok")
    for key in ("TORCHDOJO_HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                "JUPYTERLAB_SETTINGS_DIR"):
        assert env[key].startswith(str(tmp_path))
    assert env["JUPYTER_TOKEN"] == "tok" and env["CI"] == "1"
    assert list((tmp_path / "jupyter" / "settings").rglob("*.jupyterlab-settings"))
