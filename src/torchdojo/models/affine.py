"""One layer of neurons, written out: y = W x + b, with the same parameters as nn.Linear."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Affine(nn.Module):
    """y = W x + b for a batch of points; state_dict keys `weight` (out, in) and `bias` (out,),
    so its weights load into nn.Linear and back."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))  # W: (out, in)
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None  # b: (out,)
        # nn.Linear's initialisation: uniform in +-1/sqrt(in_features)
        bound = 1 / math.sqrt(in_features)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        # y_i = sum_j W_ij x_j + b_i, for every row of x at once
        y = x @ self.weight.T  # (B, in) @ (in, out) -> (B, out)
        if self.bias is not None:
            y = y + self.bias  # (out,) broadcast over the batch
        return y

    @torch.no_grad()
    def decide(self, x: Tensor) -> Tensor:
        """The decision rule from scores to classes: threshold one score at 0, else argmax."""
        scores = self(x)  # (B, out)
        if scores.shape[-1] == 1:
            return (scores[:, 0] > 0).long()  # (B,): class 1 where w.x + b > 0
        return scores.argmax(-1)  # (B,): the class with the highest score
