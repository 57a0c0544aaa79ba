"""The catalog: enough exercises, in course order, each tied to a lesson, with graded hints."""

import re

import pytest

from torchdojo import registry
from torchdojo.errors import DojoError
from torchdojo.exercises import catalog

EXERCISES = catalog.all_exercises()
PART_ONE = [lesson.id for lesson in registry.all_lessons() if lesson.part == 1]


def test_at_least_30_exercises_in_course_order_with_stable_numbers():
    assert len(EXERCISES) >= 30
    # numbers are ids: 1-39 as first published, in course order from Part I on; later
    # exercises (Part 0's) take the next free numbers, whatever their place in the course
    numbers = [ex.number for ex in EXERCISES]
    assert sorted(numbers) == list(range(1, len(EXERCISES) + 1))
    first = [n for n in numbers if n <= 39]
    assert first == list(range(1, 40))
    later = [n for n in numbers if n > 39]
    assert later == sorted(later)
    order = [lesson.id for lesson in registry.all_lessons()]
    positions = [order.index(registry.find(ex.lesson).id) for ex in EXERCISES]
    assert positions == sorted(positions)
    assert len({ex.slug for ex in EXERCISES}) == len(EXERCISES)


def test_every_part_one_lesson_and_the_key_pieces_of_parts_two_to_four_are_covered():
    lessons = {ex.lesson for ex in EXERCISES}
    assert set(PART_ONE) <= lessons
    slugs = {ex.slug for ex in EXERCISES}
    for key in ("affine-layer", "argmax-classifier", "cross-entropy-point", "cross-entropy-batch",
                "logistic-loss", "mse-loss", "gd-step", "xor-network", "linear-backward",
                "two-layer-backward", "softmax", "training-loop", "conv-output-size",
                "lenet-forward", "vae-reparameterize", "vae-kl", "addition-dataset", "rnn-cell",
                "lstm-cell", "attention", "causal-mask", "multi-head", "ddpm-forward",
                "ddpm-loss", "reinforce-loss"):
        assert key in slugs, key


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.slug)
def test_each_exercise_has_a_lesson_section_three_graded_hints_and_a_solution(ex):
    assert registry.find(ex.lesson)
    assert ex.section and ex.title
    assert len(ex.hints) == 3
    assert "return" in ex.hints[-1] or " = " in ex.hints[-1]  # the last one is nearly the code
    assert not re.search(r"(^|; )return ", ex.hints[0])  # the first only nudges
    assert ex.solution_path.is_file()
    assert ex.file_name == f"{ex.number:02d}_{ex.slug.replace('-', '_')}.py"


def test_find_by_slug_number_or_file_and_a_helpful_error_otherwise():
    softmax = catalog.find("softmax")
    assert catalog.find(str(softmax.number)) is softmax
    assert catalog.find(f"{softmax.number:02d}") is softmax
    assert catalog.find(softmax.file_name) is softmax
    with pytest.raises(DojoError, match="did you mean cross-entropy-batch"):
        catalog.find("cross-entropy-btch")
    assert [ex.number for ex in catalog.select(["9", "softmax", "09"])] == [7, 9]
