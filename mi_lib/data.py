"""Datasets, checksums, and the member / non-member split.

Where the data comes from (first hit wins):

* ``$MI_DATA_DIR`` (or the ``data_dir`` argument) laid out like ``../shared/data``:
  ``fashion-mnist/raw/*.gz``, ``extended-yale-b-cropped/extended-yale-b-cropped.npz``,
  ``cifar10-jpeg/cifar10-jpeg.npz``; or the downloads' own layouts: torchvision's
  ``FashionMNIST/raw/`` and ``cifar-10-batches-py/``, the creators' ``CroppedYale/`` folder or
  ``CroppedYale.zip``.
* else ``~/.cache/mi_lib/data``, where Fashion-MNIST and CIFAR-10 are downloaded by torchvision
  when a network is available.

Every file is checked against the checksum of the original before use; a missing or corrupt
file raises :class:`DataError` that says what is wrong and how to get the data.

Membership (CCS'19 §4.3 protocol): members are training points of the model, non-members are
points of the official test split the model never saw. Tiers draw class-balanced subsets of
both with a seeded generator (:func:`balanced_subset`); Yale uses the authors' split (per
subject, 50 random images train, the rest test, numpy seed 0).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import torch

from .config import DATASETS, ExperimentConfig
from .runs_io import load_arrays, save_arrays

# Upstream MD5s of the Fashion-MNIST files (zalandoresearch/fashion-mnist README; torchvision uses the same).
FMNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
# Array-content SHA256 (of .tobytes()), independent of zip timestamps (shared/data/README.md).
YALE_X_SHA256 = "bfa23584d09de1e373a90ded680347f090ca303d19b7391c9981c11d33142ee6"
CIFAR_JPEG_SHA256 = {
    "train_jpeg": "90b39bd6a13957538c67ede87ee5105e3bba37c8cd0216143c02e5eace83a47b",
    "test_jpeg": "51bb81e661ebd8b37721af1e1bb132db3e2fa8b95ccf385867df9894267f111e",
}
YALE_PER_SUBJECT_TRAIN = 50
YALE_N_IMAGES = 2414

DISPLAY_NAMES = {
    "fmnist": "Fashion-MNIST",
    "yale": "Extended Yale B (cropped)",
    "cifar10": "CIFAR-10",
    "cifar10-jpeg": "CIFAR-10 JPEG stand-in (q≈75)",
}
N_CLASSES = {"fmnist": 10, "yale": 38, "cifar10": 10, "cifar10-jpeg": 10}

REMEDIES = {
    "fmnist": "set MI_DATA_DIR to a folder holding fashion-mnist/raw/*.gz (the four original IDX files; "
    "`apt-get install dataset-fashion-mnist` installs them under /usr/share/datasets/fashion-mnist), "
    "or connect to the internet so torchvision can download them into ~/.cache/mi_lib/data",
    "yale": "download CroppedYale.zip from the Extended Yale Face Database B page of the dataset's creators "
    "(UCSD, Lee/Ho/Kriegman; research use only) and put the zip, or its unpacked CroppedYale/ folder, in "
    "MI_DATA_DIR; or point MI_DATA_DIR at a folder holding extended-yale-b-cropped/extended-yale-b-cropped.npz",
    "cifar10": "connect to the internet so torchvision can download CIFAR-10 into ~/.cache/mi_lib/data, or put "
    "the unpacked cifar-10-batches-py/ folder in MI_DATA_DIR",
    "cifar10-jpeg": "point MI_DATA_DIR at a folder holding cifar10-jpeg/cifar10-jpeg.npz (the project's "
    "offline stand-in); elsewhere use dataset 'cifar10' (the original, downloaded by torchvision)",
}


class DataError(RuntimeError):
    """Data is missing or does not match the original's checksum."""


