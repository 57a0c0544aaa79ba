"""Shared fixtures: every test runs offline, in temp folders, with the Agg plot backend."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Two xdist workers on two cores: torch's default (a thread per core in each worker, and in
# each subprocess a test starts) oversubscribes the cores and ran a training test 2.5x
# slower. Set before torch is imported; subprocesses inherit it.
os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 2) // 2)))


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep every test (and the subprocesses it starts) off the network and the user's folders."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORCHDOJO_OFFLINE", "1")
        mp.setenv("TORCHDOJO_HOME", str(tmp_path_factory.mktemp("home")))
        mp.delenv("TORCHDOJO_DATA", raising=False)  # data_root() is then <home>/data
        mp.delenv("TORCHDOJO_MIRROR", raising=False)
        mp.setenv("MPLBACKEND", "Agg")
        # an empty system folder: /usr/share/datasets must not decide what the tests see
        mp.setenv("TORCHDOJO_SYSTEM_DATA", str(tmp_path_factory.mktemp("system-data")))
        # and no system text (fortunes, word list): every machine sees the same corpora
        mp.setenv("TORCHDOJO_SYSTEM_TEXT", "0")
        mp.delenv("DOJO_YOUR_TURN", raising=False)  # Your-turn cells stay skipped in quick runs
        yield


@pytest.fixture(scope="session")
def text_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 32k-character text file (the built-in corpus ten times): enough for the character
    models' quick runs to learn something, the same on every machine."""
    from torchdojo.data.text import BUILTIN

    path = tmp_path_factory.mktemp("text") / "corpus.txt"
    path.write_text(BUILTIN.read_text(encoding="utf-8") * 10, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fake_data(_isolated_environment: None, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Path]:
    """Small learnable fake MNIST and Fashion-MNIST, as $TORCHDOJO_DATA for the rest of the session.

    Returns the root folder (torchvision layout: <root>/MNIST/raw, <root>/FashionMNIST/raw).
    """
    from torchdojo.data.synthetic import write_synthetic

    root = tmp_path_factory.mktemp("data")
    for name in ("mnist", "fashion-mnist"):
        write_synthetic(root, name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORCHDOJO_DATA", str(root))
        yield root


# Minutes-long tests start first, so that no worker is left with one at the end while the
# other has finished (xdist hands out tests in collection order).
LONGEST_FIRST = ("tests/test_switches.py::test_two_processes_and_compile_reach_every_lesson",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable sort
