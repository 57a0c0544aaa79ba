"""One step of a recurrent network (an Elman RNN cell).

The new hidden state mixes the input and the previous hidden state:

    h' = tanh( x W_ih^T + b_ih + h W_hh^T + b_hh )

x (B, I), h (B, H), W_ih (H, I), W_hh (H, H), b_ih (H,), b_hh (H,) -> h' (B, H).
This is nn.RNNCell; write it without nn.RNNCell or nn.RNN.
"""

import torch


def rnn_cell(x: torch.Tensor, h: torch.Tensor, W_ih: torch.Tensor, W_hh: torch.Tensor,
             b_ih: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """The next hidden state of an Elman RNN: (B, I), (B, H) -> (B, H)."""
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