@dataclasses.dataclass(frozen=True)
class ImageData:
    """A dataset's official splits as uint8 arrays: x (N, C, H, W), y (N,) int64."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(self.y_train.max()) + 1


@dataclasses.dataclass(frozen=True)
class MembershipSplit:
    """Members (training set of the model) and non-members, float tensors in [0, 1].

    ``x_members`` (M, C, H, W), ``y_members`` (M,); ``x_nonmembers`` (N, C, H, W), ``y_nonmembers`` (N,).
    Member label convention: member = 1, non-member = 0.
    """

    dataset: str
    x_members: torch.Tensor
    y_members: torch.Tensor
    x_nonmembers: torch.Tensor
    y_nonmembers: torch.Tensor
    n_classes: int
    # Sensitivity analysis (CCS Fig. 2): members left out of training, and their positions in the full member list.
    x_removed: torch.Tensor | None = None
    y_removed: torch.Tensor | None = None
    removed_index: np.ndarray | None = None
    # LiRA shadow models: positions of the members and non-members in the pool (the target's members, then its
    # non-members) from which the shadow's members were drawn.
    pool_in: np.ndarray | None = None
    pool_out: np.ndarray | None = None


# --------------------------------------------------------------------------- locations
def data_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for data, in order: the argument, ``$MI_DATA_DIR``, the user cache."""
    dirs = [Path(d) for d in (data_dir, os.environ.get("MI_DATA_DIR")) if d]
    dirs.append(cache_dir())
    return dirs


def cache_dir() -> Path:
    return Path(os.environ.get("MI_CACHE_DIR", Path.home() / ".cache" / "mi_lib")) / "data"


def _missing(name: str, searched: list[Path], detail: str = "") -> DataError:
    where = ", ".join(str(d) for d in searched)
    return DataError(f"{DISPLAY_NAMES[name]} not found{detail} (searched: {where}). To get it: {REMEDIES[name]}.")


