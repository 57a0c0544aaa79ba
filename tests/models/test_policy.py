"""Policy/value nets and the RL pieces: log-probs, returns, the REINFORCE gradient, the extra."""

import sys

import pytest
import torch
import torch.nn.functional as F

from torchdojo.errors import DojoError
from torchdojo.methods import rl
from torchdojo.models.policy import ActorCritic, PolicyNet, ValueNet


def test_policy_distribution_and_actions():
    torch.manual_seed(0)
    policy = PolicyNet(4, 3, hidden=16)
    obs = torch.randn(6, 4)
    logits = policy(obs)  # (6, 3)
    actions = torch.tensor([0, 1, 2, 2, 1, 0])
    torch.testing.assert_close(policy.distribution(obs).log_prob(actions),
                               F.log_softmax(logits, -1)[torch.arange(6), actions])
    assert (policy.act(obs, greedy=True) == logits.argmax(-1)).all()
    torch.manual_seed(1)
    samples = torch.stack([policy.act(obs[:1]) for _ in range(4000)]).flatten()
    freq = torch.bincount(samples, minlength=3).float() / 4000
    torch.testing.assert_close(freq, logits[0].softmax(-1).detach(), atol=0.03, rtol=0)


def test_value_net_shape_and_actor_critic_parts():
    net = ActorCritic(4, 2, hidden=8)
    assert isinstance(net.policy, PolicyNet) and isinstance(net.value, ValueNet)
    assert net.value(torch.randn(5, 4)).shape == (5,)


def test_discounted_returns_closed_form():
    gamma, T = 0.9, 7
    returns = rl.discounted_returns(torch.ones(T), gamma)
    expected = torch.tensor([(1 - gamma ** (T - t)) / (1 - gamma) for t in range(T)])
    torch.testing.assert_close(returns, expected)
    r = torch.tensor([0.0, 0.0, 5.0])
    torch.testing.assert_close(rl.discounted_returns(r, 0.5), torch.tensor([1.25, 2.5, 5.0]))


def test_reinforce_gradient_is_score_function_times_advantage():
    # d/dlogits [-log softmax(logits)_a * A] = -(onehot(a) - softmax(logits)) * A
    logits = torch.randn(5, 3, requires_grad=True)
    actions, advantages = torch.tensor([0, 2, 1, 1, 0]), torch.randn(5)
    loss = -(torch.distributions.Categorical(logits=logits).log_prob(actions) * advantages).sum()
    loss.backward()
    manual = -(F.one_hot(actions, 3) - logits.softmax(-1)) * advantages[:, None]
    torch.testing.assert_close(logits.grad, manual.detach())


def test_missing_gymnasium_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # import gymnasium -> ImportError
    with pytest.raises(DojoError, match=r"pip install 'torchdojo\[rl\]'"):
        rl.make_env()


def test_rollout_on_cartpole_is_seeded():
    pytest.importorskip("gymnasium")  # the rl extra; the error above covers its absence
    env = rl.make_env("CartPole-v1")
    torch.manual_seed(0)
    policy = PolicyNet(4, 2, hidden=8)
    a = rl.rollout(env, policy, seed=3, greedy=True)
    b = rl.rollout(env, policy, seed=3, greedy=True)
    assert a.obs.shape == (len(a.rewards), 4) and a.total == len(a.rewards) > 0
    torch.testing.assert_close(a.obs, b.obs)
    assert (a.actions == policy(a.obs).argmax(-1)).all()
