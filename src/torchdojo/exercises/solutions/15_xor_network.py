"""A two-layer network computes XOR.

No single layer separates XOR's four points, (0,0)->0, (0,1)->1, (1,0)->1,
(1,1)->0. One hidden ReLU layer does:

    h     = relu(X W1^T + b1)        X (B, 2), W1 (H, 2), b1 (H,)  -> h (B, H)
    score = h w2 + b2                w2 (H,), b2 a 0-dim tensor     -> (B,)

1. Write `xor_forward`, the network above.
2. Choose weights by hand in `xor_weights` (any H) so that score > 0.5 exactly for
   the two XOR-true points, also when each point is moved by up to 0.1 in each
   coordinate. Return them as float64 tensors (W1, b1, w2, b2).
"""

import torch


def xor_forward(X: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor,
                b2: torch.Tensor) -> torch.Tensor:
    """Scores of the two-layer ReLU network: (B, 2) -> (B,)."""
    h = torch.clamp(X @ W1.T + b1, min=0)  # (B, H)
    return h @ w2 + b2


def xor_weights() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hand-set weights (W1, b1, w2, b2) with which xor_forward computes XOR."""
    # h1 counts the ones, h2 fires only when both are one; score = h1 - 2 h2
    W1 = torch.tensor([[1.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    b1 = torch.tensor([0.0, -1.0], dtype=torch.float64)
    w2 = torch.tensor([1.0, -2.0], dtype=torch.float64)
    b2 = torch.tensor(0.0, dtype=torch.float64)
    return W1, b1, w2, b2
