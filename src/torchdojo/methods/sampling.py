"""Sampling text from a character model, one character at a time, with a temperature."""

from __future__ import annotations

import torch
from torch import nn

from torchdojo.data.text import CharTokenizer
from torchdojo.errors import DojoError


@torch.no_grad()
def generate(model: nn.Module, tokenizer: CharTokenizer, prompt: str, n: int = 200,
             temperature: float = 1.0, generator: torch.Generator | None = None,
             block: int | None = None) -> str:
    """`prompt` followed by `n` sampled characters.

    p(next) = softmax(logits / temperature): below 1 sharpens the distribution (safer,
    more repetitive), above 1 flattens it; temperature 0 takes the argmax (greedy).
    A model with `step(idx, state)` (CharLM) carries its recurrent state forward; any
    other model is re-run on the last `block` characters (`model.block_size` if set).
    """
    if temperature < 0:
        raise DojoError(f"temperature must be >= 0, not {temperature}")
    if not prompt:
        raise DojoError("the prompt must have at least one character")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = tokenizer.encode(prompt).to(device)[None]  # (1, T)
    out = ids[0].tolist()
    stateful = hasattr(model, "step")
    block = block or getattr(model, "block_size", None)
    state = None
    context = ids
    for _ in range(n):
        if stateful:
            logits, state = model.step(context, state)  # (1, T, V)
        else:
            window = torch.tensor([out[-block:] if block else out], device=device)
            logits = model(window)
        last = logits[0, -1].float()  # (V,)
        if temperature == 0:
            next_id = int(last.argmax())
        else:
            probs = torch.softmax(last / temperature, dim=-1).cpu()
            next_id = int(torch.multinomial(probs, 1, generator=generator))
        out.append(next_id)
        context = torch.tensor([[next_id]], device=device)  # the state holds the rest
    model.train(was_training)
    return tokenizer.decode(out)
