"""Every exercise's hidden checks pass the reference and fail the untouched stub.

The plausible mistakes they must catch, and the precision of the messages they give, are in
test_exercise_mutants.py. Everything runs in this process: the sandbox is tested elsewhere.
"""

import pytest
import torch

from torchdojo.exercises import catalog, observe
from torchdojo.exercises.grader import check_module, reference
from torchdojo.exercises.stubs import make_stub

EXERCISES = catalog.all_exercises()


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: threads only add overhead, and on a busy machine a lot of it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load(tmp_path, exercise, source):
    path = tmp_path / exercise.file_name
    path.write_text(source)
    return observe.load_learner_module(path, f"test_{exercise.file_name[:-3]}_{id(source)}")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.slug)
def test_checks_pass_the_solution_and_fail_the_stub(exercise, tmp_path):
    for seed in (0, 1):  # the cases are random: two draws
        verdict = check_module(exercise, reference(exercise), seed)
        assert verdict.passed, verdict

    stub = make_stub(exercise)
    assert "# TODO" in stub and "raise NotImplementedError" in stub
    verdict = check_module(exercise, load(tmp_path, exercise, stub))
    assert verdict.status == "todo" and "not written yet" in verdict.reason
