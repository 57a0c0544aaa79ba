"""The judge's messages are precise, the codec is safe, and the source check catches shortcuts."""

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from torchdojo.exercises import catalog, observe
from torchdojo.exercises.judge import check_source, compare, judge_case
from torchdojo.exercises.spec import Case

TOL = {"rtol": 1e-6, "atol": 1e-8}


@pytest.mark.parametrize("got, expected, fragment", [
    (torch.zeros(3, 2), torch.zeros(2, 3), "y has shape (3, 2), expected (2, 3)"),
    (torch.zeros(1), torch.tensor(0.0), "expected a 0-dim tensor"),
    (torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 2.0]), "contains nan or inf"),
    (torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]), "at index (1,): got 2.5, expected 2"),
    (torch.tensor([True]), torch.tensor([1]), "should be an integer tensor"),
    (None, torch.tensor(1.0), "did you forget to `return` it"),
    (observe.Opaque("numpy.ndarray"), torch.tensor(1.0), "should be a torch tensor, got numpy"),
    (13.0, 13, "should be an int, got the float 13.0"),
    ((1.0,), (1.0, 2.0), "returned 1 values, expected 2"),
])
def test_each_kind_of_difference_gets_its_own_sentence(got, expected, fragment):
    assert fragment in compare(got, expected, "y", **TOL)


def test_matching_values_of_either_float_precision_pass():
    expected = torch.randn(4, 3, dtype=torch.float64)
    assert compare(expected.float(), expected, "y", rtol=1e-5, atol=1e-6) is None
    assert compare(2.0, torch.tensor(2.0, dtype=torch.float64), "y", **TOL) is None
    assert compare([1.0, 2.0], [1.0, 2.0], "losses", **TOL) is None


def test_tuple_outputs_are_named_and_the_wrong_gradient_is_named():
    exercise = catalog.find("linear-backward")
    got = (torch.zeros(2, 3), torch.ones(4, 3), torch.zeros(4))
    expected = (torch.zeros(2, 3), torch.zeros(4, 3), torch.zeros(4))
    assert compare(got, expected, "r", names=exercise.outputs, **TOL).startswith("grad_W is wrong")


def test_gradient_problems_are_told_apart():
    exercise, case = catalog.find("softmax"), Case({"z": torch.zeros(3)}, grad=("z",))
    expected = {"out": torch.ones(3) / 3, "grads": {"z": torch.zeros(3)}, "after": {}}
    cut = {"out": torch.ones(3) / 3, "graph": "no_graph", "grads": {"z": None}}
    assert "not connected to the autograd graph" in judge_case(exercise, case, cut, expected)[1]
    wrong = {"out": torch.ones(3) / 3, "grads": {"z": torch.ones(3)}}
    assert "the gradient with respect to 'z' is wrong" in judge_case(exercise, case, wrong,
                                                                     expected)[1]


def test_changing_an_input_in_place_is_caught():
    exercise, case = catalog.find("tensor-standardize"), Case({"X": torch.ones(2, 2)})
    expected = {"out": torch.zeros(2, 2), "after": {"X": torch.ones(2, 2)}}
    got = {"out": torch.zeros(2, 2), "after": {"X": torch.zeros(2, 2)}}
    assert "changed its input 'X' in place" in judge_case(exercise, case, got, expected)[1]


def test_an_untouched_stub_is_todo_not_a_failure():
    error = {"type": "NotImplementedError", "message": "", "where": "01.py:3",
             "line": "raise NotImplementedError"}
    exercise = catalog.find("01")
    assert judge_case(exercise, Case(), {"error": error}, {"out": 1})[0] == "todo"
    error["line"] = "return foo(x)"
    assert judge_case(exercise, Case(), {"error": error}, {"out": 1})[0] == "fail"


def test_source_check_catches_library_shortcuts_and_syntax_errors():
    ce = catalog.find("cross-entropy-batch")
    assert "uses `cross_entropy` (line 3)" in check_source(
        ce, "import torch.nn.functional as F\n\nx = F.cross_entropy(1, 2)\n")
    assert "uses `logsumexp`" in check_source(ce, "from torch import logsumexp\n")
    assert check_source(ce, "def cross_entropy(logits, targets):\n    return logits\n") is None
    assert "syntax error at line 2" in check_source(ce, "x = 1\ndef (:\n")
    softmax = catalog.find("softmax")
    assert "uses `softmax`" in check_source(softmax, "def f(z):\n    return z.softmax(-1)\n")


tensors = st.sampled_from(list(observe.DTYPES.values())).flatmap(
    lambda dtype: st.lists(st.integers(0, 4), max_size=3).map(
        lambda shape: (torch.randn(shape) * 10).to(dtype)))
values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats() | st.text(max_size=20)
    | tensors,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


def same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and a.shape == b.shape and \
            torch.equal(a.reshape(-1).view(torch.uint8), b.reshape(-1).view(torch.uint8))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


@settings(max_examples=150, deadline=None)
@given(values)
def test_the_codec_round_trips_through_json(value):
    assert same(observe.decode(json.loads(json.dumps(observe.encode(value)))), value)


@pytest.mark.parametrize("bad", [
    {"__tensor__": {"dtype": "float32", "shape": [3], "data": "AAAA"}},  # too few bytes
    {"__tensor__": {"dtype": "object", "shape": [], "data": ""}},
    {"__pickle__": "gASV"},
    {"a": 1, "b": 2},
])
def test_the_codec_rejects_malformed_input_instead_of_guessing(bad):
    with pytest.raises((ValueError, KeyError)):
        observe.decode(bad)


def test_unknown_objects_cross_only_as_their_type_name():
    assert observe.decode(observe.encode(object())) == observe.Opaque("builtins.object")
