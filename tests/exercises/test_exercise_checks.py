"""Every exercise's hidden checks pass the reference, fail the stub, and fail a plausible mistake.

The mistakes are edits of the reference solution (the edited text must occur in it, so the
table cannot silently rot); the message fragment shows the failure is explained precisely.
Everything runs in this process: the sandbox is tested on its own elsewhere.
"""

import pytest

from torchdojo.exercises import catalog, observe
from torchdojo.exercises.grader import check_module, reference
from torchdojo.exercises.stubs import make_stub

# slug: (text in the solution, its wrong replacement, a fragment the failure message must hold)
MISTAKES = {
    "tensor-standardize": ("correction=0", "correction=1", "Z is wrong"),
    "pairwise-distances": (".sum(dim=-1).sqrt()", ".sum(dim=-1)", "dist is wrong"),
    "autograd-grad": ("** 2).mean()", "** 2).sum()", "loss is wrong"),
    "affine-layer": ("return X @ W.T + b", "return X @ W.T", "Y is wrong"),
    "argmax-classifier": ("argmax(dim=1)", "argmax(dim=0)", "classes"),
    "threshold-classifier": ("return (X @ w + b > 0).long()", "return X @ w + b > 0",
                             "should be an integer tensor"),
    "softmax": ("e = torch.exp(z - m)", "e = torch.exp(z)", "contains nan or inf"),
    "cross-entropy-point": ("return log_sum_exp - z[y]", "return z[y] - log_sum_exp",
                            "loss is wrong"),
    "cross-entropy-batch": ("logits.max(dim=1, keepdim=True).values", "logits[:, :1] * 0",
                            "expected a finite value"),
    "logistic-loss": ("torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs()))",
                      "torch.log(1 + torch.exp(z))", "expected a finite value"),
    "mse-loss": (".mean()", ".sum()", "loss is wrong"),
    "descend-quadratic": ("xs[-1] - lr * 2 * xs[-1]", "xs[-1] + lr * 2 * xs[-1]",
                          "trajectory is wrong"),
    "gd-step": ("(W - lr * grad_W)", "(W + lr * grad_W)", "W_new is wrong"),
    "activations": ("return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))",
                    "return 1 / (1 + torch.exp(-x))",
                    "gradient with respect to 'x' contains nan"),
    "xor-network": ("b1 = torch.tensor([0.0, -1.0]", "b1 = torch.tensor([0.0, 0.0]",
                    "misclassified"),
    "linear-backward": ("G.T @ X", "X.T @ G", "grad_W has shape"),
    "cross-entropy-backward": ("return (probs - onehot) / len(targets)", "return probs - onehot",
                               "grad_logits is wrong"),
    "two-layer-backward": ("dA = (dZ @ W2) * (A > 0)", "dA = dZ @ W2", "dW1 is wrong"),
    "accuracy": (".float().mean().item()", ".float().sum().item()", "accuracy is wrong"),
    "training-loop": ("        optimizer.zero_grad()  # gradients add up otherwise\n", "",
                      "losses[2] is wrong"),
    "normalize-images": ("return ((x - mean) / std).unsqueeze(1)", "return (x - mean) / std",
                         "images has shape"),
    "confusion-matrix": ("pair = targets * num_classes + preds",
                         "pair = preds * num_classes + targets", "matrix is wrong"),
    "conv-output-size": ("- dilation * (kernel - 1) - 1) // stride", "- kernel) / stride",
                         "should be an int"),
    "lenet-forward": ("        x = F.relu(self.fc2(x))\n", "        x = self.fc2(x)\n",
                      "logits is wrong"),
    "vae-reparameterize": ("torch.exp(0.5 * logvar)", "torch.exp(logvar)", "z is wrong"),
    "vae-kl": ("return -0.5 * (", "return 0.5 * (", "kl is wrong"),
    "addition-dataset": ("a, b, a + b", "a, b, a + a", "label_sum is wrong"),
    "gan-losses": ("return F.binary_cross_entropy_with_logits(fake_logits, "
                   "torch.ones_like(fake_logits))",
                   "return -F.binary_cross_entropy_with_logits(fake_logits, "
                   "torch.zeros_like(fake_logits))", "loss is wrong"),
    "ddpm-schedule": ("torch.cumprod(1 - betas, dim=0)", "1 - torch.cumsum(betas, dim=0)",
                      "alpha_bar is wrong"),
    "ddpm-forward": ("a.sqrt() * x0 + (1 - a).sqrt() * noise", "a * x0 + (1 - a) * noise",
                     "x_t is wrong"),
    "ddpm-loss": ("eps_model(x_t, t)", "eps_model(x0, t)", "loss is wrong"),
    "rnn-cell": ("torch.tanh(", "torch.sigmoid(", "h_next is wrong"),
    "lstm-cell": ("i, f, g, o = gates.chunk(4, dim=1)", "i, f, o, g = gates.chunk(4, dim=1)",
                  "is wrong"),
    "attention": (" / math.sqrt(q.shape[-1])", "", "out is wrong"),
    "causal-mask": (".tril()", ".triu()", "mask is wrong"),
    "multi-head": ("return x.view(B, T, n_heads, C // n_heads).transpose(1, 2)",
                   "return x.view(B, n_heads, T, C // n_heads)", "out is wrong"),
    "positional-encoding": ("pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)",
                            "pe[:, : d // 2] = torch.sin(angle)\n"
                            "    pe[:, d // 2:] = torch.cos(angle)", "pe is wrong"),
    "discounted-returns": ("for t in reversed(range(len(rewards))):",
                           "for t in range(len(rewards)):", "returns is wrong"),
    "reinforce-loss": ("advantage = (returns - values).detach()", "advantage = returns - values",
                       "a gradient reaches 'values', but none should"),
    "softplus-function": ("return grad_out * torch.sigmoid(x)",
                          "return grad_out * torch.exp(x) / (1 + torch.exp(x))",
                          "gradient with respect to 'x' contains nan"),
    "momentum-step": ("return p - lr * velocity, velocity", "return p - lr * grad, velocity",
                      "p_new is wrong"),
    "epsilon-greedy": ("(reward - values[arm]) / counts[arm]", "0.1 * (reward - values[arm])",
                       "values is wrong"),
    "image-subset": ("j = self.indices[i]", "j = i", "image is wrong"),
}
EXERCISES = catalog.all_exercises()


