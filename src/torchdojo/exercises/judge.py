"""Decide pass or fail: compare what the learner's code returned with what the reference returns.

Runs in the grading process only, on observations (plain data) from observe.py. The
first difference found becomes the verdict's reason, worded for a learner: which
input, which value, expected versus got, which shape, which gradient.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import torch

from torchdojo.exercises.observe import ModuleSpec, Opaque
from torchdojo.exercises.spec import Case, Exercise

GRAPH_CUT = ("so no gradient flows back to the inputs: did you use .item(), .detach(), .numpy(), "
             "or build a new tensor with torch.tensor(...)?")


@dataclass(frozen=True)
class Verdict:
    """The result of checking one exercise: pass/fail, a one-line reason, details to show."""

    slug: str
    passed: bool
    reason: str = ""
    detail: tuple[str, ...] = field(default_factory=tuple)
    seconds: float | None = None
    status: str = ""  # pass, fail, todo (the stub is untouched), missing (no file)

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", "pass" if self.passed else "fail")


# ---- reading the learner's source, without running it ---------------------------------------


def check_source(exercise: Exercise, source: str) -> str | None:
    """A problem visible in the source itself (syntax, a library function the task rules out)."""
    if len(source) > 1_000_000:
        return "the file is larger than 1 MB"
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return f"syntax error at line {e.lineno}: {e.msg}"
    except (ValueError, RecursionError, MemoryError) as e:
        return f"the file cannot be parsed: {type(e).__name__}"
    if not exercise.forbidden:
        return None
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    defined |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in exercise.forbidden:
            name = node.attr
        elif isinstance(node, ast.Name) and node.id in exercise.forbidden \
                and node.id not in defined:
            name = node.id
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            hits = [a.name.rsplit(".", 1)[-1] for a in node.names
                    if a.name.rsplit(".", 1)[-1] in exercise.forbidden]
            name = hits[0] if hits else None
        if name:
            return f"uses `{name}` (line {node.lineno}), which this exercise asks you to write " \
                   f"yourself"
    return None


# ---- describing inputs and values ------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _values(t: torch.Tensor) -> str:
    if t.dtype == torch.bool:
        return str(t.int().tolist()).replace(" ", "")
    if t.is_floating_point():
        rows = t.double().tolist()
        return str(_round(rows)).replace("'", "")
    return str(t.tolist())


def _round(x: Any) -> Any:
    return [_round(v) for v in x] if isinstance(x, list) else float(f"{x:.4g}")


def describe_value(name: str, value: Any) -> str:
    """'z (3, 4) float64 = [...]' for small tensors, shapes only for large ones."""
    if isinstance(value, torch.Tensor):
        text = f"{name} {tuple(value.shape)} {str(value.dtype).removeprefix('torch.')}"
        return text + (f" = {_values(value)}" if value.numel() <= 8 else "")
    if isinstance(value, ModuleSpec):
        if value.kind == "linear":
            return f"{name} = nn.Linear({value.config['in_features']}, " \
                   f"{value.config['out_features']})"
        return f"{name} = a small noise-predicting module"
    if isinstance(value, float):
        return f"{name} = {value:.6g}"
    return f"{name} = {value!r}"


def describe_case(case: Case, entry: str) -> str:
    """The inputs of a case, for a failure message."""
    values = case.args or case.init
    parts = [describe_value(k, v) for k, v in values.items()]
    if case.items:
        parts.append(f"items {list(case.items)}")
    return "; ".join(parts) if parts else f"{case.entry or entry}() with no arguments"


def _kind(t: torch.Tensor) -> str:
    if t.dtype == torch.bool:
        return "bool"
    return "float" if t.is_floating_point() else "integer"


def _type_name(value: Any) -> str:
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__} ({value!r:.40})"


# ---- comparing values ------------------------------------------------------------------------


def compare(got: Any, expected: Any, label: str, *, rtol: float, atol: float,
            names: tuple[str, ...] = ()) -> str | None:
    """None when got matches expected; otherwise a sentence that says how they differ."""
    if isinstance(expected, tuple):
        return _compare_tuple(got, expected, label, rtol=rtol, atol=atol, names=names)
    if isinstance(expected, list):
        if isinstance(got, torch.Tensor) and got.dim() == 1:
            got = got.tolist()
        if not isinstance(got, (list, tuple)):
            return f"{label} should be a list of {len(expected)} values, got {_type_name(got)}"
        if len(got) != len(expected):
            return f"{label} has {len(got)} values, expected {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = compare(g, e, f"{label}[{i}]", rtol=rtol, atol=atol)
            if problem:
                return problem
        return None
    if got is None:
        return f"{label} is None: did you forget to `return` it?"
    if isinstance(expected, torch.Tensor):
        return _compare_tensor(got, expected, label, rtol=rtol, atol=atol)
    if isinstance(expected, bool):
        return None if got == expected else f"{label} is {got!r}, expected {expected!r}"
    if isinstance(expected, (int, float)):
        return _compare_number(got, expected, label, rtol=rtol, atol=atol)
    return None if got == expected else f"{label} is {got!r}, expected {expected!r}"


def _compare_tuple(got: Any, expected: tuple, label: str, *, rtol: float, atol: float,
                   names: tuple[str, ...]) -> str | None:
    names = names if len(names) == len(expected) else tuple(f"{label}[{i}]"
                                                            for i in range(len(expected)))
    if not isinstance(got, (tuple, list)):
        return f"returned {_type_name(got)}; expected a tuple of {len(expected)}: " \
               f"({', '.join(names)})"
    if len(got) != len(expected):
        return f"returned {len(got)} values, expected {len(expected)}: ({', '.join(names)})"
    for g, e, name in zip(got, expected, names):
        problem = compare(g, e, name, rtol=rtol, atol=atol)
        if problem:
            return problem
    return None


def _compare_number(got: Any, expected: float, label: str, *, rtol: float,
                    atol: float) -> str | None:
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return f"{label} should be a number, got {_type_name(got)}"
    if isinstance(expected, int) and isinstance(got, float):
        return f"{label} should be an int, got the float {got!r} (floor division // gives an int)"
    if abs(got - expected) > atol + rtol * abs(expected):
        return f"{label} is wrong: got {_fmt(got)}, expected {_fmt(expected)}"
    return None


def _compare_tensor(got: Any, expected: torch.Tensor, label: str, *, rtol: float,
                    atol: float) -> str | None:
    if isinstance(got, (int, float)) and not isinstance(got, bool) and expected.numel() == 1 \
            and (expected.is_floating_point() or isinstance(got, int)):
        # a plain number where a 0-dim tensor is expected is fine
        got = torch.tensor(got, dtype=torch.float64 if isinstance(got, float) else torch.int64)
        got = got.reshape(expected.shape)
    if not isinstance(got, torch.Tensor):
        return f"{label} should be a torch tensor, got {_type_name(got)}"
    if got.shape != expected.shape:
        want = "a 0-dim tensor (a single number)" if expected.dim() == 0 else \
            str(tuple(expected.shape))
        return f"{label} has shape {tuple(got.shape)}, expected {want}"
    if _kind(got) != _kind(expected):
        article = "an" if _kind(expected) == "integer" else "a"
        return f"{label} should be {article} {_kind(expected)} tensor ({expected.dtype}), got " \
               f"{got.dtype}"
    if _kind(expected) != "float":
        wrong = (got != expected).nonzero()
        if len(wrong) and expected.dim() == 0:
            return f"{label} is wrong: got {got.item()!r}, expected {expected.item()!r}"
        if len(wrong):
            i = tuple(wrong[0].tolist())
            return f"{label} is wrong: {len(wrong)} of {expected.numel()} values differ, " \
                   f"first at index {i}: got {got[i].item()!r}, expected {expected[i].item()!r}"
        return None
    g, e = got.double(), expected.double()
    bad_float = ~torch.isfinite(g) & torch.isfinite(e)
    if bad_float.any() and e.dim() == 0:
        return f"{label} is {g.item()}, expected a finite value: {_fmt(e.item())}"
    if bad_float.any():
        i = tuple(bad_float.nonzero()[0].tolist())
        return f"{label} contains nan or inf ({int(bad_float.sum())} of {e.numel()} values, " \
               f"first at index {i}), expected finite values such as {_fmt(e[i].item())}"
    close = (g - e).abs() <= atol + rtol * e.abs()
    close |= (g == e)  # equal infinities
    if not close.all():
        i = tuple((~close).nonzero()[0].tolist())
        where = f" at index {i}" if e.dim() else ""
        n_bad = int((~close).sum())
        count = f" ({n_bad} of {e.numel()} values differ, largest difference " \
                f"{_fmt((g - e).abs().nan_to_num(posinf=float('inf')).max().item())})" \
            if e.numel() > 1 else ""
        note = f"; yours is {got.dtype}, the inputs are {expected.dtype}" \
            if got.dtype != expected.dtype else ""
        return f"{label} is wrong{where}: got {_fmt(g[i].item())}, expected " \
               f"{_fmt(e[i].item())}{count}{note}"
    return None


# ---- judging one exercise --------------------------------------------------------------------


def error_reason(error: dict) -> tuple[str, str]:
    """(status, reason) for an exception the learner's code raised."""
    kind, message, where = error.get("type", "?"), error.get("message", ""), error.get("where", "")
    if kind == "NotImplementedError" and "raise NotImplementedError" in error.get("line", "") \
            and not message:
        return "todo", "not written yet (the stub still raises NotImplementedError)"
    if kind == "MissingName":
        return "fail", message
    if kind == "SystemExit":
        return "fail", f"your code called sys.exit() ({message}) at {where}"
    if kind == "MemoryError" or "can't allocate memory" in message:
        return "fail", f"ran out of memory ({kind}) at {where}: an allocation without end?"
    phase = "importing your file raised" if error.get("phase") == "import" else "raised"
    return "fail", f"{phase} {kind}: {message.splitlines()[0] if message else ''} ({where})"