def _read_npz(
    path: Path, name: str, keys: tuple[str, ...] | None = None, *, remedy: str | None = None
) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path`` (``keys``, default all); a truncated, corrupt or incomplete file raises
    :class:`DataError` naming the file, what is wrong and the remedy. Never unpickles (``allow_pickle=False``)."""
    remedy = remedy or REMEDIES[name]
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = sorted(set(keys or ()) - set(z.files))
            if missing:
                raise DataError(
                    f"{path}: incomplete, it lacks the array(s) {', '.join(missing)}. Replace it: {remedy}."
                )
            arrays = {k: z[k] for k in (keys or z.files)}
    except DataError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as err:
        raise DataError(
            f"{path}: truncated or corrupt, not a readable .npz ({type(err).__name__}: {err}). Replace it: {remedy}."
        ) from None
    broken = [
        k for k, v in arrays.items() if not isinstance(v, np.ndarray)
    ]  # numpy hands back raw bytes for a damaged member
    if broken:
        raise DataError(f"{path}: truncated or corrupt, {', '.join(broken)} is not an array. Replace it: {remedy}.")
    return arrays


def _file_digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check(name: str, what: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise DataError(
            f"{DISPLAY_NAMES[name]}: checksum mismatch for {what} (got {actual[:16]}…, expected {expected[:16]}…); "
            f"the file is corrupt or not the original. Replace it: {REMEDIES[name]}."
        )


# --------------------------------------------------------------------------- loaders
def load_dataset(name: str, *, data_dir: str | os.PathLike | None = None) -> ImageData:
    """Load a dataset's official train/test splits, checksums verified.

    ``name`` is one of ``fmnist``, ``yale``, ``cifar10``, ``cifar10-jpeg``. For Yale, "train"/"test" are the
    authors' split (docs/settings.md#datasets). Raises :class:`DataError` when missing or corrupt, with the remedy.
    """
    loaders = {"fmnist": _load_fmnist, "yale": _load_yale, "cifar10": _load_cifar10, "cifar10-jpeg": _load_cifar10_jpeg}
    if name not in loaders:
        raise ValueError(f"dataset: unknown value {name!r}; accepted values: {', '.join(DATASETS)}")
    return loaders[name](data_dirs(data_dir))


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[:4], "big")
    ndim = magic & 0xFF
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _load_fmnist(dirs: list[Path]) -> ImageData:
    layouts = [("fashion-mnist", "raw"), ("FashionMNIST", "raw")]
    candidates = [d.joinpath(*layout) for d in dirs for layout in layouts]
    folder = next((c for c in candidates if all((c / f).exists() for f in FMNIST_MD5)), None)
    partial = next((c for c in candidates if any((c / f).exists() for f in FMNIST_MD5)), None)
    if folder is None and partial is not None:  # some of the four files are there: name the missing ones
        missing = [f for f in FMNIST_MD5 if not (partial / f).exists()]
        raise DataError(f"Fashion-MNIST: {partial} lacks {', '.join(missing)}. To get them: {REMEDIES['fmnist']}.")
    if folder is None:
        folder = _download_torchvision("fmnist", dirs)
    for fname, md5 in FMNIST_MD5.items():
        _check("fmnist", str(folder / fname), _file_digest(folder / fname, "md5"), md5)
    arrays = {f.split("-")[0] + "_" + f.split("-")[1]: _read_idx(folder / f) for f in FMNIST_MD5}
    return ImageData(
        name="fmnist",
        x_train=arrays["train_images"][:, None],
        y_train=arrays["train_labels"].astype(np.int64),
        x_test=arrays["t10k_images"][:, None],
        y_test=arrays["t10k_labels"].astype(np.int64),
    )


def _download_torchvision(name: str, dirs: list[Path]) -> Path:
    import torchvision

    root = cache_dir()
    try:
        if name == "fmnist":
            torchvision.datasets.FashionMNIST(str(root), train=True, download=True)
            torchvision.datasets.FashionMNIST(str(root), train=False, download=True)
            return root / "FashionMNIST" / "raw"
        torchvision.datasets.CIFAR10(str(root), train=True, download=True)
        return root
    except Exception as err:  # no network, or a failed download
        raise _missing(name, dirs, f" and the download failed ({type(err).__name__}: {err})") from err


def _load_yale(dirs: list[Path]) -> ImageData:
    x = y = None
    for d in dirs:
        npz = d / "extended-yale-b-cropped" / "extended-yale-b-cropped.npz"
        if npz.exists():
            arrays = _read_npz(npz, "yale", ("x", "y"))
            x, y = arrays["x"], arrays["y"]
            break
        for archive in (d / "CroppedYale", d / "CroppedYale.zip"):
            if archive.exists():
                x, y = _read_cropped_yale(archive)
                break
        if x is not None:
            break
    if x is None:
        raise _missing("yale", dirs)
    _check("yale", "the image array", hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(), YALE_X_SHA256)
    train_idx, test_idx = yale_split(y, seed=0)
    x = x[:, None]
    return ImageData("yale", x[train_idx], y[train_idx], x[test_idx], y[test_idx])


_YALE_NAME = re.compile(r"yaleB(\d\d)_P00A[+-]\d{3}E[+-]\d\d\.pgm$")


def _read_cropped_yale(archive: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the creators' CroppedYale folder or zip: the 2,414 images, sorted by subject then file name.

    Skips ``*_Ambient.pgm`` and the ``*.pgm.bad`` files, as the standard 2,414-image set does.
    """
    if archive.is_dir():
        files = {str(p.relative_to(archive)): p.read_bytes for p in archive.rglob("*.pgm")}
    else:
        try:
            zf = zipfile.ZipFile(archive)
        except (zipfile.BadZipFile, OSError) as err:
            raise DataError(f"{archive}: truncated or corrupt zip ({err}). Replace it: {REMEDIES['yale']}.") from None
        files = {n: (lambda n=n: zf.read(n)) for n in zf.namelist() if n.endswith(".pgm")}
    names = sorted((n for n in files if _YALE_NAME.search(n)), key=lambda n: (n.split("/")[-2:-1], Path(n).name))
    subjects = sorted({int(_YALE_NAME.search(n).group(1)) for n in names})
    x = np.stack([_read_pgm(files[n]()) for n in names])
    y = np.array([subjects.index(int(_YALE_NAME.search(n).group(1))) for n in names], dtype=np.int64)
    return x, y


