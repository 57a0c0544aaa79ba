"""One step of gradient descent with (heavy-ball) momentum.

Plain gradient descent steps against the gradient: p <- p - lr * grad. Momentum
keeps a velocity, a running sum of past gradients in which each older one counts
beta times less, and steps against that instead:

    velocity_new = beta * velocity + grad
    p_new        = p - lr * velocity_new

This is torch.optim.SGD(params, lr=lr, momentum=beta)'s rule (write it yourself;
do not use torch.optim). The first step starts from velocity = 0; with beta = 0 it
is plain gradient descent. Return (p_new, velocity_new) as new tensors and leave
p, velocity and grad unchanged.
"""

import torch


def momentum_step(p: torch.Tensor, velocity: torch.Tensor, grad: torch.Tensor, lr: float,
                  beta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The parameters and velocity after one heavy-ball step."""
    velocity = beta * velocity + grad  # older gradients fade by beta per step
    return p - lr * velocity, velocity
