"""Part I exercises: tensors, autograd, layers, classifiers, losses, descent, XOR, backprop."""

from __future__ import annotations

import torch

from torchdojo.exercises.checks.draw import away_from_zero, integer, labels, randn, real, uniform
from torchdojo.exercises.observe import ModuleSpec
from torchdojo.exercises.spec import Case, Exercise

STABILITY = "subtract the maximum before exp, so that exp never overflows"


def huge(g: torch.Generator, *shape: int) -> torch.Tensor:
    """Scores spread over +-1000, with a 1000 in every row: exp overflows unless shifted."""
    z = randn(g, *shape, scale=1000)
    z[..., 0] = 1000.0
    return z


FAR_APART = "one row's scores are near 1000, the next row's near -1000"
OWN_MAX = "subtract each row's own maximum (dim=-1, keepdim=True): with one maximum for the " \
          "whole tensor, a row far below it underflows to 0 / 0"


def far_apart(g: torch.Generator, rows: int, classes: int) -> torch.Tensor:
    """Rows of ordinary scores shifted by +1000, -1000, +1000, ...: each needs its own max."""
    shift = torch.tensor([1000.0, -1000.0], dtype=torch.float64).repeat(rows)[:rows, None]
    return randn(g, rows, classes, scale=3) + shift


def _standardize(g: torch.Generator) -> list[Case]:
    cases = []
    for offset, d_min in ((0.0, 2), (0.0, 1), (100.0, 1)):  # D >= 2 once: else the mean of
        n, d = integer(g, 2, 12), integer(g, d_min, 6)  # everything is the column's mean
        x = randn(g, n, d, scale=real(g, 0.5, 5)) + offset * randn(g, 1, d)
        cases.append(Case({"X": x}, note="columns with means far from 0" if offset else ""))
    return cases


def _pairwise(g: torch.Generator) -> list[Case]:
    shapes = [(integer(g, 2, 6), integer(g, 2, 6), integer(g, 1, 4)), (4, 1, 3), (3, 3, 3)]
    return [Case({"a": randn(g, n, d), "b": randn(g, m, d)}) for n, m, d in shapes]


