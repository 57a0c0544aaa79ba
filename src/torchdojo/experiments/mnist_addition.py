"""mnist-addition (seed 000, tutorial 2): two images in, three outputs (both digits and their
sum), three cross-entropy losses added with weights; pairs never cross the train/test split.

Training pairs are fresh every epoch (fresh_pairs=True): the training data is just the
image indices, and each image is paired with its neighbour in the loop's shuffled batch,
which the loop reshuffles every epoch. The test pairs are fixed (AdditionPairs' partner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import Tensor, nn

from torchdojo.data.pairs import (
    AdditionPairs,
    PairIndex,
    draw_partners,
    pair_index,
    split_pairs,
)
from torchdojo.experiments.image_classifier import ImageTensors, load_tensors
from torchdojo.figures import plots
from torchdojo.models.adder import DigitAdder
from torchdojo.models.mlp import count_parameters
from torchdojo.train.context import SWITCH_NAMES, Context, Result
from torchdojo.train.loop import LossFn
from torchdojo.train.optim import fast


@dataclass
class Config:
    dataset: Literal["mnist", "fashion-mnist"] = "mnist"
    features: int = 128
    hidden: int = 128
    dropout: float = 0.2
    fresh_pairs: bool = True  # new training pairs every epoch; False: one fixed pairing
    w_first: float = 1.0  # loss = w_first * CE(first digit) + w_second * CE(second digit)
    w_second: float = 1.0  #        + w_sum * CE(sum)
    w_sum: float = 1.0
    epochs: int = 10
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    train_limit: int | None = None  # use only this many training images (quick runs)
    seed: int = 0


SWITCHES = SWITCH_NAMES  # it trains through ctx.fit: --amp, --compile, --nproc reach it

QUICK = {"epochs": 3, "batch_size": 32, "train_limit": 600, "features": 32, "hidden": 32}


def make_loss(index: PairIndex, config: Config) -> LossFn:
    """The loop's loss on a batch of pair indices: the weighted sum of three cross-entropies."""
    images, labels = index.images, index.labels

    def three_losses(model: nn.Module, batch: tuple[Tensor, ...]) -> tuple[Tensor, dict]:
        if len(batch) == 1:  # fresh pairs: partner = the neighbour in this shuffled batch
            first = batch[0]
            second = first.roll(1)
        else:
            first, second = batch  # fixed pairs: (B,), (B,) indices into `images`
        a, b = labels[first], labels[second]  # (B,) each
        logits_a, logits_b, logits_sum = model(images[first], images[second])
        ce_a = F.cross_entropy(logits_a, a)
        ce_b = F.cross_entropy(logits_b, b)
        ce_sum = F.cross_entropy(logits_sum, a + b)
        loss = config.w_first * ce_a + config.w_second * ce_b + config.w_sum * ce_sum
        pred_a, pred_b = logits_a.argmax(-1), logits_b.argmax(-1)
        return loss, {
            "ce_first": ce_a.detach(), "ce_second": ce_b.detach(), "ce_sum": ce_sum.detach(),
            "digit_acc": ((pred_a == a).float().mean() + (pred_b == b).float().mean()) / 2,
            "sum_acc": (logits_sum.argmax(-1) == a + b).float().mean(),
            "sum_from_digits_acc": (pred_a + pred_b == a + b).float().mean(),
        }

    return three_losses


@dataclass(kw_only=True)
class AdditionResult(Result):
    model: DigitAdder
    index: PairIndex  # the pairs as index tensors on the device
    train_pairs: AdditionPairs
    test_pairs: AdditionPairs
    tensors: ImageTensors


def run(config: Config, ctx: Context) -> AdditionResult:
    """Train the adder on pairs; report digit and sum accuracy on test pairs, plot losses."""
    tensors = load_tensors(config.dataset, ctx.device, train_limit=config.train_limit,
                           seed=config.seed)
    train_pairs, test_pairs = split_pairs(*tensors.train, *tensors.test, seed=config.seed)
    # validation pairs from the held-out training images: the curves; test pairs at the end
    val_pairs = AdditionPairs(*tensors.val, draw_partners(len(tensors.val[1]), config.seed + 2))
    index = pair_index(train_pairs, test_pairs, val_pairs)
    model = DigitAdder(config.features, config.hidden, dropout=config.dropout).to(ctx.device)
    ctx.say(f"DigitAdder, {count_parameters(model):,} parameters, {len(train_pairs):,} "
            f"training pairs ({'fresh' if config.fresh_pairs else 'fixed'}) and "
            f"{len(test_pairs):,} test pairs from {tensors.data.label}")
    loss_fn = make_loss(index, config)
    train = (index.train[0],) if config.fresh_pairs else index.train
    steps = config.epochs * -(-len(train[0]) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay, **fast(ctx.device))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr,
                                                    total_steps=steps, pct_start=0.25)
    history = ctx.fit(model, train, loss_fn=loss_fn, optimizer=optimizer, scheduler=scheduler,
                      epochs=config.epochs, batch_size=config.batch_size, val=index.val,
                      seed=config.seed)
    test = ctx.evaluate(model, index.test, loss_fn)
    metrics = {"digit_acc": test["digit_acc"], "sum_acc": test["sum_acc"],
               "sum_from_digits_acc": test["sum_from_digits_acc"], "test_loss": test["loss"]}
    result = AdditionResult(metrics, dataset=tensors.data.name,
                            dataset_label=tensors.data.label, history=history, model=model,
                            index=index, train_pairs=train_pairs, test_pairs=test_pairs,
                            tensors=tensors,
                            notes=["Test pairs are made of test images only (a fixed random "
                                   "pairing); sum_from_digits_acc adds the two predicted digits "
                                   "instead of asking the sum head."])
    ctx.say(f"test pairs: digit accuracy {100 * test['digit_acc']:.2f}%, sum head "
            f"{100 * test['sum_acc']:.2f}%, adding the predicted digits "
            f"{100 * test['sum_from_digits_acc']:.2f}%")
    if ctx.is_main:
        result.figures["losses"] = ctx.savefig(
            plots.curves(history, ["loss", "ce_first", "ce_second", "ce_sum"]), "losses")
        result.figures["accuracy"] = ctx.savefig(
            plots.curves(history, ["digit_acc", "sum_acc", "sum_from_digits_acc"]), "accuracy")
        result.figures["test_pairs"] = ctx.savefig(
            pairs_figure(model, index, tensors.mean, tensors.std), "test_pairs")
    return result


@torch.no_grad()
def pairs_figure(model: DigitAdder, index: PairIndex, mean: float, std: float,
                 n: int = 16) -> Figure:
    """Test pairs side by side, captioned with the predicted digits and the sum head's answer."""
    model.eval()
    first, second = (t[:n] for t in index.test)
    logits_a, logits_b, logits_sum = model(index.images[first], index.images[second])
    a, b = index.labels[first], index.labels[second]
    side_by_side = torch.cat([index.images[first], index.images[second]], -1) * std + mean
    titles = [f"{pa}+{pb}, sum {ps}" + ("" if ps == ta + tb else f" (not {ta + tb})")
              for pa, pb, ps, ta, tb in zip(logits_a.argmax(-1).tolist(),
                                            logits_b.argmax(-1).tolist(),
                                            logits_sum.argmax(-1).tolist(), a.tolist(),
                                            b.tolist())]
    return plots.image_grid(side_by_side, titles, cols=4, title="test pairs: predictions")
