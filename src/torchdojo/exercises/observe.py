"""Run learner code on given inputs and record what comes back: outputs, gradients, side effects.

This is the only exercise code that runs inside the grading sandbox, so it imports
nothing but torch and the standard library (the sandbox child loads it by path).
It never decides pass or fail: it returns raw observations, which the grading
process compares with the reference itself (see `judge.py` and `sandbox.py`).

A *probe* says what to call and with what:

    {"kind": "call",    "entry": "softmax", "args": {"z": tensor}, "grad": ["z"], "cotangent": t}
    {"kind": "module",  "entry": "LeNet5", "init": {}, "state": {...}, "args": {"x": tensor}}
    {"kind": "dataset", "entry": "AdditionPairs", "init": {...}, "items": [0, 5]}

An *observation* is a dict: "out", "grads", "param_grads", "after" (the tensor
arguments after the call, to catch in-place changes), "params_after", or "error".
The codec below turns both into JSON and back, without pickle, so that reading a
submission's observations can never run code in the grading process.
"""

from __future__ import annotations

import base64
import importlib.util
import math
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

# dtypes that may cross the sandbox boundary, by name
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int32,
    torch.int16, torch.int8, torch.uint8, torch.bool)}
MAX_DEPTH = 12


@dataclass(frozen=True)
class ModuleSpec:
    """A small nn.Module passed to learner code as an argument, rebuilt the same on each side."""

    kind: str  # "linear" or "tiny_denoiser"
    config: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Opaque:
    """A value of a type that cannot cross the boundary; only its type name does."""

    type_name: str


class TinyDenoiser(nn.Module):
    """A stand-in noise model eps(x_t, t) for the DDPM-loss check: linear, plus a t-embedding."""

    def __init__(self, shape: list[int], steps: int) -> None:
        super().__init__()
        self.shape = tuple(shape)
        size = math.prod(self.shape)
        self.lin = nn.Linear(size, size)
        self.time = nn.Embedding(steps, size)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        eps = self.lin(x_t.flatten(1)) + self.time(t)  # (B, D)
        return eps.view(-1, *self.shape)


def build_module(spec: ModuleSpec) -> nn.Module:
    """The nn.Module a ModuleSpec describes, in float64, with its state loaded."""
    if spec.kind == "linear":
        module = nn.Linear(spec.config["in_features"], spec.config["out_features"])
    elif spec.kind == "tiny_denoiser":
        module = TinyDenoiser(spec.config["shape"], spec.config["steps"])
    else:
        raise ValueError(f"unknown module kind {spec.kind!r}")
    module = module.double()
    module.load_state_dict({k: v.clone() for k, v in spec.state.items()})
    return module


# ---- codec: live values <-> JSON-safe values ---------------------------------------------


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-safe form of a value; tensors become base64 bytes, odd objects their type name."""
    if depth > MAX_DEPTH:
        return {"__opaque__": "too deeply nested"}
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else value[:2000]
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        name = str(t.dtype).removeprefix("torch.")
        if name not in DTYPES or t.is_complex():
            return {"__opaque__": f"tensor of dtype {name}"}
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        return {"__tensor__": {"dtype": name, "shape": list(t.shape),
                               "data": base64.b64encode(raw).decode("ascii")}}
    if isinstance(value, ModuleSpec):
        return {"__module__": {"kind": value.kind, "config": encode(value.config, depth + 1),
                               "state": encode(value.state, depth + 1)}}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    return {"__opaque__": f"{type(value).__module__}.{type(value).__qualname__}"[:200]}


def decode(value: Any, depth: int = 0) -> Any:
    """The live value for an encoded one; never runs code, rejects malformed input."""
    if depth > MAX_DEPTH + 1:
        raise ValueError("too deeply nested")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError("malformed value")
    (tag, body), = value.items()
    if tag == "__tensor__":
        dtype = DTYPES[body["dtype"]]
        shape = [int(s) for s in body["shape"]]
        raw = base64.b64decode(body["data"], validate=True)
        itemsize = torch.empty((), dtype=dtype).element_size()
        if any(s < 0 for s in shape) or len(raw) != math.prod(shape) * itemsize:
            raise ValueError("tensor data does not match its shape")
        if not raw:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
    if tag == "__float__":
        return float(body)  # 'nan', 'inf', '-inf'
    if tag == "__tuple__":
        return tuple(decode(v, depth + 1) for v in body)
    if tag == "__dict__":
        return {str(k): decode(v, depth + 1) for k, v in body.items()}
    if tag == "__module__":
        return ModuleSpec(str(body["kind"]), decode(body["config"], depth + 1),
                          decode(body["state"], depth + 1))
    if tag == "__opaque__":
        return Opaque(str(body)[:200])
    raise ValueError(f"unknown tag {tag!r}")


# ---- running probes ------------------------------------------------------------------------


def load_learner_module(path: Path, name: str):
    """Import a learner's exercise file by path (its top-level code runs now)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    return module


