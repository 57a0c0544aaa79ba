"""The registry holds the whole curriculum, in order, with every exercise number as an alias."""

import re
from pathlib import Path

import pytest

from torchdojo import registry
from torchdojo.errors import DojoError

CURRICULUM = Path(__file__).resolve().parents[2] / "shared" / "CURRICULUM.md"
SOURCE_001 = sorted((CURRICULUM.parent / "curriculum-sources").glob("001_*.txt"))


def test_every_curriculum_lesson_in_curriculum_order():
    ids = [lesson.id for lesson in registry.all_lessons()]
    assert len(ids) == 33 == len(set(ids))
    if CURRICULUM.exists():
        table_ids = re.findall(r"^\| ([a-z0-9-]+) \|", CURRICULUM.read_text(), re.M)
        assert ids == [i for i in table_ids if i != "id"]


def test_every_exercise_number_of_001_is_an_alias_of_exactly_one_lesson():
    aliases = [a for lesson in registry.all_lessons() for a in lesson.aliases]
    assert len(aliases) == len(set(aliases))
    if SOURCE_001:
        numbers = set(re.findall(r"### Exercise (\d+)", SOURCE_001[0].read_text()))
        assert numbers == set(aliases)


@pytest.mark.parametrize("key, lesson_id", [("850", "mnist-mlp"), ("695", "xor"),
                                            ("MNIST-MLP", "mnist-mlp"), ("980", "seq2seq")])
def test_find_accepts_ids_and_aliases(key, lesson_id):
    assert registry.find(key).id == lesson_id


def test_unknown_id_suggests_the_closest():
    with pytest.raises(DojoError, match="did you mean mnist-mlp"):
        registry.find("mnist-mpl")


def test_every_lesson_has_a_measurable_target():
    for lesson in registry.all_lessons():
        assert lesson.checks and all(check.targets for check in lesson.checks), lesson.id


def test_target_text_is_derived_from_the_checks():
    assert registry.Target("test_acc", ">=", 0.98).text == "test_acc >= 98 %"
    assert registry.Target("best_arm_share", ">=", 0.8).text == "best_arm_share >= 80 %"
    assert registry.Target("max_abs_diff", "<=", 1e-6).text == "max_abs_diff <= 1e-6"
    assert str(registry.Target("test_acc", ">=", 0.98)) == "test_acc >= 0.98"  # verdict key
    mlp = registry.find("mnist-mlp")
    assert mlp.checks[0].text == "MNIST: test_acc >= 98 %"
    assert mlp.target == "MNIST: test_acc >= 98 %; Fashion-MNIST: test_acc >= 89 %"
    assert registry.find("xor").target == "single_layer_acc <= 75 %, mlp_acc >= 100 %"
    noted = registry.Lesson("x", "X", 1, "002", checks=mlp.checks, note="on a GPU: 99 %")
    assert noted.target.endswith("(on a GPU: 99 %)")
