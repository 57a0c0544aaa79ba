"""Every exercise test gets its own torchdojo home, so progress never touches the user's."""

import pytest


@pytest.fixture(autouse=True)
def dojo_home(tmp_path, monkeypatch):
    home = tmp_path / "dojo-home"
    monkeypatch.setenv("TORCHDOJO_HOME", str(home))
    return home
