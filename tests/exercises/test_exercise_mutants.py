"""The mutation harness: plausible wrong answers must fail the hidden checks on every seed.

Each mutant is one or more edits of the reference solution's text (the edited text must
occur in it, so the table cannot silently rot), each a mistake a learner really makes:
off-by-one, wrong axis, sum for mean, a missing bias, a flipped sign, the wrong scale.
`dojo check` draws fresh cases every run, so a mutant that passes even one seed in 50
would pass some learner's check: the sweep runs SEEDS seeds, and the reference must pass
all of them too. A survivor means the check is too weak: strengthen its cases, never
weaken the mutant. The first mutant of each exercise also shows how precisely the
failure is explained (its message fragment, on seed 0).

Everything runs in this process, on one thread; the reference runs once per seed, and a
mutant stops at its first failing case.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import torch

from torchdojo.exercises import catalog, observe
from torchdojo.exercises.grader import check_module, reference
from torchdojo.exercises.judge import check_source, judge_case
from torchdojo.exercises.spec import Exercise

SEEDS = range(int(os.environ.get("DOJO_MUTANT_SEEDS", "50")))
EXERCISES = catalog.all_exercises()


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[tuple[str, str], ...]  # (text in the solution, its wrong replacement)
    fragment: str = ""  # when given: the failure message on seed 0 must hold it


def m(name: str, right: str, wrong: str, *more: tuple[str, str], fragment: str = "") -> Mutant:
    return Mutant(name, ((right, wrong), *more), fragment)


MUTANTS: dict[str, tuple[Mutant, ...]] = {
    "tensor-standardize": (
        m("sample std (N - 1)", "correction=0", "correction=1", fragment="Z is wrong"),
        m("mean over the row", "X.mean(dim=0, keepdim=True)", "X.mean(dim=1, keepdim=True)"),
        m("no dim: the mean and std of everything", "X.mean(dim=0, keepdim=True)", "X.mean()",
          ("X.std(dim=0, correction=0, keepdim=True)", "X.std(correction=0)")),
        m("not centred", "return (X - mu) / sigma", "return X / sigma"),
        m("divided by the variance", "return (X - mu) / sigma", "return (X - mu) / sigma**2"),
    ),
    "pairwise-distances": (
        m("no square root", ".sum(dim=-1).sqrt()", ".sum(dim=-1)", fragment="dist is wrong"),
        m("L1 distance", "(diff**2).sum(dim=-1).sqrt()", "diff.abs().sum(dim=-1)"),
        m("mean over the coordinates", ".sum(dim=-1).sqrt()", ".mean(dim=-1).sqrt()"),
        m("axes swapped: (M, N)", "a[:, None, :] - b[None, :, :]", "a[None, :, :] - b[:, None, :]"),
    ),
    "autograd-grad": (
        m("sum, not mean", "** 2).mean()", "** 2).sum()", fragment="loss is wrong"),
        m("square of the mean", "loss = ((X @ w - y) ** 2).mean()",
          "loss = ((X @ w - y).mean()) ** 2"),
        m("half the MSE", "loss = ((X @ w - y) ** 2).mean()",
          "loss = 0.5 * ((X @ w - y) ** 2).mean()"),
        m("hand gradient without 1/N", "return loss.detach(), w.grad",
          "return loss.detach(), (2 * X.T @ (X @ w - y)).detach()"),
    ),
    "affine-layer": (
        m("no bias", "return X @ W.T + b", "return X @ W.T", fragment="Y is wrong"),
        m("W not transposed", "return X @ W.T + b", "return X @ W + b"),
        m("(out, B) layout", "return X @ W.T + b", "return W @ X.T + b"),
        m("bias subtracted", "return X @ W.T + b", "return X @ W.T - b"),
    ),
    "argmax-classifier": (
        m("argmax over the batch", "argmax(dim=1)", "argmax(dim=0)", fragment="classes"),
        m("no bias", "scores = X @ W.T + b", "scores = X @ W.T"),
        m("argmin", "scores.argmax(dim=1)", "scores.argmin(dim=1)"),
        m("the best score, not its class", "scores.argmax(dim=1)", "scores.max(dim=1).values"),
    ),
    "threshold-classifier": (
        m("bools, not ints", "return (X @ w + b > 0).long()", "return X @ w + b > 0",
          fragment="should be an integer tensor"),
        m("a score of 0 counts as positive", "X @ w + b > 0", "X @ w + b >= 0"),
        m("no bias", "X @ w + b > 0", "X @ w > 0"),
        m("threshold 0.5, as for a probability", "X @ w + b > 0", "X @ w + b > 0.5"),
        m("classes flipped", "X @ w + b > 0", "X @ w + b < 0"),
    ),
    "softmax": (
        m("no max subtracted", "e = torch.exp(z - m)", "e = torch.exp(z)",
          fragment="contains nan or inf"),
        m("one max for the whole tensor", "z.max(dim=-1, keepdim=True).values", "z.max()"),
        m("max over the first axis", "z.max(dim=-1, keepdim=True)", "z.max(dim=0, keepdim=True)"),
        m("normalised over the first axis", "e.sum(dim=-1, keepdim=True)",
          "e.sum(dim=0, keepdim=True)"),
        m("sum without keepdim", "e.sum(dim=-1, keepdim=True)", "e.sum(dim=-1)"),
    ),
    "cross-entropy-point": (
        m("sign flipped", "return log_sum_exp - z[y]", "return z[y] - log_sum_exp",
          fragment="loss is wrong"),
        m("the max not added back", "log_sum_exp = m + torch.log(", "log_sum_exp = torch.log("),
        m("-log of the softmax probability", "return log_sum_exp - z[y]",
          "return -torch.log(torch.exp(z - m)[y] / torch.exp(z - m).sum())"),
        m("log of the mean, not the sum", "torch.exp(z - m).sum()", "torch.exp(z - m).mean()"),
    ),
    "cross-entropy-batch": (
        m("no max subtracted", "logits.max(dim=1, keepdim=True).values", "logits[:, :1] * 0",
          fragment="expected a finite value"),
        m("sum over the batch", "return (log_sum_exp - true_class).mean()",
          "return (log_sum_exp - true_class).sum()"),
        m("logits[:, targets]", "logits[torch.arange(len(targets)), targets]",
          "logits[:, targets]"),
        m("one max for the whole batch", "m = logits.max(dim=1, keepdim=True).values",
          "m = logits.max()", ("m.squeeze(1) + ", "m + ")),
        m("log-sum-exp over the batch axis", "torch.exp(logits - m).sum(dim=1)",
          "torch.exp(logits - m).sum(dim=0)"),
    ),
    "logistic-loss": (
        m("naive softplus", "torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))",
          "torch.log(1 + torch.exp(z))", fragment="expected a finite value"),
        m("+ y z", "(softplus - y * z)", "(softplus + y * z)"),
        m("labels swapped", "(softplus - y * z)", "(softplus - (1 - y) * z)"),
        m("sum over the batch", "(softplus - y * z).mean()", "(softplus - y * z).sum()"),
        m("exp(-z), not exp(-|z|)", "torch.exp(-z.abs())", "torch.exp(-z)"),
    ),
    "mse-loss": (
        m("sum, not mean", ".mean()", ".sum()", fragment="loss is wrong"),
        m("square of the mean", "((pred - target) ** 2).mean()", "((pred - target).mean()) ** 2"),
        m("absolute error", "((pred - target) ** 2).mean()", "(pred - target).abs().mean()"),
        m("mean over the first axis only", "** 2).mean()", "** 2).mean(dim=0)"),
        m("half the MSE", "((pred - target) ** 2).mean()", "((pred - target) ** 2).mean() / 2"),
    ),
    "descend-quadratic": (
        m("steps uphill", "xs[-1] - lr * 2 * xs[-1]", "xs[-1] + lr * 2 * xs[-1]",
          fragment="trajectory is wrong"),
        m("derivative x, not 2x", "xs[-1] - lr * 2 * xs[-1]", "xs[-1] - lr * xs[-1]"),
        m("derivative 2x + 3", "xs[-1] - lr * 2 * xs[-1]", "xs[-1] - lr * (2 * xs[-1] + 3)"),
        m("one step too many", "for _ in range(steps):", "for _ in range(steps + 1):"),
        m("the start left out", "return torch.tensor(xs, dtype=torch.float64)",
          "return torch.tensor(xs[1:], dtype=torch.float64)"),
    ),
    "gd-step": (
        m("steps uphill", "(W - lr * grad_W)", "(W + lr * grad_W)", fragment="W_new is wrong"),
        m("summed loss", "F.cross_entropy(X @ W.T + b, y)",
          "F.cross_entropy(X @ W.T + b, y, reduction='sum')"),
        m("bias not updated", "(b - lr * grad_b).detach()", "b.detach()"),
        m("learning rate left out", "(W - lr * grad_W)", "(W - grad_W)"),
    ),
    "activations": (
        m("naive sigmoid", "return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))",
          "return 1 / (1 + torch.exp(-x))", fragment="gradient with respect to 'x' contains nan"),
        m("relu as x + |x|", "return torch.clamp(x, min=0)", "return x + x.abs()"),
        m("sigmoid branches swapped", "torch.where(x >= 0, 1 / (1 + e), e / (1 + e))",
          "torch.where(x >= 0, e / (1 + e), 1 / (1 + e))"),
        m("exp(-x), not exp(-|x|)", "e = torch.exp(-x.abs())", "e = torch.exp(-x)"),
    ),
    "xor-network": (
        m("no hidden bias", "b1 = torch.tensor([0.0, -1.0]", "b1 = torch.tensor([0.0, 0.0]",
          fragment="misclassified"),
        m("no ReLU", "h = torch.clamp(X @ W1.T + b1, min=0)", "h = X @ W1.T + b1"),
        m("no output bias", "return h @ w2 + b2", "return h @ w2"),
        m("w2 = [1, -1]", "w2 = torch.tensor([1.0, -2.0]", "w2 = torch.tensor([1.0, -1.0]"),
    ),
    "linear-backward": (
        m("X^T G for grad_W", "G.T @ X", "X.T @ G", fragment="grad_W has shape"),
        m("grad_b averaged", "G.sum(dim=0)", "G.mean(dim=0)"),
        m("grad_b summed over outputs", "G.sum(dim=0)", "G.sum(dim=1)"),
        m("G W^T for grad_X", "return G @ W,", "return G @ W.T,"),
    ),
    "cross-entropy-backward": (
        m("not divided by B", "return (probs - onehot) / len(targets)", "return probs - onehot",
          fragment="grad_logits is wrong"),
        m("sign flipped", "(probs - onehot)", "(onehot - probs)"),
        m("softmax over the batch", "torch.softmax(logits, dim=1)", "torch.softmax(logits, dim=0)"),
        m("onehot[:, targets]", "onehot[torch.arange(len(targets)), targets] = 1.0",
          "onehot[:, targets] = 1.0"),
        m("divided by C", "/ len(targets)", "/ logits.shape[1]"),
    ),
    "two-layer-backward": (
        m("no ReLU mask", "dA = (dZ @ W2) * (A > 0)", "dA = dZ @ W2", fragment="dW1 is wrong"),
        m("pre-activation A in dW2", "dW2, db2 = dZ.T @ H,", "dW2, db2 = dZ.T @ A,"),
        m("not divided by B", "    dZ /= len(y)\n", ""),
        m("ReLU's derivative taken as H", "dA = (dZ @ W2) * (A > 0)", "dA = (dZ @ W2) * H"),
    ),
    "accuracy": (
        m("count, not fraction", ".float().mean().item()", ".float().sum().item()",
          fragment="accuracy is wrong"),
        m("error rate", "== targets", "!= targets"),
        m("a percentage", ".float().mean().item()", ".float().mean().item() * 100"),
        m("argmax of the flattened logits", "logits.argmax(dim=1)", "logits.argmax()"),
    ),
    "training-loop": (
        m("no zero_grad", "        optimizer.zero_grad()  # gradients add up otherwise\n", "",
          fragment="losses[2] is wrong"),
        m("zero_grad between backward and step",
          "        optimizer.zero_grad()  # gradients add up otherwise\n", "",
          ("        loss.backward()\n",
           "        loss.backward()\n        optimizer.zero_grad()\n")),
        m("step before backward", "        loss.backward()\n        optimizer.step()\n",
          "        optimizer.step()\n        loss.backward()\n"),
        m("learning rate hard-coded", "lr=lr)", "lr=0.1)"),
    ),
    "normalize-images": (
        m("no channel axis", "return ((x - mean) / std).unsqueeze(1)", "return (x - mean) / std",
          fragment="images has shape"),
        m("not divided by 255", "x = raw.to(torch.float32) / 255.0", "x = raw.to(torch.float32)"),
        m("integer division by 255", "x = raw.to(torch.float32) / 255.0",
          "x = (raw // 255).to(torch.float32)"),
        m("x - mean / std", "((x - mean) / std)", "(x - mean / std)"),
        m("the channel axis first", ".unsqueeze(1)", ".unsqueeze(0)"),
    ),
    "confusion-matrix": (
        m("transposed", "pair = targets * num_classes + preds",
          "pair = preds * num_classes + targets", fragment="matrix is wrong"),
        m("no minlength", ", minlength=num_classes * num_classes)", ")"),
        m("targets + preds as the cell", "pair = targets * num_classes + preds",
          "pair = targets + preds"),
        m("index-assign += 1 (repeats count once)",
          "    pair = targets * num_classes + preds  # one index per (truth, prediction) pair\n"
          "    counts = torch.bincount(pair, minlength=num_classes * num_classes)\n"
          "    return counts.view(num_classes, num_classes)",
          "    matrix = torch.zeros(num_classes, num_classes, dtype=torch.int64)\n"
          "    matrix[targets, preds] += 1\n"
          "    return matrix"),
    ),
    "conv-output-size": (
        m("true division", "- dilation * (kernel - 1) - 1) // stride", "- kernel) / stride",
          fragment="should be an int"),
        m("dilation ignored", "- dilation * (kernel - 1) - 1) // stride", "- kernel) // stride"),
        m("padding on one side only", "size + 2 * padding", "size + padding"),
        m("no + 1", "// stride + 1", "// stride"),
        m("ceiling division", "return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride",
          "return -(-(size + 2 * padding - dilation * (kernel - 1) - 1) // stride)"),
    ),
    "lenet-forward": (
        m("no ReLU after fc2", "        x = F.relu(self.fc2(x))\n", "        x = self.fc2(x)\n",
          fragment="logits is wrong"),
        m("ReLU on the logits", "return self.fc3(x)", "return F.relu(self.fc3(x))"),
        m("average pooling", "x = F.max_pool2d(F.relu(self.conv2(x)), 2)",
          "x = F.avg_pool2d(F.relu(self.conv2(x)), 2)"),
        m("softmax on the logits", "return self.fc3(x)", "return F.softmax(self.fc3(x), dim=1)"),
    ),
    "vae-reparameterize": (
        m("sigma = exp(logvar)", "torch.exp(0.5 * logvar)", "torch.exp(logvar)",
          fragment="z is wrong"),
        m("fresh noise, not eps", "torch.exp(0.5 * logvar) * eps",
          "torch.exp(0.5 * logvar) * torch.randn_like(mu)"),
        m("logvar taken as the std", "torch.exp(0.5 * logvar) * eps", "logvar * eps"),
        m("0.5 outside the exp", "torch.exp(0.5 * logvar) * eps", "0.5 * torch.exp(logvar) * eps"),
    ),
    "vae-kl": (
        m("sign flipped", "return -0.5 * (", "return 0.5 * (", fragment="kl is wrong"),
        m("mean over the latents", ".sum(dim=1)", ".mean(dim=1)"),
        m("summed over the batch", ".sum(dim=1)", ".sum(dim=0)"),
        m("exp(2 logvar) for the variance", "- torch.exp(logvar)", "- torch.exp(2 * logvar)"),
        m("the 1 left out", "(1 + logvar - mu**2", "(logvar - mu**2"),
    ),
    "addition-dataset": (
        m("a + a", "a, b, a + b", "a, b, a + a", fragment="label_sum is wrong"),
        m("image i twice", "self.images[i], self.images[j]", "self.images[i], self.images[i]"),
        m("paired with itself", "j = self.partner[i]", "j = i"),
        m("images swapped", "self.images[i], self.images[j]", "self.images[j], self.images[i]"),
        m("one item short", "return len(self.partner)", "return len(self.partner) - 1"),
    ),
    "gan-losses": (
        m("minimax generator loss",
          "return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))",
          "return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))",
          fragment="loss is wrong"),
        m("discriminator labels swapped", "(real_logits, torch.ones_like(real_logits))",
          "(real_logits, torch.zeros_like(real_logits))",
          ("(fake_logits, torch.zeros_like(fake_logits))",
           "(fake_logits, torch.ones_like(fake_logits))")),
        m("discriminator terms averaged", "return real + fake", "return (real + fake) / 2"),
        m("generator asks for 0", "return F.binary_cross_entropy_with_logits(fake_logits, "
          "torch.ones_like(fake_logits))", "return F.binary_cross_entropy_with_logits("
          "fake_logits, torch.zeros_like(fake_logits))"),
        m("discriminator calls fakes real", "(fake_logits, torch.zeros_like(fake_logits))",
          "(fake_logits, torch.ones_like(fake_logits))"),
    ),
    "ddpm-schedule": (
        m("1 - cumsum", "torch.cumprod(1 - betas, dim=0)", "1 - torch.cumsum(betas, dim=0)",
          fragment="alpha_bar is wrong"),
        m("alpha, not alpha_bar", "return torch.cumprod(1 - betas, dim=0)", "return 1 - betas"),
        m("1 - cumprod(beta)", "torch.cumprod(1 - betas, dim=0)",
          "1 - torch.cumprod(betas, dim=0)"),
        m("shifted by one: alpha_bar_0 = 1", "return torch.cumprod(1 - betas, dim=0)",
          "return torch.cat([torch.ones(1, dtype=torch.float64), "
          "torch.cumprod(1 - betas, dim=0)[:-1]])"),
        m("betas from 0", "torch.linspace(beta_1, beta_T", "torch.linspace(0, beta_T"),
    ),
    "ddpm-forward": (
        m("no square roots", "a.sqrt() * x0 + (1 - a).sqrt() * noise", "a * x0 + (1 - a) * noise",
          fragment="x_t is wrong"),
        m("1 - sqrt(a)", "(1 - a).sqrt() * noise", "(1 - a.sqrt()) * noise"),
        m("step t - 1 (counting from 1)", "a = alpha_bar[t]", "a = alpha_bar[t - 1]"),
        m("noise scaled by the variance", "(1 - a).sqrt() * noise", "(1 - a) * noise"),
        m("one step for the whole batch", "a = alpha_bar[t]", "a = alpha_bar[t[0]].expand(len(t))"),
    ),
    "ddpm-loss": (
        m("the model sees x0", "eps_model(x_t, t)", "eps_model(x0, t)", fragment="loss is wrong"),
        m("predicts x0, not the noise", "((noise - eps_model(x_t, t)) ** 2)",
          "((x0 - eps_model(x_t, t)) ** 2)"),
        m("sum, not mean", "** 2).mean()", "** 2).sum()"),
        m("noise scaled by the variance", "(1 - a).sqrt() * noise", "(1 - a) * noise"),
        m("absolute error", "((noise - eps_model(x_t, t)) ** 2)",
          "(noise - eps_model(x_t, t)).abs()"),
    ),
    "rnn-cell": (
        m("sigmoid", "torch.tanh(", "torch.sigmoid(", fragment="h_next is wrong"),
        m("no b_hh", " + h @ W_hh.T + b_hh)", " + h @ W_hh.T)"),
        m("W_hh not transposed", "h @ W_hh.T", "h @ W_hh"),
        m("tanh of the input part only", "torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)",
          "torch.tanh(x @ W_ih.T + b_ih) + h @ W_hh.T + b_hh"),
    ),
    "lstm-cell": (
        m("gates in the order i, f, o, g", "i, f, g, o = gates.chunk(4, dim=1)",
          "i, f, o, g = gates.chunk(4, dim=1)", fragment="is wrong"),
        m("h from the old cell", "torch.sigmoid(o) * torch.tanh(c_next)",
          "torch.sigmoid(o) * torch.tanh(c)"),
        m("sigmoid for the candidate", "torch.sigmoid(i) * torch.tanh(g)",
          "torch.sigmoid(i) * torch.sigmoid(g)"),
        m("no tanh on the new cell", "torch.sigmoid(o) * torch.tanh(c_next)",
          "torch.sigmoid(o) * c_next"),
        m("input and forget gates swapped", "torch.sigmoid(f) * c + torch.sigmoid(i) *",
          "torch.sigmoid(i) * c + torch.sigmoid(f) *"),
    ),
    "attention": (
        m("not scaled", " / math.sqrt(q.shape[-1])", "", fragment="out is wrong"),
        m("sqrt(d_v), not sqrt(d_k)", "math.sqrt(q.shape[-1])", "math.sqrt(v.shape[-1])"),
        m("sqrt(T_k), not sqrt(d_k)", "math.sqrt(q.shape[-1])", "math.sqrt(k.shape[-2])"),
        m("scaled by d_k, not its root", "math.sqrt(q.shape[-1])", "q.shape[-1]"),
        m("softmax over the queries", "torch.softmax(scores, dim=-1)",
          "torch.softmax(scores, dim=-2)"),
        m("mask not inverted", "scores.masked_fill(~mask,", "scores.masked_fill(mask,"),
        m("masked scores set to 0", "float(\"-inf\")", "0.0"),
    ),
    "causal-mask": (
        m("upper triangle", ".tril()", ".triu()", fragment="mask is wrong"),
        m("diagonal excluded", ".tril()", ".tril(-1)"),
        m("floats 0/1", "torch.ones(T, T, dtype=torch.bool).tril()", "torch.ones(T, T).tril()"),
        m("one step of future", ".tril()", ".tril(1)"),
        m("an additive 0/-inf mask", "torch.ones(T, T, dtype=torch.bool).tril()",
          "torch.full((T, T), float('-inf')).triu(1)"),
    ),
    "multi-head": (
        m("viewed straight as (B, h, T, d)",
          "return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)",
          "return x.view(B, n_heads, T, C // n_heads)", fragment="out is wrong"),
        m("channels cut as (d, h)", "x.view(B, T, n_heads, C // n_heads).transpose(1, 2)",
          "x.view(B, T, C // n_heads, n_heads).transpose(1, 3).transpose(2, 3)"),
        m("merged without transposing back", "return x.transpose(1, 2).reshape(B, T, h * d)",
          "return x.reshape(B, T, h * d)"),
        m("merged with the last two axes swapped", "return x.transpose(1, 2).reshape(B, T, h * d)",
          "return x.transpose(2, 3).reshape(B, T, h * d)"),
    ),
    "positional-encoding": (
        m("sines then cosines in blocks",
          "pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)",
          "pe[:, : d // 2] = torch.sin(angle)\n    pe[:, d // 2:] = torch.cos(angle)",
          fragment="pe is wrong"),
        m("sin and cos swapped",
          "pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)",
          "pe[:, 0::2] = torch.cos(angle)\n    pe[:, 1::2] = torch.sin(angle)"),
        m("exponent i/d, not 2i/d", "two_i = torch.arange(0, d, 2, dtype=torch.float64)",
          "two_i = torch.arange(d // 2, dtype=torch.float64)"),
        m("positions from 1", "p = torch.arange(T, dtype=torch.float64)",
          "p = torch.arange(1, T + 1, dtype=torch.float64)"),
    ),
    "discounted-returns": (
        m("forward loop", "for t in reversed(range(len(rewards))):",
          "for t in range(len(rewards)):", fragment="returns is wrong"),
        m("the reward discounted too", "running = rewards[t] + gamma * running",
          "running = gamma * (rewards[t] + running)"),
        m("stored before the update",
          "        running = rewards[t] + gamma * running\n        returns[t] = running\n",
          "        returns[t] = running\n        running = rewards[t] + gamma * running\n"),
        m("not discounted", "running = rewards[t] + gamma * running",
          "running = rewards[t] + running"),
    ),
    "reinforce-loss": (
        m("baseline not detached", "advantage = (returns - values).detach()",
          "advantage = returns - values", fragment="a gradient reaches 'values', but none should"),
        m("no minus sign", "return -(log_probs * advantage).mean()",
          "return (log_probs * advantage).mean()"),
        m("no baseline", "advantage = (returns - values).detach()", "advantage = returns"),
        m("sum over the steps", "(log_probs * advantage).mean()", "(log_probs * advantage).sum()"),
    ),
    "epsilon-greedy": (
        m("constant step size", "(reward - values[arm]) / counts[arm]",
          "0.1 * (reward - values[arm])", fragment="values is wrong"),
        m("explores at u == epsilon", "if u < epsilon:", "if u <= epsilon:"),
        m("explores when u >= epsilon", "if u < epsilon:", "if u >= epsilon:"),
        m("argmin", "int(values.argmax())", "int(values.argmin())"),
        m("counted after the update", "    counts[arm] += 1\n    values = values.clone()\n"
          "    values[arm] += (reward - values[arm]) / counts[arm]\n",
          "    values = values.clone()\n    values[arm] += (reward - values[arm]) / counts[arm]\n"
          "    counts[arm] += 1\n"),
        m("counts changed in place", "counts = counts.clone()", "counts = counts"),
    ),
    "softplus-function": (
        m("naive sigmoid in backward", "return grad_out * torch.sigmoid(x)",
          "return grad_out * torch.exp(x) / (1 + torch.exp(x))",
          fragment="gradient with respect to 'x' contains nan"),
        m("grad_out left out", "return grad_out * torch.sigmoid(x)", "return torch.sigmoid(x)"),
        m("sigmoid(-x) in backward", "grad_out * torch.sigmoid(x)", "grad_out * torch.sigmoid(-x)"),
        m("naive forward", "return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))",
          "return torch.log1p(torch.exp(x))"),
        m("exp(-x), not exp(-|x|)", "torch.log1p(torch.exp(-x.abs()))",
          "torch.log1p(torch.exp(-x))"),
    ),
    "momentum-step": (
        m("steps with the raw gradient", "return p - lr * velocity, velocity",
          "return p - lr * grad, velocity", fragment="p_new is wrong"),
        m("an average, not a sum", "velocity = beta * velocity + grad",
          "velocity = beta * velocity + (1 - beta) * grad"),
        m("lr inside the velocity", "velocity = beta * velocity + grad  # older gradients fade "
          "by beta per step\n    return p - lr * velocity, velocity",
          "velocity = beta * velocity - lr * grad\n    return p + velocity, velocity"),
        m("steps with the old velocity", "velocity = beta * velocity + grad  # older gradients "
          "fade by beta per step\n    return p - lr * velocity, velocity",
          "p_new = p - lr * velocity\n    return p_new, beta * velocity + grad"),
    ),
    "image-subset": (
        m("image i, not indices[i]", "j = self.indices[i]", "j = i", fragment="image is wrong"),
        m("as long as all the images", "return len(self.indices)", "return len(self.images)"),
        m("label of i", "self.labels[j]  # (1, H, W)", "self.labels[i]  # (1, H, W)"),
        m("not scaled to [0, 1]", ".float() / 255,", ".float(),"),
        m("no channel axis", "self.images[j].unsqueeze(0).float()", "self.images[j].float()"),
    ),
    "label-budget": (
        m("the last k, not the first", ".squeeze(1)[:k]", ".squeeze(1)[-k:]",
          fragment="indices is wrong"),
        m("in data order, not class order", "return torch.cat(picked)",
          "return torch.cat(picked).sort().values"),
        m("classes interleaved", "return torch.cat(picked)",
          "return torch.stack(picked, dim=1).flatten()"),
        m("the labels, not their positions", "(labels == c).nonzero().squeeze(1)[:k]",
          "labels[labels == c][:k]"),
        m("the last class left out", "for c in range(classes)]", "for c in range(classes - 1)]"),
    ),
    "imagenet-input": (
        m("align_corners=True", "align_corners=False)", "align_corners=True)",
          fragment="images is wrong"),
        m("nearest, not bilinear", 'mode="bilinear", align_corners=False', 'mode="nearest"'),
        m("the pixel constants on [0, 1] values", "MEAN, STD = 127 / 255, 128 / 255",
          "MEAN, STD = 127, 128"),
        m("torchvision's ImageNet mean and std", "((x - MEAN) / STD)", "((x - 0.485) / 0.229)"),
        m("repeated along the batch", ".expand(-1, 3, -1, -1)", ".repeat(3, 1, 1, 1)"),
    ),
    "channel-normalise": (
        m("statistics of the images, not of train", "x = train.float() / 255",
          "x = images.float() / 255", fragment="normalised is wrong"),
        m("one mean and std for all channels", "x.mean(dim=(0, 2, 3), keepdim=True)", "x.mean()",
          ("x.std(dim=(0, 2, 3), keepdim=True)", "x.std()")),
        m("population std", "x.std(dim=(0, 2, 3), keepdim=True)",
          "x.std(dim=(0, 2, 3), correction=0, keepdim=True)"),
        m("images not scaled to [0, 1]", "(images.float() / 255 - mean)",
          "(images.float() - mean)"),
        m("one mean and std per pixel", "x.mean(dim=(0, 2, 3), keepdim=True)",
          "x.mean(dim=(0, 1), keepdim=True)",
          ("x.std(dim=(0, 2, 3), keepdim=True)", "x.std(dim=(0, 1), keepdim=True)")),
    ),
    "crop-padded": (
        m("rows and columns swapped", "for i, (top, left) in", "for i, (left, top) in",
          fragment="crops is wrong"),
        m("zero padding", 'mode="reflect"', 'mode="constant"'),
        m("edge padding", 'mode="reflect"', 'mode="replicate"'),
        m("the first image's offsets for all", "for i, (top, left) in enumerate(offsets.tolist()):",
          "for i, (top, left) in enumerate([offsets[0].tolist()] * len(offsets)):"),
        m("padded left and right only", "(pad, pad, pad, pad)", "(pad, pad, 0, 0)"),
    ),
    "scale-latents": (
        m("one scale per dimension", "s = 1 / mu.flatten().std()", "s = 1 / mu.std(dim=0)",
          fragment="z is wrong"),
        m("population std", "mu.flatten().std()", "mu.flatten().std(correction=0)"),
        m("centred too", "return mu * s, s", "return (mu - mu.mean()) * s, s"),
        m("times the std, not over it", "s = 1 / mu.flatten().std()", "s = mu.flatten().std()"),
        m("over the variance", "s = 1 / mu.flatten().std()", "s = 1 / mu.flatten().var()"),
        m("mu scaled in place", "return mu * s, s", "return mu.mul_(s), s"),
    ),
    "latent-reverse-step": (
        m("alpha_bar for alpha", "alpha = 1 - beta[i]", "alpha = alpha_bar[i]",
          fragment="x_prev is wrong"),
        m("noise at the last step too", "    if i == 0:\n        return mean", "    if False:\n"
          "        return mean"),
        m("noise scaled by beta, not its root", "beta[i].sqrt() * z", "beta[i] * z"),
        m("no root of 1 - alpha_bar", "(1 - alpha_bar[i]).sqrt()", "(1 - alpha_bar[i])"),
        m("times sqrt(alpha), not over it", "/ alpha.sqrt()", "* alpha.sqrt()"),
    ),
}


def mutant_source(exercise: Exercise, mutant: Mutant) -> str:
    """The solution with the mutant's edits; each edit hits the last occurrence (docstrings
    may quote the code above it)."""
    source = exercise.solution_path.read_text()
    for right, wrong in mutant.edits:
        assert right in source, f"{exercise.slug}, {mutant.name!r}: {right!r} is not in the text"
        head, _, tail = source.rpartition(right)
        source = head + wrong + tail
    return source


def load(tmp_path, exercise: Exercise, source: str, tag: str):
    path = tmp_path / tag / exercise.file_name
    path.parent.mkdir()
    path.write_text(source)
    return observe.load_learner_module(path, f"mutant_{exercise.file_name[:-3]}_{tag}")


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: threads only add overhead, and on a busy machine a lot of it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def sweep(exercise: Exercise, mutants: dict, seeds) -> tuple[list[int], dict[str, list[int]]]:
    """The seeds the reference fails, and for each mutant the seeds on which it passes.

    The same judgement as `check_module`, case by case: each case's reference observation
    is made once per seed and shared, and a mutant stops at its first failing case. The
    reference is judged against its own observation: deterministic, it would observe the
    same again, and the judge still raises if it errs and applies each case's `check`.
    """
    failed, passed = [], {name: [] for name in mutants}
    for seed in seeds:
        cases = exercise.cases(seed)
        probes = [case.probe(exercise.entry) for case in cases]
        expected = [observe.run_probe(reference(exercise), probe) for probe in probes]
        if any(judge_case(exercise, c, e, e) for c, e in zip(cases, expected)):
            failed.append(seed)
        for name, module in mutants.items():
            if not any(judge_case(exercise, c, observe.run_probe(module, p), e)
                       for c, p, e in zip(cases, probes, expected)):  # any() stops early
                passed[name].append(seed)
    return failed, passed


def test_every_exercise_has_three_mutants():
    slugs = [ex.slug for ex in EXERCISES]
    short = [s for s in slugs if len(MUTANTS.get(s, ())) < 3]
    assert not short, f"exercises with fewer than three mutants: {', '.join(short)}"
    assert not set(MUTANTS) - set(slugs), f"mutants of no exercise: {set(MUTANTS) - set(slugs)}"
    for slug, mutants in MUTANTS.items():
        assert mutants[0].fragment, f"{slug}: the first mutant names its message fragment"
        assert len({mu.name for mu in mutants}) == len(mutants), f"{slug}: names repeat"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.slug)
def test_the_first_mutant_fails_with_a_precise_message(exercise, tmp_path):
    mutant = MUTANTS[exercise.slug][0]
    verdict = check_module(exercise, load(tmp_path, exercise, mutant_source(exercise, mutant),
                                          "first"))
    assert not verdict.passed
    assert mutant.fragment in verdict.reason, verdict.reason
    assert verdict.detail[0].startswith("case ")  # which input it was


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.slug)
def test_every_mutant_fails_on_every_seed(exercise, tmp_path):
    mutants = MUTANTS.get(exercise.slug)
    if not mutants:
        pytest.fail(f"{exercise.slug} has no mutants: add three to MUTANTS")
    learners = {}
    for n, mutant in enumerate(mutants):
        source = mutant_source(exercise, mutant)
        # caught by the hidden cases, not by the ban on library functions
        assert check_source(exercise, source) is None, (mutant.name, check_source(exercise,
                                                                                  source))
        learners[mutant.name] = load(tmp_path, exercise, source, f"m{n}")
    failed, passed = sweep(exercise, learners, SEEDS)
    assert not failed, f"the reference fails seeds {failed}"
    survivors = {name: seeds for name, seeds in passed.items() if seeds}
    assert not survivors, f"mutants that pass the checks (name: seeds): {survivors}"


def test_the_sweep_lets_an_equivalent_rewrite_pass(tmp_path):
    """The harness itself: a correct answer written differently passes every seed."""
    exercise = catalog.find("softmax")
    rewrite = Mutant("exp as a method", (("e = torch.exp(z - m)", "e = (z - m).exp()"),))
    module = load(tmp_path, exercise, mutant_source(exercise, rewrite), "same")
    assert sweep(exercise, {"rewrite": module}, range(5)) == ([], {"rewrite": list(range(5))})


def test_attention_cases_tell_d_k_from_d_v_and_t_k():
    """The issue's survivor: scaling by sqrt(d_v) passed about 15 % of seeds."""
    for seed in SEEDS:
        for case in catalog.find("attention").cases(seed):
            d_k, d_v, t_k = case.args["q"].shape[-1], case.args["v"].shape[-1], \
                case.args["k"].shape[-2]
            assert d_k != d_v and d_k != t_k, (seed, d_k, d_v, t_k)