def _read_pgm(raw: bytes) -> np.ndarray:
    """Binary PGM (P5, maxval 255) -> (H, W) uint8."""
    fields, pos = [], 0
    while len(fields) < 4:
        match = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(raw, pos)
        fields.append(match.group(2))
        pos = match.end()
    if fields[0] != b"P5" or int(fields[3]) != 255:
        raise DataError("CroppedYale: expected binary PGM (P5) images with maxval 255")
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(raw, dtype=np.uint8, count=width * height, offset=pos + 1).reshape(height, width)


def yale_split(labels: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The authors' Yale split (repo ``utils.py``): per subject in label order, a random permutation of its
    images, the first 50 to train, the rest to test; then each set shuffled again. numpy RandomState(seed).

    Returns index arrays (1,900 train, 514 test for the 2,414-image set).
    """
    rng = np.random.RandomState(seed)
    train, test = [], []
    for subject in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == subject)
        idx = idx[rng.permutation(len(idx))]
        train.extend(idx[:YALE_PER_SUBJECT_TRAIN])
        test.extend(idx[YALE_PER_SUBJECT_TRAIN:])
    train, test = np.array(train), np.array(test)
    return train[rng.permutation(len(train))], test[rng.permutation(len(test))]


def _load_cifar10(dirs: list[Path]) -> ImageData:
    import torchvision

    root = next((d for d in dirs if (d / "cifar-10-batches-py").is_dir()), None)
    if root is None:
        root = _download_torchvision("cifar10", dirs)
    try:  # torchvision verifies the batches' MD5s
        train = torchvision.datasets.CIFAR10(str(root), train=True, download=False)
        test = torchvision.datasets.CIFAR10(str(root), train=False, download=False)
    except RuntimeError as err:  # torchvision: "Dataset not found or corrupted"
        raise DataError(
            f"{root / 'cifar-10-batches-py'}: a batch file is missing, truncated or fails its MD5 ({err}). "
            f"Replace the folder: {REMEDIES['cifar10']}."
        ) from None
    to_nchw = lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2))  # noqa: E731
    return ImageData(
        "cifar10", to_nchw(train.data), np.array(train.targets), to_nchw(test.data), np.array(test.targets)
    )


def _load_cifar10_jpeg(dirs: list[Path]) -> ImageData:
    path = next(
        (d / "cifar10-jpeg" / "cifar10-jpeg.npz" for d in dirs if (d / "cifar10-jpeg" / "cifar10-jpeg.npz").exists()),
        None,
    )
    if path is None:
        raise _missing("cifar10-jpeg", dirs)
    arrays = _read_npz(
        path, "cifar10-jpeg", ("train_jpeg", "train_offsets", "y_train", "test_jpeg", "test_offsets", "y_test")
    )
    for key, expected in CIFAR_JPEG_SHA256.items():
        _check("cifar10-jpeg", key, hashlib.sha256(arrays[key].tobytes()).hexdigest(), expected)
    x_train, x_test = _decoded_cifar10_jpeg(arrays)
    return ImageData(
        "cifar10-jpeg", x_train, arrays["y_train"].astype(np.int64), x_test, arrays["y_test"].astype(np.int64)
    )


# Decoded CIFAR-10 JPEG images of this process, by the key of _decoded_cifar10_jpeg: decoding the 60,000 JPEGs takes
# 10-20 s on 2 cores, and a chapter loads the data once per analysis.
_DECODED: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _decoded_cifar10_jpeg(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The verified stand-in's train and test images as uint8 (N, 3, 32, 32), read-only: decoded once per process
    and kept in the user cache (``decoded/``, checksummed like every artifact: a corrupt copy is decoded again). The
    key names the source's checksums, its offsets and the Pillow version that decodes it."""
    import PIL
    from PIL import Image

    source = hashlib.sha256(
        "".join(CIFAR_JPEG_SHA256[k] for k in sorted(CIFAR_JPEG_SHA256)).encode()
        + arrays["train_offsets"].tobytes()
        + arrays["test_offsets"].tobytes()
    ).hexdigest()
    key = f"cifar10-jpeg-{source[:16]}-pillow{PIL.__version__}"
    if key not in _DECODED:
        file = cache_dir() / "decoded" / f"{key}.npz"
        cached = load_arrays(file)
        expected = {"x_train": len(arrays["train_offsets"]) - 1, "x_test": len(arrays["test_offsets"]) - 1}
        if cached is None or any(
            k not in cached or cached[k].dtype != np.uint8 or cached[k].shape != (n, 3, 32, 32)
            for k, n in expected.items()
        ):

            def decode(blob: np.ndarray, offsets: np.ndarray) -> np.ndarray:
                images = [
                    np.asarray(Image.open(io.BytesIO(blob[a:b].tobytes())).convert("RGB"))
                    for a, b in zip(offsets[:-1], offsets[1:])
                ]
                return np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2))

            cached = {
                "x_train": decode(arrays["train_jpeg"], arrays["train_offsets"]),
                "x_test": decode(arrays["test_jpeg"], arrays["test_offsets"]),
            }
            save_arrays(file, cached, compressed=False)
        for x in cached.values():
            x.setflags(write=False)  # shared by every load of this process
        _DECODED[key] = (cached["x_train"], cached["x_test"])
    return _DECODED[key]