def describe_error(exc: BaseException, learner_file: str | None) -> dict:
    """Type, message and the learner's line where an exception came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if learner_file and Path(f.filename).name == learner_file]
    frame = (mine or frames or [None])[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" if frame else ""
    message = str(exc) if not isinstance(exc, SystemExit) else f"exit code {exc.code!r}"
    return {"type": type(exc).__name__, "message": message[:1000], "where": where,
            "line": (frame.line or "")[:200] if frame else ""}


def _fresh(value: Any) -> Any:
    """A deep copy of probe inputs, so learner code can never change the caller's values."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, ModuleSpec):
        return build_module(value)
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _snapshot(value: Any) -> Any:
    """A detached copy of an output, so later steps (backward, more calls) cannot change it."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (tuple, list)):
        return type(value)(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return Opaque(f"{type(value).__module__}.{type(value).__qualname__}"[:200])


def _backward(out: Any, cotangent: Any) -> str | None:
    """Backpropagate `cotangent` from the output; a note when no graph connects them."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    cots = cotangent if isinstance(cotangent, tuple) else (cotangent,) * len(outs)
    pairs = [(o, c) for o, c in zip(outs, cots)
             if isinstance(o, torch.Tensor) and o.requires_grad]
    if not pairs:
        return "no_graph"
    try:
        torch.autograd.backward([o for o, _ in pairs],
                                [torch.ones_like(o) if c is None else c.to(o.dtype)
                                 for o, c in pairs])
    except Exception as e:  # shape mismatch and the like: reported as a value problem first
        return f"backward failed: {type(e).__name__}: {e}"[:500]
    return None


def run_probe(module: Any, probe: dict, learner_file: str | None = None) -> dict:
    """Call the learner's code as the probe says and observe the result; errors are observed too."""
    try:
        return _run(module, probe)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # SystemExit too: `sys.exit()` in learner code is an error
        return {"error": describe_error(e, learner_file)}


def run_probes(module: Any, probes: list[dict], learner_file: str | None = None) -> list[dict]:
    """Run probes in order; after the first error the rest are skipped (only the first counts)."""
    observations: list[dict] = []
    for probe in probes:
        if observations and "error" in observations[-1]:
            observations.append({"error": {"type": "Skipped", "message": "after an earlier error",
                                           "where": "", "line": ""}})
        else:
            observations.append(run_probe(module, probe, learner_file))
    return observations


def _run(module: Any, probe: dict) -> dict:
    kind, entry = probe["kind"], probe["entry"]
    if not hasattr(module, entry):
        what = "class" if kind in ("module", "dataset") else "function"
        return {"error": {"type": "MissingName", "where": "", "line": "",
                          "message": f"no {what} named '{entry}' in your file"}}
    target = getattr(module, entry)
    args = _fresh(dict(probe.get("args", {})))
    if kind == "dataset":
        dataset = target(*_fresh(list(probe.get("init", {}).values())))
        items = [_snapshot(dataset[i]) for i in probe.get("items", [])]
        return {"out": {"len": len(dataset), "items": items}}
    modules: dict[str, nn.Module] = {k: v for k, v in args.items() if isinstance(v, nn.Module)}
    if kind == "module":
        obj = target(**_fresh(probe.get("init", {})))
        if probe.get("state") is not None:
            obj.load_state_dict(_fresh(probe["state"]))
        modules["model"], call = obj, obj
    else:
        call = target
    for name in probe.get("grad", []):
        args[name].requires_grad_(True)
    out = call(*args.values())
    obs: dict[str, Any] = {"out": _snapshot(out)}
    if probe.get("grad") or probe.get("backward"):
        note = _backward(out, probe.get("cotangent"))
        if note:
            obs["graph"] = note
        obs["grads"] = {name: _snapshot(args[name].grad) for name in probe.get("grad", [])}
        obs["param_grads"] = {f"{m}.{p}": _snapshot(param.grad) for m, mod in modules.items()
                              for p, param in mod.named_parameters()}
    obs["after"] = {k: v.detach().clone() for k, v in args.items()
                    if isinstance(v, torch.Tensor) and k not in probe.get("grad", [])}
    obs["params_after"] = {f"{m}.{p}": param.detach().clone() for m, mod in modules.items()
                           for p, param in mod.named_parameters() if kind == "call"}
    return obs
