import shutil
import zipfile

import numpy as np
import pytest

from mi_lib import data
from mi_lib.data import DataError, balanced_subset, load_dataset, membership_split, yale_split
from mi_lib.tiers import preset


def test_fmnist_shapes_and_labels(data_dir):
    d = load_dataset("fmnist", data_dir=data_dir)
    assert d.x_train.shape == (60000, 1, 28, 28) and d.x_test.shape == (10000, 1, 28, 28)
    assert np.bincount(d.y_train).tolist() == [6000] * 10 and d.n_classes == 10


def test_yale_uses_the_authors_split(data_dir):
    d = load_dataset("yale", data_dir=data_dir)
    assert d.x_train.shape == (1900, 1, 192, 168) and d.x_test.shape == (514, 1, 192, 168)
    assert np.bincount(d.y_train).tolist() == [50] * 38 and d.n_classes == 38


def test_yale_split_is_per_subject_and_seeded():
    labels = np.repeat(np.arange(3), [60, 64, 55])
    train, test = yale_split(labels, seed=0)
    assert len(train) == 150 and len(test) == 179 - 150 and not set(train) & set(test)
    assert np.bincount(labels[train]).tolist() == [50, 50, 50]
    assert np.array_equal(train, yale_split(labels, seed=0)[0]) and not np.array_equal(
        train, yale_split(labels, seed=1)[0]
    )


def test_balanced_subset_is_balanced_seeded_and_nested():
    labels = np.repeat(np.arange(10), 100)
    small, large = balanced_subset(labels, 50, seed=3), balanced_subset(labels, 200, seed=3)
    assert np.bincount(labels[small]).tolist() == [5] * 10
    assert set(small) <= set(large) and np.array_equal(small, balanced_subset(labels, 50, seed=3))
    assert not np.array_equal(small, balanced_subset(labels, 50, seed=4))
    assert len(balanced_subset(labels, 0, seed=0)) == 1000


def test_membership_split_sizes_and_range(data_dir, monkeypatch):
    monkeypatch.setenv("MI_DATA_DIR", str(data_dir))
    config = preset("fmnist", "smoke")
    split = membership_split(config)
    assert split.x_members.shape == (200, 1, 28, 28) and split.x_nonmembers.shape == (100, 1, 28, 28)
    assert 0 <= float(split.x_members.min()) and float(split.x_members.max()) <= 1
    yale = membership_split(preset("yale", "smoke"))
    assert yale.x_members.shape[2:] == (24, 21)  # 192x168 average-pooled by 8


def test_missing_data_names_the_remedy(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="Extended Yale B.*not found.*CroppedYale"):
        load_dataset("yale")
    with pytest.raises(DataError, match="CIFAR-10 JPEG stand-in.*not found.*MI_DATA_DIR"):
        load_dataset("cifar10-jpeg")
    with pytest.raises(ValueError, match="accepted values: fmnist, yale, cifar10, cifar10-jpeg"):
        load_dataset("svhn")


def test_corrupt_fmnist_file_is_detected(data_dir, tmp_path):
    raw = tmp_path / "fashion-mnist" / "raw"
    shutil.copytree(data_dir / "fashion-mnist" / "raw", raw)
    labels = raw / "t10k-labels-idx1-ubyte.gz"
    blob = bytearray(labels.read_bytes())
    blob[-20] ^= 0xFF
    labels.write_bytes(bytes(blob))
    with pytest.raises(DataError, match="checksum mismatch.*t10k-labels"):
        load_dataset("fmnist", data_dir=tmp_path)


def test_corrupt_yale_array_is_detected(tmp_path):
    folder = tmp_path / "extended-yale-b-cropped"
    folder.mkdir()
    np.savez(folder / "extended-yale-b-cropped.npz", x=np.zeros((2, 4, 4), np.uint8), y=np.zeros(2, np.int64))
    with pytest.raises(DataError, match="Extended Yale B.*checksum mismatch"):
        load_dataset("yale", data_dir=tmp_path)


def _pgm(h, w, value):
    return f"P5\n# comment\n{w} {h}\n255\n".encode() + bytes([value]) * (h * w)


def test_creators_croppedyale_zip_is_read_without_ambient_or_bad_files(tmp_path):
    archive = tmp_path / "CroppedYale.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("CroppedYale/yaleB02/yaleB02_P00A+000E+00.pgm", _pgm(4, 3, 20))
        z.writestr("CroppedYale/yaleB01/yaleB01_P00A-005E+10.pgm", _pgm(4, 3, 10))
        z.writestr("CroppedYale/yaleB01/yaleB01_P00A+000E+00.pgm", _pgm(4, 3, 11))
        z.writestr("CroppedYale/yaleB01/yaleB01_P00_Ambient.pgm", _pgm(4, 3, 99))
        z.writestr("CroppedYale/yaleB01/yaleB01_P00A+010E+00.pgm.bad", _pgm(4, 3, 98))
    x, y = data._read_cropped_yale(archive)
    assert x.shape == (3, 4, 3) and y.tolist() == [0, 0, 1]
    assert [int(v) for v in x[:, 0, 0]] == [11, 10, 20]  # sorted by subject, then file name