# --------------------------------------------------------------------------- the authors' released outputs
RELEASED_YALE_MODELS = ("natural", "pgd", "dist", "diff", "duality", "diffai", "ibp")


def load_released_yale_outputs(model: str, *, data_dir: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Softmax outputs of the authors' Yale models (``inspire-group/privacy-vs-robustness``), in the signals
    schema: ``output_{train,test}_{benign,adversarial}`` (1900 / 514, 38), ``train_label``, ``test_label``.

    Looked up as ``pvr-yale-outputs/<model>.npz`` in the data folders; ``model`` in :data:`RELEASED_YALE_MODELS`.
    """
    if model not in RELEASED_YALE_MODELS:
        raise ValueError(f"model: unknown value {model!r}; accepted values: {', '.join(RELEASED_YALE_MODELS)}")
    dirs = data_dirs(data_dir)
    path = next(
        (d / "pvr-yale-outputs" / f"{model}.npz" for d in dirs if (d / "pvr-yale-outputs" / f"{model}.npz").exists()),
        None,
    )
    if path is None:
        raise DataError(
            f"the authors' released Yale outputs ({model}.npz) not found (searched: {', '.join(map(str, dirs))}). To get them: "
            "copy `*/Yale/output_results/*.npz` from the GitHub repository inspire-group/privacy-vs-robustness into "
            "MI_DATA_DIR/pvr-yale-outputs/ under the names natural, pgd, dist, diff, duality, diffai, ibp."
        )
    return _read_npz(
        path,
        "yale",
        remedy="copy it again from the GitHub repository inspire-group/privacy-vs-robustness "
        f"(*/Yale/output_results/*.npz) into MI_DATA_DIR/pvr-yale-outputs/{model}.npz",
    )


# --------------------------------------------------------------------------- membership split
def balanced_subset(labels: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """Indices of a class-balanced random subset of size ``n`` (0 or >= len: all), sorted.

    Each class gets ``n // k`` points, the first ``n % k`` classes one more; within a class the points are the
    first of a seeded permutation, so a larger ``n`` with the same seed extends a smaller one's class lists.
    """
    if n <= 0 or n >= len(labels):
        return np.arange(len(labels))
    classes = np.unique(labels)
    per_class = [n // len(classes) + (i < n % len(classes)) for i in range(len(classes))]
    rng = np.random.default_rng(seed)
    chosen = []
    for c, count in zip(classes, per_class):
        idx = np.flatnonzero(labels == c)
        if count > len(idx):
            raise ValueError(f"n={n}: class {c} has only {len(idx)} points, {count} requested")
        chosen.append(idx[rng.permutation(len(idx))[:count]])
    return np.sort(np.concatenate(chosen))


def _to_float(x: np.ndarray, downsample: int) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(x)).float().div_(255.0)
    if downsample > 1:
        t = torch.nn.functional.avg_pool2d(t, downsample, ceil_mode=True)
    return t


def membership_split(config: ExperimentConfig, *, data: ImageData | None = None) -> MembershipSplit:
    """Members and non-members for ``config``: seeded class-balanced subsets of the official train / test
    splits of sizes ``n_members`` / ``n_nonmembers`` (0 = all), images average-pooled by ``downsample``."""
    data = data or load_dataset(config.dataset)
    if config.shadow:
        return shadow_split(config, data=data)
    # Members and non-members use independent streams of the config's seed.
    members = balanced_subset(data.y_train, config.n_members, seed=config.seed)
    nonmembers = balanced_subset(data.y_test, config.n_nonmembers, seed=config.seed + 1_000_003)
    removed = removed_members(data.y_train[members], config)
    kept = np.setdiff1d(np.arange(len(members)), removed)
    as_split = lambda idx: (
        _to_float(data.x_train[members[idx]], config.downsample),
        torch.from_numpy(data.y_train[members[idx]]),
    )  # noqa: E731
    x_members, y_members = as_split(kept)
    x_removed, y_removed = as_split(removed) if removed.size else (None, None)
    return MembershipSplit(
        dataset=data.name,
        x_members=x_members,
        y_members=y_members,
        x_nonmembers=_to_float(data.x_test[nonmembers], config.downsample),
        y_nonmembers=torch.from_numpy(data.y_test[nonmembers]),
        n_classes=data.n_classes,
        x_removed=x_removed,
        y_removed=y_removed,
        removed_index=removed if removed.size else None,
    )


def shadow_split(config: ExperimentConfig, *, data: ImageData) -> MembershipSplit:
    """LiRA's shadow model ``config.shadow`` = k >= 1 (Carlini et al. 2022): the pool is the target split of the same
    seed (its members, then its non-members); the shadow trains on a random half of the pool, drawn from (seed, k),
    and its non-members are the other half, so its signals score every pool point, IN or OUT."""
    target = membership_split(config.replace(shadow=0), data=data)
    x_pool = torch.cat([target.x_members, target.x_nonmembers])
    y_pool = torch.cat([target.y_members, target.y_nonmembers])
    order = np.random.default_rng([config.seed, config.shadow, 7_7]).permutation(len(y_pool))
    pool_in, pool_out = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])
    return MembershipSplit(
        dataset=data.name,
        x_members=x_pool[pool_in],
        y_members=y_pool[pool_in],
        x_nonmembers=x_pool[pool_out],
        y_nonmembers=y_pool[pool_out],
        n_classes=data.n_classes,
        pool_in=pool_in,
        pool_out=pool_out,
    )


def removed_members(member_labels: np.ndarray, config: ExperimentConfig) -> np.ndarray:
    """Positions (sorted) in the member list of the members that ``config.removal_round`` = r >= 1 leaves out: one per
    class, drawn from the seed and r (docs/settings.md#sensitivity-analysis); rounds draw independently. Empty for r = 0."""
    if config.removal_round == 0:
        return np.array([], dtype=np.int64)
    rng = np.random.default_rng([config.seed, config.removal_round, 4_4])
    return np.sort(
        np.array([rng.choice(np.flatnonzero(member_labels == c)) for c in np.unique(member_labels)], dtype=np.int64)
    )
