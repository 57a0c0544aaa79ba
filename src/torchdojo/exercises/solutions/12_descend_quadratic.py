"""Gradient descent on f(x) = x^2 + 3.

Gradient descent takes steps against the derivative, f'(x) = 2x:

    x_{t+1} = x_t - lr * f'(x_t)

Start at x_0 = x0, take `steps` steps, and return the whole trajectory
[x_0, x_1, ..., x_steps] as a float64 tensor of shape (steps + 1,). With a small
enough learning rate x goes to 0, and f(x) to its minimum 3. (Autograd or the
hand-derived f' both work.)
"""

import torch


def descend(x0: float, lr: float, steps: int) -> torch.Tensor:
    """The gradient-descent trajectory of x^2 + 3 from x0: (steps + 1,) float64."""
    xs = [float(x0)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * 2 * xs[-1])  # f'(x) = 2x
    return torch.tensor(xs, dtype=torch.float64)
