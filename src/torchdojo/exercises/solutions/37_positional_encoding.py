"""Sinusoidal positional encodings.

Attention does not know the order of tokens; the transformer adds to each
position p a vector of sines and cosines of geometrically spaced frequencies
(Vaswani et al., 2017, section 3.5). For p = 0..T-1 and i = 0..d/2-1:

    PE[p, 2i]     = sin( p / 10000^(2i/d) )
    PE[p, 2i + 1] = cos( p / 10000^(2i/d) )

(sines in the even columns, cosines in the odd ones, interleaved). d is even.
Return PE, a float tensor of shape (T, d).
"""

import torch


def sinusoidal_positions(T: int, d: int) -> torch.Tensor:
    """The (T, d) table of sinusoidal position encodings."""
    p = torch.arange(T, dtype=torch.float64)[:, None]  # (T, 1)
    two_i = torch.arange(0, d, 2, dtype=torch.float64)  # (d/2,)
    angle = p / 10000 ** (two_i / d)  # (T, d/2)
    pe = torch.zeros(T, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
