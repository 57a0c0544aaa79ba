"""Backpropagation through softmax and cross-entropy, by hand.

For logits Z (B, C), targets y (B,) and the mean cross-entropy
L = (1/B) sum_i [ logsumexp(Z_i) - Z[i, y_i] ], the gradient has a famous form:

    dL/dZ = (softmax(Z) - onehot(y)) / B

where onehot(y)[i, c] = 1 if c == y_i else 0. Return dL/dZ (B, C) without
autograd (.backward(), torch.autograd); torch.softmax is fine here.
"""

import torch


def cross_entropy_backward(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The gradient of the mean cross-entropy with respect to the logits: (B, C)."""
    probs = torch.softmax(logits, dim=1)
    onehot = torch.zeros_like(probs)
    onehot[torch.arange(len(targets)), targets] = 1.0
    return (probs - onehot) / len(targets)
