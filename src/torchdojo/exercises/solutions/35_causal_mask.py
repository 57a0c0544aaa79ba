"""The causal mask.

A decoder predicting token i may only look at tokens 0..i, never the future.
The causal mask for a sequence of length T is the bool matrix

    mask[i, j] = True  if j <= i   (query i may attend to key j)
                 False otherwise

which is lower-triangular. Return it with dtype torch.bool, shape (T, T).
"""

import torch


def causal_mask(T: int) -> torch.Tensor:
    """The (T, T) bool mask that is True on and below the diagonal."""
    return torch.ones(T, T, dtype=torch.bool).tril()
