"""Convolution arithmetic: how big is the output?

A convolution (or pooling) with kernel size k, stride s, padding p and dilation d
over an input of size n along one axis produces

    out = floor( (n + 2p - d(k - 1) - 1) / s ) + 1

positions along that axis. (This is the formula in the nn.Conv2d documentation.)
Return it as a Python int.
"""


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """The output length of a convolution along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