def _autograd(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        n, d = integer(g, 3, 10), integer(g, 1, 5)
        cases.append(Case({"X": randn(g, n, d), "y": randn(g, n), "w": randn(g, d)}))
    return cases


def _affine(g: torch.Generator) -> list[Case]:
    cases = []
    for b, n_in, n_out in [(integer(g, 1, 6), 3, 2), (4, 4, 4), (integer(g, 2, 6), 2, 5)]:
        args = {"X": randn(g, b, n_in), "W": randn(g, n_out, n_in), "b": randn(g, n_out)}
        cases.append(Case(args, grad=("X", "W", "b"), cotangent=randn(g, b, n_out)))
    return cases


def _argmax(g: torch.Generator) -> list[Case]:
    # (B, in, C, scale of X); B == C catches dim=0; inputs near 0 leave the choice to the bias
    shapes = [(integer(g, 2, 8), 2, 3, 1.0), (4, 3, 4, 1.0), (5, 2, 5, 0.1)]
    return [Case({"X": randn(g, b, n_in, scale=scale), "W": randn(g, c, n_in), "b": randn(g, c)},
                 note="inputs near 0: the bias decides" if scale < 1 else "")
            for b, n_in, c, scale in shapes]


def _with_scores(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
                 scores: torch.Tensor) -> torch.Tensor:
    """X with its first rows moved along w so that their scores X @ w + b are `scores`."""
    X = X.clone()
    k = len(scores)
    X[:k] += ((scores - b - X[:k] @ w) / (w @ w))[:, None] * w
    return X


def _threshold(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        n, n_in = integer(g, 6, 12), integer(g, 1, 4)
        w, b = away_from_zero(g, n_in, gap=0.3), away_from_zero(g, gap=0.3)
        # a point whose class the bias decides (score b / 2, X @ w = -b / 2) and one with a
        # score in (0, 0.5): they tell `> 0` from a forgotten bias and from `> 0.5`
        X = _with_scores(randn(g, n, n_in), w, b, torch.stack([b / 2, uniform(g, 0.05, 0.45)]))
        cases.append(Case({"X": X, "w": w, "b": b}, note="two points close to the boundary"))
    n_in = integer(g, 2, 4)
    X = torch.randint(-3, 4, (8, n_in), generator=g).double()
    w = torch.randint(1, 4, (n_in,), generator=g).double()
    cases.append(Case({"X": X, "w": w, "b": -(X[0] @ w)},  # integers: the score is exactly 0
                      note="the first point lies exactly on the boundary (score 0)",
                      advice="a score of exactly 0 is class 0: class 1 needs a score > 0"))
    return cases


def _softmax(g: torch.Generator) -> list[Case]:
    shapes = [(integer(g, 2, 8),), (integer(g, 1, 5), integer(g, 2, 6)), (2, 3, integer(g, 2, 5))]
    cases = [Case({"z": randn(g, *s, scale=3)}, grad=("z",), cotangent=randn(g, *s))
             for s in shapes]
    s = (3, 4)
    cases.append(Case({"z": huge(g, *s)}, note="scores as large as 1000",
                      advice=STABILITY, grad=("z",), cotangent=randn(g, *s)))
    s = (2, integer(g, 2, 6))
    cases.append(Case({"z": far_apart(g, *s)}, note=FAR_APART, advice=OWN_MAX, grad=("z",),
                      cotangent=randn(g, *s)))
    return cases


def _ce_point(g: torch.Generator) -> list[Case]:
    cases = []
    for scale in (1.0, 3.0, 1000.0):
        c = integer(g, 2, 10)
        z = huge(g, c) if scale > 100 else randn(g, c, scale=scale)
        note = "scores as large as 1000" if scale > 100 else ""
        cases.append(Case({"z": z, "y": integer(g, 0, c - 1)}, grad=("z",),
                          note=note, advice=STABILITY if note else ""))
    c = integer(g, 2, 10)
    z, y = huge(g, c), integer(g, 1, c - 1)
    z[y] = -1000.0  # its probability underflows to 0: only the log-sum-exp form stays finite
    cases.append(Case({"z": z, "y": y}, grad=("z",),
                      note="scores as large as 1000; the true class's is -1000",
                      advice="compute the log-sum-exp (stably) and subtract z[y]; the log of "
                             "the softmax probability is log(0) here"))
    return cases


def _ce_batch(g: torch.Generator) -> list[Case]:
    cases = []
    for b, scale in ((integer(g, 2, 8), 1.0), (1, 2.0), (integer(g, 2, 8), 1000.0)):
        c = integer(g, 2, 10)
        note = "logits as large as 1000" if scale > 100 else ("a batch of one" if b == 1 else "")
        logits = huge(g, b, c) if scale > 100 else randn(g, b, c, scale=scale)
        cases.append(Case({"logits": logits, "targets": labels(g, c, b)},
                          grad=("logits",), note=note, advice=STABILITY if scale > 100 else ""))
    b, c = integer(g, 2, 6), integer(g, 2, 10)
    cases.append(Case({"logits": far_apart(g, b, c), "targets": labels(g, c, b)},
                      grad=("logits",), note=FAR_APART, advice=OWN_MAX))
    return cases


def _logistic(g: torch.Generator) -> list[Case]:
    cases = []
    for b, scale in ((integer(g, 2, 10), 2.0), (1, 1.0), (6, 800.0)):
        z = randn(g, b, scale=scale)
        if scale > 100:
            z[:2] = torch.tensor([800.0, -800.0])  # exp(800) overflows float64
        note = "scores as large as 800" if scale > 100 else ""
        cases.append(Case({"z": z, "y": labels(g, 2, b).double()},
                          grad=("z",), note=note,
                          advice="use the stable softplus: max(z, 0) + log1p(exp(-|z|))"
                          if note else ""))
    return cases


def _mse(g: torch.Generator) -> list[Case]:
    shapes = [(integer(g, 1, 8),), (integer(g, 2, 5), integer(g, 1, 4)), (2, 3, 2)]
    return [Case({"pred": randn(g, *s), "target": randn(g, *s)}, grad=("pred", "target"))
            for s in shapes]


def _descend(g: torch.Generator) -> list[Case]:
    return [Case({"x0": real(g, -5, 5), "lr": real(g, 0.01, 0.45), "steps": integer(g, 1, 25)})
            for _ in range(3)] + [Case({"x0": 2.0, "lr": 0.1, "steps": 0}, note="zero steps")]


def _gd_step(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(3):
        b, n_in, c = integer(g, 2, 8), integer(g, 1, 4), integer(g, 2, 4)
        cases.append(Case({"W": randn(g, c, n_in), "b": randn(g, c), "X": randn(g, b, n_in),
                           "y": labels(g, c, b), "lr": real(g, 0.05, 1.0)}))
    return cases


def _both_signs(x: torch.Tensor) -> torch.Tensor:
    """x with its first entry made positive and its second negative."""
    x = x.clone()
    flat = x.view(-1)
    flat[0], flat[1] = flat[0].abs(), -flat[1].abs()
    return x


def _zeroed_by_relu(X: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor) -> torch.Tensor:
    """b1 that puts hidden unit 0 at -0.5 and unit 1 at 1.5 on the first point: ReLU must zero
    the one (and its gradient) and pass the other (slope 1, though its value is not 1)."""
    b1 = b1.clone()
    b1[:2] = torch.tensor([-0.5, 1.5], dtype=b1.dtype) - X[0] @ W1[:2].T
    return b1


def _activations(g: torch.Generator) -> list[Case]:
    cases = []
    for entry in ("relu", "sigmoid"):
        for shape in ((integer(g, 2, 9),), (integer(g, 1, 4), integer(g, 2, 4))):
            x = _both_signs(away_from_zero(g, *shape) * 3)  # not all negative, not all positive
            cases.append(Case({"x": x}, entry=entry, grad=("x",), cotangent=randn(g, *shape)))
    cases.append(Case({"x": torch.tensor([-800.0, -40.0, 0.5, 40.0, 800.0], dtype=torch.float64)},
                      entry="sigmoid", grad=("x",), note="inputs as large as 800 in size",
                      advice="exp(-x) overflows for x = -800; use exp(-|x|), which never does"))
    return cases


def _xor_check(points: torch.Tensor):
    """A check that the learner's hand-set weights compute XOR on the (jittered) corners."""
    targets = (points.round()[:, 0] != points.round()[:, 1])

    def check(out) -> str | None:
        if not (isinstance(out, tuple) and len(out) == 4
                and all(isinstance(t, torch.Tensor) for t in out)):
            return "xor_weights should return a tuple of four tensors (W1, b1, w2, b2)"
        W1, b1, w2, b2 = (t.double() for t in out)
        try:
            scores = torch.clamp(points @ W1.T + b1, min=0) @ w2 + b2
        except RuntimeError as e:
            return f"the weights do not fit together: {str(e).splitlines()[0]}"
        if scores.shape != targets.shape:
            return f"with these weights the network gives scores of shape {tuple(scores.shape)}, " \
                   f"expected ({len(targets)},): w2 should be (H,) and b2 0-dim"
        wrong = ((scores > 0.5) != targets).nonzero().flatten().tolist()
        if wrong:
            i = wrong[0]
            x = ", ".join(f"{v:.2f}" for v in points[i].tolist())
            want = "> 0.5" if targets[i] else "<= 0.5"
            return f"{len(wrong)} of {len(points)} points misclassified, e.g. at ({x}) the score " \
                   f"is {scores[i].item():.3g}, XOR needs {want}"
        return None
    return check


def _xor(g: torch.Generator) -> list[Case]:
    cases = []
    for h in (2, integer(g, 3, 6)):
        b = integer(g, 2, 6)
        X, W1 = uniform(g, 0, 1, b, 2), randn(g, h, 2)
        cases.append(Case({"X": X, "W1": W1, "b1": _zeroed_by_relu(X, W1, randn(g, h)),
                           "w2": randn(g, h), "b2": randn(g)}, entry="xor_forward",
                          grad=("W1", "w2"), cotangent=randn(g, b)))
    corners = torch.tensor([[0.0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64)
    points = torch.cat([corners, corners.repeat(4, 1) + uniform(g, -0.1, 0.1, 16, 2)])
    cases.append(Case(entry="xor_weights", check=_xor_check(points),
                      note="the four XOR points, each also moved by up to 0.1"))
    return cases


def _linear_backward(g: torch.Generator) -> list[Case]:
    cases = []
    for b, n_in, n_out in [(integer(g, 2, 6), 3, 2), (1, 2, 4), (3, 3, 3)]:
        cases.append(Case({"X": randn(g, b, n_in), "W": randn(g, n_out, n_in), "b": randn(g, n_out),
                           "G": randn(g, b, n_out)}))
    return cases


def _ce_backward(g: torch.Generator) -> list[Case]:
    cases = []
    for b, scale in ((integer(g, 2, 8), 1.0), (1, 2.0), (4, 1000.0)):
        c = integer(g, 2, 6)
        logits = huge(g, b, c) if scale > 100 else randn(g, b, c, scale=scale)
        targets = labels(g, c, b)
        if b > 1:  # two classes at least: onehot[:, targets] = 1 is then wrong
            targets[1] = (targets[0] + integer(g, 1, c - 1)) % c
        cases.append(Case({"logits": logits, "targets": targets},
                          note="logits as large as 1000" if scale > 100 else ""))
    return cases


def _two_layer_backward(g: torch.Generator) -> list[Case]:
    cases = []
    for b in (integer(g, 2, 8), 1):
        n_in, h, c = integer(g, 1, 4), integer(g, 2, 6), integer(g, 2, 4)
        X, W1 = randn(g, b, n_in), randn(g, h, n_in)
        cases.append(Case({"X": X, "y": labels(g, c, b), "W1": W1,
                           "b1": _zeroed_by_relu(X, W1, randn(g, h)), "W2": randn(g, c, h),
                           "b2": randn(g, c)}))
    return cases


def _accuracy(g: torch.Generator) -> list[Case]:
    cases = []
    for b in (integer(g, 4, 20), 1, 7):
        c = integer(g, 2, 5)
        logits = randn(g, b, c)
        targets = torch.where(torch.rand(b, generator=g) < 0.6, logits.argmax(1), labels(g, c, b))
        cases.append(Case({"logits": logits, "targets": targets}))
    return cases


def _training_loop(g: torch.Generator) -> list[Case]:
    cases = []
    for _ in range(2):
        n, n_in, c = integer(g, 4, 12), integer(g, 2, 4), integer(g, 2, 4)
        model = ModuleSpec("linear", {"in_features": n_in, "out_features": c},
                           {"weight": randn(g, c, n_in, scale=0.5), "bias": randn(g, c, scale=0.5)})
        cases.append(Case({"model": model, "X": randn(g, n, n_in), "y": labels(g, c, n),
                           "lr": real(g, 0.1, 0.5), "epochs": integer(g, 3, 8)},
                          note="an nn.Linear model"))
    return cases


NO_AUTOGRAD = ("backward", "autograd", "grad")
CE_LIBRARY = ("cross_entropy", "logsumexp", "log_softmax", "nll_loss", "CrossEntropyLoss")

EXERCISES = (
    Exercise(1, "tensor-standardize", "tensors", "Reductions and broadcasting",
             "Standardize the columns of a matrix", "standardize", _standardize, (
                 "Reduce over dim 0 (the rows) to get one mean and one std per column.",
                 "keepdim=True keeps the (1, D) shape so that X - mu broadcasts over the rows; "
                 "the population std divides by N: X.std(dim=0, correction=0).",
                 "mu = X.mean(0, keepdim=True); sigma = X.std(0, correction=0, keepdim=True); "
                 "return (X - mu) / sigma"), outputs=("Z",)),
    Exercise(2, "pairwise-distances", "tensors", "Broadcasting",
             "Pairwise distances by broadcasting", "pairwise_distances", _pairwise, (
                 "Aim for an (N, M, D) tensor of differences first; the answer is one reduction "
                 "away from it.",
                 "a[:, None, :] has shape (N, 1, D) and b[None, :, :] (1, M, D): their difference "
                 "broadcasts to (N, M, D).",
                 "return ((a[:, None, :] - b[None, :, :]) ** 2).sum(dim=-1).sqrt()"),
             outputs=("dist",), forbidden=("cdist",)),
    Exercise(3, "autograd-grad", "autograd", "backward and .grad",
             "Let autograd compute a gradient", "loss_and_grad", _autograd, (
                 "Autograd records operations on tensors that require grad, then backward() fills "
                 "in .grad of the leaves.",
                 "w = w.detach().clone().requires_grad_(True) gives a fresh leaf; the loss is the "
                 "mean, not the sum, of the squared residuals.",
                 "loss = ((X @ w - y) ** 2).mean(); loss.backward(); "
                 "return loss.detach(), w.grad"), outputs=("loss", "grad")),
    Exercise(4, "affine-layer", "affine", "y = Wx + b by hand",
             "An affine layer by hand", "affine", _affine, (
                 "W has one row per output neuron; each output is a dot product of a row of W "
                 "with the input, plus a bias.",
                 "For a batch, the rows of X meet the rows of W: X (B, in) times W^T (in, out) "
                 "gives (B, out); b (out,) broadcasts over the B rows.",
                 "return X @ W.T + b"), outputs=("Y",), forbidden=("linear", "Linear")),
    Exercise(5, "argmax-classifier", "classify", "A decision rule: argmax",
             "A classifier from a layer: argmax", "predict", _argmax, (
                 "First compute the scores of every class for every point, then pick the best "
                 "class per point.",
                 "The scores X @ W.T + b have shape (B, C): take the argmax along the class "
                 "dimension, dim=1, not over the batch.",
                 "return (X @ W.T + b).argmax(dim=1)"), outputs=("classes",)),
    Exercise(6, "threshold-classifier", "classify", "A decision rule: threshold",
             "A classifier from one neuron: threshold", "predict_binary", _threshold, (
                 "One neuron gives one score per point; its sign decides the class.",
                 "X @ w + b > 0 is a bool tensor; the task asks for int64 0/1 values.",
                 "return (X @ w + b > 0).long()"), outputs=("classes",)),
    Exercise(7, "softmax", "losses", "Softmax: from scores to probabilities",
             "Softmax, stably", "softmax", _softmax, (
                 "Softmax does not change when you add the same constant to every score.",
                 "Take m = z.max(dim=-1, keepdim=True).values and exponentiate z - m; then divide "
                 "by the sum over the last dimension (keepdim=True so it broadcasts).",
                 "m = z.max(dim=-1, keepdim=True).values; e = torch.exp(z - m); "
                 "return e / e.sum(dim=-1, keepdim=True)"),
             outputs=("probs",), forbidden=("softmax", "log_softmax", "Softmax")),
    Exercise(8, "cross-entropy-point", "losses", "Cross-entropy for one point",
             "Cross-entropy for one point", "cross_entropy_point", _ce_point, (
                 "The loss is small when the true class has most of the probability: it is minus "
                 "the log of that probability.",
                 "-log softmax(z)_y = log(sum_k exp(z_k)) - z_y; compute the log-sum-exp as "
                 "m + log(sum(exp(z - m))) with m = z.max().",
                 "m = z.max(); return m + torch.log(torch.exp(z - m).sum()) - z[y]"),
             outputs=("loss",), forbidden=CE_LIBRARY),
    Exercise(9, "cross-entropy-batch", "losses", "Cross-entropy for a batch",
             "Cross-entropy for a batch, stably", "cross_entropy", _ce_batch, (
                 "Do exercise 8 for every row at once, then average over the batch.",
                 "Take the max per row (dim=1, keepdim=True) for the log-sum-exp; pick each row's "
                 "true-class logit with logits[torch.arange(B), targets].",
                 "m = logits.max(1, keepdim=True).values; "
                 "lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(1)); "
                 "return (lse - logits[torch.arange(len(targets)), targets]).mean()"),
             outputs=("loss",), forbidden=CE_LIBRARY),
    Exercise(10, "logistic-loss", "losses", "Logistic loss",
             "The logistic loss, stably", "logistic_loss", _logistic, (
                 "Rewrite the loss with log sigma(z) = -softplus(-z) and "
                 "log(1 - sigma(z)) = -softplus(z): it becomes softplus(z) - y z.",
                 "softplus(z) = log(1 + exp(z)) overflows for large z; "
                 "max(z, 0) + log1p(exp(-|z|)) is the same number and never does.",
                 "sp = torch.clamp(z, min=0) + torch.log1p(torch.exp(-z.abs())); "
                 "return (sp - y * z).mean()"),
             outputs=("loss",), forbidden=("binary_cross_entropy_with_logits",
                                           "binary_cross_entropy", "softplus", "logsigmoid",
                                           "BCEWithLogitsLoss")),
    Exercise(11, "mse-loss", "losses", "Mean squared error",
             "Mean squared error", "mse", _mse, (
                 "Square first, then average: the mean of the squares, not the square of the mean.",
                 "Average over every element (.mean() with no dim), not just the batch.",
                 "return ((pred - target) ** 2).mean()"),
             outputs=("loss",), forbidden=("mse_loss", "MSELoss")),
    Exercise(12, "descend-quadratic", "descent", "Minimise x^2 + 3",
             "Gradient descent on x^2 + 3", "descend", _descend, (
                 "Each step moves x a little against the slope of f at x.",
                 "The derivative of x^2 + 3 is 2x, so a step is x = x - lr * 2 * x; keep every x, "
                 "including the start, so there are steps + 1 of them.",
                 "xs = [x0]; then `steps` times xs.append(xs[-1] - lr * 2 * xs[-1]); "
                 "return torch.tensor(xs, dtype=torch.float64)"),
             outputs=("trajectory",), rtol=1e-5),
    Exercise(13, "gd-step", "descent", "One step of gradient descent",
             "One step of gradient descent", "gd_step", _gd_step, (
                 "Compute the loss from copies of W and b that require grad, then ask autograd "
                 "for the gradients.",
                 "torch.autograd.grad(loss, (W, b)) returns both gradients; step against them "
                 "(minus), scaled by lr, and return new tensors.",
                 "W = W.detach().clone().requires_grad_(True) (same for b); "
                 "loss = F.cross_entropy(X @ W.T + b, y); "
                 "gW, gb = torch.autograd.grad(loss, (W, b)); "
                 "return (W - lr * gW).detach(), (b - lr * gb).detach()"),
             outputs=("W_new", "b_new")),
    Exercise(14, "activations", "xor", "Activation functions",
             "ReLU and a stable sigmoid", "relu", _activations, (
                 "ReLU keeps positive values and zeroes the rest; sigmoid squashes any number "
                 "into (0, 1).",
                 "torch.clamp(x, min=0) is ReLU. For sigmoid, compute e = exp(-|x|) (always in "
                 "(0, 1]) and choose the formula by the sign of x with torch.where.",
                 "e = torch.exp(-x.abs()); return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))"),
             outputs=("y",), forbidden=("relu", "sigmoid", "ReLU", "Sigmoid", "expit")),
    Exercise(15, "xor-network", "xor", "A multi-layer network",
             "A two-layer network that computes XOR", "xor_forward", _xor, (
                 "A hidden unit can detect 'at least one input is on', another 'both are on'; "
                 "XOR is the first minus (twice) the second.",
                 "With W1 = [[1, 1], [1, 1]] and b1 = [0, -1], the hidden layer is "
                 "(x1 + x2, x1 + x2 - 1) after ReLU; pick w2 so (0,0), (1,1) give 0 and the "
                 "others 1.",
                 "forward: torch.clamp(X @ W1.T + b1, min=0) @ w2 + b2; weights: W1 = "
                 "[[1., 1.], [1., 1.]], b1 = [0., -1.], w2 = [1., -2.], b2 = 0. (float64)"),
             outputs=("scores",)),
    Exercise(16, "linear-backward", "backprop", "Backward through one layer",
             "Backpropagation through a layer", "linear_backward", _linear_backward, (
                 "Each gradient has the shape of the thing it is the gradient of; let the shapes "
                 "tell you which products to take.",
                 "grad_W must be (out, in): only G^T (out, B) times X (B, in) gives that. b is "
                 "added to every row, so its gradient sums G over the batch.",
                 "return G @ W, G.T @ X, G.sum(dim=0)"),
             outputs=("grad_X", "grad_W", "grad_b"), forbidden=NO_AUTOGRAD),
    Exercise(17, "cross-entropy-backward", "backprop", "Backward through softmax and cross-entropy",
             "Backpropagation through cross-entropy", "cross_entropy_backward", _ce_backward, (
                 "The gradient is the predicted probabilities minus the true ones, averaged "
                 "over the batch.",
                 "Build onehot = torch.zeros_like(probs) and set onehot[torch.arange(B), targets] "
                 "= 1; do not forget to divide by B, because the loss is a mean.",
                 "probs = torch.softmax(logits, 1); onehot as above; "
                 "return (probs - onehot) / len(targets)"),
             outputs=("grad_logits",), forbidden=NO_AUTOGRAD + ("cross_entropy",)),
    Exercise(18, "two-layer-backward", "backprop", "A two-layer network, batch",
             "Backpropagation through a two-layer network", "two_layer_backward",
             _two_layer_backward, (
                 "Run the forward pass, keeping A, H and Z; then go backwards, one layer at a "
                 "time, reusing exercises 16 and 17.",
                 "dZ is exercise 17's answer; the layer rules of exercise 16 give dW2, db2 and "
                 "dH = dZ @ W2; ReLU lets gradient through only where A > 0: dA = dH * (A > 0).",
                 "dZ = (softmax(Z) - onehot) / B; dW2 = dZ.T @ H; db2 = dZ.sum(0); "
                 "dA = (dZ @ W2) * (A > 0); dW1 = dA.T @ X; db1 = dA.sum(0)"),
             outputs=("dW1", "db1", "dW2", "db2"), forbidden=NO_AUTOGRAD + ("cross_entropy",)),
    Exercise(19, "accuracy", "spiral", "Linear vs 2-layer: measuring accuracy",
             "Measuring accuracy", "accuracy", _accuracy, (
                 "Predictions first (argmax of each row), then compare with the targets.",
                 "(logits.argmax(dim=1) == targets) is a bool tensor; its mean, as floats, is the "
                 "fraction of correct predictions.",
                 "return (logits.argmax(dim=1) == targets).float().mean().item()"),
             outputs=("accuracy",)),
    Exercise(20, "training-loop", "workflow", "The training loop",
             "The training loop, end to end", "train", _training_loop, (
                 "Make the optimizer once, before the loop; each epoch is the same six steps.",
                 "Gradients add up across backward() calls: call optimizer.zero_grad() at the "
                 "start of every epoch. Record loss.item() (a float), not the tensor.",
                 "opt = torch.optim.SGD(model.parameters(), lr=lr); for each epoch: "
                 "opt.zero_grad(); loss = F.cross_entropy(model(X), y); loss.backward(); "
                 "opt.step(); losses.append(loss.item())"),
             outputs=("losses",), preload=("torch._dynamo",)),  # torch.optim imports it
)
