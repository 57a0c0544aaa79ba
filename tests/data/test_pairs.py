"""The addition Dataset: items and sums are right, a DataLoader batches them, it agrees with
exercise 27's reference, and pairs never cross the train/test split (no leakage)."""

import torch
from torch.utils.data import DataLoader

from torchdojo.data.pairs import AdditionPairs, draw_partners, pair_index, split_pairs
from torchdojo.exercises import catalog
from torchdojo.exercises.grader import reference

N_TRAIN, N_TEST = 50, 20


def coded_images(n: int, split: int) -> torch.Tensor:
    """(n, 1, 28, 28) images whose pixels say where they came from: [split, index, ...]."""
    images = torch.zeros(n, 1, 28, 28)
    images[:, 0, 0, 0] = split
    images[:, 0, 0, 1] = torch.arange(n, dtype=torch.float32)
    return images


def source(images: torch.Tensor) -> list[tuple[int, int]]:
    """(split, index) of each coded image in a batch."""
    return [(int(s), int(i)) for s, i in zip(images[:, 0, 0, 0], images[:, 0, 0, 1])]


def splits():
    g = torch.Generator().manual_seed(0)
    train_y = torch.randint(0, 10, (N_TRAIN,), generator=g)
    test_y = torch.randint(0, 10, (N_TEST,), generator=g)
    return coded_images(N_TRAIN, 0), train_y, coded_images(N_TEST, 1), test_y


def test_items_are_two_images_two_labels_and_their_sum():
    images, labels, _, _ = splits()
    partner = draw_partners(N_TRAIN, seed=3)
    pairs = AdditionPairs(images, labels, partner)
    assert len(pairs) == N_TRAIN
    assert sorted(partner.tolist()) == list(range(N_TRAIN))  # every image once in each slot
    for i in (0, 7, N_TRAIN - 1):
        image_a, image_b, a, b, total = pairs[i]
        j = int(partner[i])
        assert torch.equal(image_a, images[i]) and torch.equal(image_b, images[j])
        assert (a, b, total) == (labels[i], labels[j], labels[i] + labels[j])
    expected = reference(catalog.find("addition-dataset")).AdditionPairs(images, labels, partner)
    for i in range(N_TRAIN):
        for mine, theirs in zip(pairs[i], expected[i]):
            assert torch.equal(mine, theirs)


def test_a_dataloader_yields_batches_of_all_five_with_sums_from_0_to_18():
    images, labels, _, _ = splits()
    pairs = AdditionPairs(images, labels, draw_partners(N_TRAIN, seed=0))
    batches = list(DataLoader(pairs, batch_size=16, shuffle=True,
                              generator=torch.Generator().manual_seed(0)))
    assert len(batches) == 4
    image_a, image_b, a, b, total = batches[0]
    assert image_a.shape == image_b.shape == (16, 1, 28, 28)
    assert torch.equal(total, a + b) and total.dtype == torch.int64
    everything = torch.cat([batch[4] for batch in batches])
    assert len(everything) == N_TRAIN and 0 <= everything.min() and everything.max() <= 18


def test_test_pairs_use_test_images_only_and_training_pairs_training_images_only():
    train, test = split_pairs(*splits(), seed=0)
    for pairs, split, n in ((train, 0, N_TRAIN), (test, 1, N_TEST)):
        seen = []
        for image_a, image_b, *_ in DataLoader(pairs, batch_size=7):
            seen += source(image_a) + source(image_b)
        assert {s for s, _ in seen} == {split}  # every image of this split's pairs is its own
        assert sorted(i for _, i in seen) == sorted(list(range(n)) * 2)


def test_the_loops_index_tensors_never_cross_the_split():
    train, test = split_pairs(*splits(), seed=0)
    index = pair_index(train, test)
    assert index.n_train == N_TRAIN and len(index.images) == N_TRAIN + N_TEST
    for first_or_second in index.train:
        assert ((0 <= first_or_second) & (first_or_second < N_TRAIN)).all()
        assert {s for s, _ in source(index.images[first_or_second])} == {0}
    for first_or_second in index.test:
        assert ((N_TRAIN <= first_or_second) & (first_or_second < N_TRAIN + N_TEST)).all()
        assert {s for s, _ in source(index.images[first_or_second])} == {1}
    # the pooled test pairs are exactly the Dataset's test pairs, image for image
    for k in range(N_TEST):
        image_a, image_b, a, b, total = test[k]
        assert torch.equal(index.images[index.test[0][k]], image_a)
        assert torch.equal(index.images[index.test[1][k]], image_b)
        assert index.labels[index.test[0][k]] + index.labels[index.test[1][k]] == total