def judge_case(exercise: Exercise, case: Case, got: dict, expected: dict) -> tuple[str, str] | None:
    """(status, reason) when the learner's observation differs from the reference's, else None."""
    if "error" in expected:
        raise RuntimeError(f"the reference for {exercise.slug} failed: {expected['error']}")
    if "error" in got:
        return error_reason(got["error"])
    tol = {"rtol": exercise.rtol, "atol": exercise.atol}
    names = case.outputs or exercise.outputs
    label = names[0] if len(names) == 1 else "the result"
    if case.check is not None:
        problem = case.check(got.get("out"))
    elif case.kind == "dataset":
        problem = _judge_dataset(case, got.get("out"), expected["out"], names, tol)
    else:
        problem = compare(got.get("out"), expected["out"], label, names=names, **tol)
    problem = problem or _judge_grads(case, got, expected, tol)
    for name, before in expected.get("after", {}).items():
        if problem:
            break
        after = got.get("after", {}).get(name)
        if not isinstance(after, torch.Tensor) or after.shape != before.shape or \
                not torch.equal(after, before):
            problem = f"your function changed its input '{name}' in place; compute new tensors " \
                      f"instead (e.g. x = x - m, not x -= m)"
    for name, value in expected.get("params_after", {}).items():
        if problem:
            break
        problem = compare(got.get("params_after", {}).get(name), value,
                          f"the model's {name} after training", **tol)
    return ("fail", problem) if problem else None