def test_cifar10_jpeg_stand_in_decodes_with_its_own_name(data_dir):
    d = load_dataset("cifar10-jpeg", data_dir=data_dir)
    assert d.name == "cifar10-jpeg" and data.DISPLAY_NAMES[d.name].startswith("CIFAR-10 JPEG stand-in")
    assert d.x_train.shape == (50000, 3, 32, 32) and d.x_test.shape == (10000, 3, 32, 32)
    assert np.bincount(d.y_test).tolist() == [1000] * 10
    assert abs(d.x_train[:, 0].mean() / 255 - 0.4913) < 1e-3  # decoded R mean (shared/data README)


def test_cifar10_jpeg_decoded_once_and_a_corrupt_copy_is_decoded_again(tmp_path, isolated_cache, monkeypatch):
    """A tiny stand-in (3 JPEGs): the decoded images are cached in the user cache, shared read-only within a process,
    and a cached copy that fails its checksum is decoded again, never used."""
    import hashlib
    import io
    import warnings

    from PIL import Image

    from mi_lib.runs_io import CorruptArtifact

    rng = np.random.default_rng(0)
    blobs = []
    for _ in range(3):
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, format="JPEG", quality=75)
        blobs.append(np.frombuffer(buffer.getvalue(), dtype=np.uint8))
    blob = np.concatenate(blobs)
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    folder = tmp_path / "data" / "cifar10-jpeg"
    folder.mkdir(parents=True)
    np.savez(
        folder / "cifar10-jpeg.npz",
        train_jpeg=blob,
        train_offsets=offsets,
        y_train=np.array([0, 1, 2]),
        test_jpeg=blob,
        test_offsets=offsets,
        y_test=np.array([0, 1, 2]),
    )
    digest = hashlib.sha256(blob.tobytes()).hexdigest()
    monkeypatch.setattr(data, "CIFAR_JPEG_SHA256", {"train_jpeg": digest, "test_jpeg": digest})
    monkeypatch.setattr(data, "_DECODED", {})

    first = load_dataset("cifar10-jpeg", data_dir=tmp_path / "data")
    assert first.x_train.shape == (3, 3, 32, 32) and not first.x_train.flags.writeable
    assert load_dataset("cifar10-jpeg", data_dir=tmp_path / "data").x_train is first.x_train  # once per process
    (cached,) = (isolated_cache / "cache" / "data" / "decoded").glob("*.npz")

    monkeypatch.setattr(data, "_DECODED", {})  # a new process: reads the cached copy, decodes nothing
    with monkeypatch.context() as m:
        m.setattr(Image, "open", lambda *_: pytest.fail("decoded although a cached copy was there"))
        np.testing.assert_array_equal(load_dataset("cifar10-jpeg", data_dir=tmp_path / "data").x_test, first.x_train)

    monkeypatch.setattr(data, "_DECODED", {})
    cached.write_bytes(cached.read_bytes()[:-10] + b"0123456789")
    with pytest.warns(CorruptArtifact, match="checksum mismatch"):
        again = load_dataset("cifar10-jpeg", data_dir=tmp_path / "data")
    np.testing.assert_array_equal(again.x_train, first.x_train)

    from mi_lib.runs_io import save_arrays

    save_arrays(cached, {"x_train": first.x_train[:2], "x_test": first.x_test})  # intact, but not these images
    monkeypatch.setattr(data, "_DECODED", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_dataset("cifar10-jpeg", data_dir=tmp_path / "data").x_train.shape == (3, 3, 32, 32)


def test_nothing_trained_on_yale_is_tracked_but_its_summaries():
    """Extended Yale B is for research use and not ours to redistribute: the repository holds no face, and of the runs
    trained on them only their summaries (accuracies, attack metrics, per-epoch losses); their run folders (per-sample
    outputs, subject labels, traced images, weights) stay on the machine that trained them."""
    import json
    import re
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    listed = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    tracked = listed.stdout.split()
    assert tracked, "git ls-files listed nothing"

    def lists(value):  # every list in a summary: none may be per-sample (Yale's smallest set: 514)
        if isinstance(value, dict):
            return [x for v in value.values() for x in lists(v)]
        return [value, *(x for v in value for x in lists(v))] if isinstance(value, list) else []

    summaries = 0
    for path in tracked:
        lower = path.lower()
        assert not any(part in lower for part in ("croppedyale", "extended-yale-b", ".pgm")), path
        assert not re.match(r"results/[^/]+/(checkpoints/)?yale-", lower), f"{path}: a Yale run's file is tracked"
        if re.match(r"results/[^/]+/summaries/yale-.*\.json$", lower):
            summaries += 1
            longest = max(map(len, lists(json.loads((root / path).read_text()))), default=0)
            assert longest < 500, f"{path}: a list of {longest} values looks per-sample"
    assert summaries, "no Yale summary is tracked (the summary pages read them)"
