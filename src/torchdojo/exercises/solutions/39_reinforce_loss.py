"""The REINFORCE loss with a baseline.

For one episode with log-probabilities of the actions taken, log pi(a_t|s_t),
returns G_t and a baseline b_t = V(s_t) from a value network, the advantage
A_t = G_t - b_t says how much better than expected step t went. The policy-gradient
loss whose gradient is the REINFORCE estimator is

    loss = -(1/T) * sum_t log pi(a_t|s_t) * A_t

The baseline only lowers the variance: it must not be trained by this loss, so
the advantage must carry no gradient into `values` (detach it). All inputs are
(T,); return a 0-dim tensor.
"""

import torch


def reinforce_loss(log_probs: torch.Tensor, returns: torch.Tensor,
                   values: torch.Tensor) -> torch.Tensor:
    """-mean(log_probs * (returns - values)), with no gradient through the baseline."""
    advantage = (returns - values).detach()
    return -(log_probs * advantage).mean()