def _judge_dataset(case: Case, got: Any, expected: dict, names: tuple[str, ...],
                   tol: dict) -> str | None:
    if not isinstance(got, dict):
        return "the dataset could not be observed"
    if got.get("len") != expected["len"]:
        return f"len(dataset) is {got.get('len')!r}, expected {expected['len']}"
    for index, g, e in zip(case.items, got.get("items", []), expected["items"]):
        problem = compare(g, e, f"dataset[{index}]", names=tuple(f"dataset[{index}]: {n}"
                                                                 for n in names), **tol)
        if problem:
            return problem
    return None


def _judge_grads(case: Case, got: dict, expected: dict, tol: dict) -> str | None:
    pairs = [(f"the gradient with respect to '{n}'", n, got.get("grads", {}).get(n), e)
             for n, e in expected.get("grads", {}).items()]
    pairs += [(f"the gradient of {n}", n, got.get("param_grads", {}).get(n), e)
              for n, e in expected.get("param_grads", {}).items()]
    for label, name, g, e in pairs:
        if e is None:
            if g is not None and bool((g != 0).any()):
                return f"a gradient reaches '{name}', but none should: detach it where it is used"
            continue
        if g is None:
            graph = got.get("graph", "")
            if graph == "no_graph":
                return f"your result is not connected to the autograd graph, {GRAPH_CUT}"
            if graph.startswith("backward failed"):
                return f"backpropagating through your result failed: {graph}"
            return f"no gradient reaches '{name}': your result does not depend on it through " \
                   f"differentiable operations"
        problem = compare(g, e, label, **tol)
        if problem:
            return problem
    return None


def judge(exercise: Exercise, cases: list[Case], got: list[dict], expected: list[dict],
          seconds: float | None = None) -> Verdict:
    """The verdict for one exercise: the first failing case explains itself, with its inputs."""
    if len(got) != len(cases):
        return Verdict(exercise.slug, False, "observations are missing or garbled",
                       seconds=seconds)
    for n, (case, g, e) in enumerate(zip(cases, got, expected), 1):
        outcome = judge_case(exercise, case, g, e)
        if outcome is None:
            continue
        status, reason = outcome
        if status == "todo":
            return Verdict(exercise.slug, False, reason, seconds=seconds, status="todo")
        detail = [f"case {n} of {len(cases)}: {describe_case(case, exercise.entry)}"]
        if case.note:
            detail.append(f"(this case: {case.note})")
        if case.advice:
            detail.append(f"advice: {case.advice}")
        return Verdict(exercise.slug, False, reason, tuple(detail), seconds=seconds)
    return Verdict(exercise.slug, True, seconds=seconds)
