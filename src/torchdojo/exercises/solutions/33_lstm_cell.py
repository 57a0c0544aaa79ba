"""One step of an LSTM: the gates.

Compute all four gates' pre-activations at once, then split them in this order
(PyTorch's): input i, forget f, cell candidate g, output o, each (B, H):

    gates      = x W_ih^T + b_ih + h W_hh^T + b_hh        (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, o    = sigmoid(i), sigmoid(f), sigmoid(o);   g = tanh(g)
    c'         = f * c + i * g                           (forget some, write some)
    h'         = o * tanh(c')

x (B, I), h and c (B, H), W_ih (4H, I), W_hh (4H, H), b_ih and b_hh (4H,).
Return (h', c'). This is nn.LSTMCell; write it without nn.LSTMCell or nn.LSTM.
"""

import torch


def lstm_cell(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, W_ih: torch.Tensor,
              W_hh: torch.Tensor, b_ih: torch.Tensor,
              b_hh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The next (hidden, cell) state of an LSTM: each (B, H)."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_next = torch.sigmoid(o) * torch.tanh(c_next)
    return h_next, c_next
