"""--set values are parsed into the Config's types; bad ones are clear errors."""

from dataclasses import dataclass
from typing import Literal

import pytest

from torchdojo.config import parse_sets, replace
from torchdojo.errors import DojoError


@dataclass
class Config:
    epochs: int = 3
    lr: float = 1e-3
    hidden: tuple[int, ...] = (64,)
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    limit: int | None = None
    amp: bool = False
    seed: int = 0


def test_values_are_converted_to_the_field_types():
    c = replace(Config(), parse_sets(["epochs=5", "lr=3e-4", "hidden=128,64",
                                      "dataset=fashion-mnist", "limit=100", "amp=true"]))
    assert c == Config(5, 3e-4, (128, 64), "fashion-mnist", 100, True)
    assert replace(c, {"limit": "none"}).limit is None


@pytest.mark.parametrize("item, message", [
    ("epoch=5", "unknown setting 'epoch'.*valid keys: amp, dataset, epochs, hidden"),
    ("epochs=2.5", "epochs must be int"),
    ("lr=fast", "lr must be float"),
    ("dataset=cifar", "dataset must be one of mnist, fashion-mnist"),
    ("amp=maybe", "amp must be true or false"),
    ("hidden=a,b", "hidden must be int"),
])
def test_bad_settings_name_the_problem(item, message):
    with pytest.raises(DojoError, match=message):
        replace(Config(), parse_sets([item]))


def test_set_needs_key_equals_value():
    with pytest.raises(DojoError, match="key=value"):
        parse_sets(["epochs"])
