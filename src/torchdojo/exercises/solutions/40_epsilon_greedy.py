"""An epsilon-greedy bandit: choose an arm, then update what you know about it.

A row of slot machines (arms) each pays a reward with its own unknown mean. The
player keeps an estimate Q[a] of each arm's mean reward and a count N[a] of its pulls.

Choosing (epsilon-greedy): with probability epsilon explore, else exploit:

    arm = random_arm            if u < epsilon    (u: a uniform draw in [0, 1))
    arm = argmax_a Q[a]         otherwise         (on a tie, the first best arm)

The randomness is passed in (u and random_arm), so the same inputs give the same arm.
Return the arm as a Python int.

Updating (the incremental mean): after a pull of `arm` that paid `reward`,

    N[arm] <- N[arm] + 1
    Q[arm] <- Q[arm] + (reward - Q[arm]) / N[arm]

which keeps Q[arm] equal to the mean of every reward that arm has paid, without storing
them. values (Q) and counts (N) are (K,) float64 tensors; return the new (values, counts)
as new tensors, leaving the inputs unchanged.
"""

import torch


def choose_arm(values: torch.Tensor, epsilon: float, u: float, random_arm: int) -> int:
    """random_arm if u < epsilon, else the index of the largest value (the first, on a tie)."""
    if u < epsilon:
        return random_arm
    return int(values.argmax())


def update_estimate(values: torch.Tensor, counts: torch.Tensor, arm: int,
                    reward: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One more pull of `arm`: its count + 1, its value moved 1/N of the way to the reward."""
    counts = counts.clone()  # new tensors: the caller's stay as they were
    counts[arm] += 1
    values = values.clone()
    values[arm] += (reward - values[arm]) / counts[arm]
    return values, counts