def load(tmp_path, exercise, source):
    path = tmp_path / exercise.file_name
    path.write_text(source)
    return observe.load_learner_module(path, f"test_{exercise.file_name[:-3]}_{id(source)}")


def test_every_exercise_has_a_mistake_in_the_table():
    assert set(MISTAKES) == {ex.slug for ex in EXERCISES}


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.slug)
def test_checks_pass_the_solution_fail_the_stub_and_a_plausible_mistake(exercise, tmp_path):
    for seed in (0, 1):  # the cases are random: two draws
        verdict = check_module(exercise, reference(exercise), seed)
        assert verdict.passed, verdict

    stub = make_stub(exercise)
    assert "# TODO" in stub and "raise NotImplementedError" in stub
    verdict = check_module(exercise, load(tmp_path, exercise, stub))
    assert verdict.status == "todo" and "not written yet" in verdict.reason

    right, wrong, fragment = MISTAKES[exercise.slug]
    solution = exercise.solution_path.read_text()
    assert right in solution
    head, _, tail = solution.rpartition(right)  # the last one: the docstring may quote the code
    verdict = check_module(exercise, load(tmp_path, exercise, head + wrong + tail))
    assert not verdict.passed
    assert fragment in verdict.reason, verdict.reason
    assert verdict.detail[0].startswith("case ")  # which input it was
