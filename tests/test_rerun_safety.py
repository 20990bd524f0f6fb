"""Reruns never damage the book, and bad input fails with one clear line (issue: rerun safety).

Each case runs in seconds: the refusals happen before papermill starts a kernel; one real rerun executes a
smoke-tier chapter into a temporary notebook and checks that no tracked file changed.
"""

import io
import os
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny import tiny_config, tiny_split

from mi_lib import book, parameters, training
from mi_lib.assignments import main as assignments_main
from mi_lib.data import DataError, load_dataset, load_released_yale_outputs
from mi_lib.models import build_model
from mi_lib.runs_io import CorruptArtifact, atomic_write, load_checkpoint, save_checkpoint

REPO = book.REPO_ROOT


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True).stdout


def run_book(args, capsys):
    code = book.main(args)
    err = capsys.readouterr().err.strip()
    return code, err


# --------------------------------------------------------------------------- reruns write only where told
def test_a_rerun_with_parameters_and_no_output_is_refused(capsys):
    before = git_status()
    code, err = run_book(
        ["notebook", "yale_natural_vs_pgd", "-p", "seeds", "1", "-p", "eps", "2/255", "--tier", "smoke"], capsys
    )
    assert code == 2 and len(err.splitlines()) == 1
    assert "-o" in err and "writes only where you say" in err
    assert git_status() == before


@pytest.mark.parametrize(
    "target", ["book/yale_natural_vs_pgd.ipynb", "tests/notebooks/yale_natural_vs_pgd.ipynb", "book/other.ipynb"]
)
def test_a_rerun_cannot_write_into_the_books_copies(capsys, target):
    before = git_status()
    code, err = run_book(["notebook", "yale_natural_vs_pgd", "-p", "seeds", "1", "-o", str(REPO / target)], capsys)
    assert code == 2 and "one of the book's executed copies" in err and len(err.splitlines()) == 1
    assert git_status() == before


def test_a_rerun_injects_no_chapter_and_is_stamped_with_its_parameters(monkeypatch, tmp_path):
    """The book's own execution records verdicts (``chapter`` injected); a rerun does not, and its stamp differs."""
    import papermill

    seen = []

    def fake_execute(src, out, *, parameters, **kwargs):
        seen.append(parameters)

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    chapter = next(c for c in book.CHAPTERS if c.name == "yale_attack_eps")
    rerun = book.execute(chapter, tier="smoke", output=tmp_path / "rerun.ipynb", parameters={"methods": ["pgd"]})
    assert "chapter" not in seen[-1] and seen[-1]["methods"] == ["pgd"]
    import nbformat

    stamp = nbformat.read(rerun, as_version=4).metadata
    assert stamp[book.SOURCE_KEY] != book.source_hash(chapter, tier="smoke") and stamp[book.PARAMETERS_KEY] == {
        "methods": ["pgd"]
    }
    # the book's own copy (written to a temporary folder standing in for tests/notebooks/) gets `chapter`
    monkeypatch.setitem(book.TARGETS, "smoke", tmp_path / "copies")
    own = book.execute(chapter, tier="smoke")
    assert seen[-1]["chapter"] == "yale_attack_eps"
    assert nbformat.read(own, as_version=4).metadata[book.SOURCE_KEY] == book.source_hash(chapter, tier="smoke")
    # chapters without a `chapter` parameter never get one (no spurious papermill warning)
    plain = next(c for c in book.CHAPTERS if c.name == "yale_natural_vs_pgd")
    book.execute(plain, tier="smoke")
    assert "chapter" not in seen[-1]


def test_a_real_smoke_rerun_touches_no_tracked_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "cache"))
    before = git_status()
    out = tmp_path / "calibration.ipynb"
    code = book.main(
        [
            "notebook",
            "appendix_cpu_tier_calibration",
            "--tier",
            "smoke",
            "-p",
            "points",
            "[{n_members: 100}]",
            "-o",
            str(out),
        ]
    )
    assert code == 0 and out.exists()
    assert git_status() == before
    assert not (tmp_path / "cache" / "results" / "smoke" / "verdicts").exists()


# --------------------------------------------------------------------------- parameters checked up front
@pytest.mark.parametrize(
    "name, value, message",
    [
        (
            "epsilon",
            "0.05",
            "unknown parameter 'epsilon' for chapter yale_natural_vs_pgd; accepted parameters: dataset, eps",
        ),
        ("seeds", "0", "seeds: expected a whole number >= 1, got 0"),
        ("seeds", "-2", "seeds: expected a whole number >= 1, got -2"),
        ("seeds", "1.5", "seeds: expected a whole number >= 1, got 1.5"),
        ("seeds", "two", "seeds: expected a whole number >= 1, got 'two'"),
        ("eps", "3", "eps: must lie in [0, 1]"),
        ("eps", "8/0", "eps: cannot parse '8/0'"),
        ("methods", "[natural, pdg]", "methods: unknown value 'pdg'; accepted values: natural, pgd"),
        ("dataset", "svhn", "dataset: unknown value 'svhn'; accepted values: fmnist, yale, cifar10, cifar10-jpeg"),
        ("progress", "maybe", "progress: expected true or false"),
        ("augment", "sometimes", "augment: expected true or false, got 'sometimes'"),
        ("tier", "paper", "tier: set the tier with --tier"),
        ("chapter", "x", "chapter: set by the book"),
    ],
)
def test_a_bad_parameter_is_one_line_naming_it(capsys, name, value, message):
    before = git_status()
    code, err = run_book(
        ["notebook", "yale_natural_vs_pgd", "-p", name, value, "-o", "/tmp/never-written.ipynb"], capsys
    )
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert git_status() == before


def test_every_parameter_of_every_chapter_has_a_check():
    for chapter in book.chapters():
        for name, default in parameters.declared(chapter.path).items():
            if name in parameters.RESERVED:
                continue
            assert name in parameters.CHECKS, (
                f"{chapter.source}.py: parameter {name!r} has no check in mi_lib.parameters"
            )
            parameters.CHECKS[name](name, default)  # every default passes its own check


def test_the_books_own_parameters_pass_their_checks():
    for chapter in book.chapters():
        parameters.validate(chapter.path, chapter.parameters, chapter=chapter.name)


def test_unknown_chapter_and_missing_name_are_one_line(capsys):
    code, err = run_book(["notebook", "no_such_chapter"], capsys)
    assert code == 2 and "unknown chapter 'no_such_chapter'; accepted: intro" in err
    result = subprocess.run(["bash", "run", "notebook", "-p", "eps", "0.05"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and "needs a chapter name first" in result.stderr


def test_an_unknown_run_command_says_so():
    result = subprocess.run(["bash", "run", "frobnicate"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith(
        "error: unknown command 'frobnicate'; accepted: book, test"
    )


def test_grading_a_missing_or_unreadable_notebook_is_one_line(tmp_path, capsys):
    assert assignments_main(["grade", "a_threshold_attack", str(tmp_path / "absent.ipynb")]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"error: notebook: {tmp_path / 'absent.ipynb'} does not exist; give the path of the .ipynb file to grade"
    )
    (tmp_path / "bad.ipynb").write_text("not json")
    assert assignments_main(["grade", "a_threshold_attack", str(tmp_path / "bad.ipynb")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not a readable Jupyter notebook" in err


# --------------------------------------------------------------------------- weights never run code
class _Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/mi_lib_pwned",))


def test_a_pickle_payload_in_a_checkpoint_is_refused(tmp_path):
    import pickle

    marker = Path("/tmp/mi_lib_pwned")
    marker.unlink(missing_ok=True)
    path = tmp_path / "model.pt"
    buffer = io.BytesIO()
    torch.save({"model": {}, "evil": _Payload()}, buffer, pickle_module=pickle)
    atomic_write(path, buffer.getvalue())  # the .sha256 sidecar matches: only the loader can refuse it
    with pytest.warns(CorruptArtifact, match="refused, it holds objects other than weights"):
        assert load_checkpoint(path) is None
    assert not marker.exists()


def test_a_plain_checkpoint_still_loads(tmp_path):
    save_checkpoint(
        tmp_path / "ok.pt", {"model": {"w": torch.ones(2)}, "state": {"epoch": 3, "history": [{"loss": 0.5}]}}
    )
    loaded = load_checkpoint(tmp_path / "ok.pt")
    assert torch.equal(loaded["model"]["w"], torch.ones(2)) and loaded["state"]["epoch"] == 3


# --------------------------------------------------------------------------- the determinism contract
def test_resuming_under_another_thread_count_is_refused(tmp_path):
    config = tiny_config(epochs=1)
    ckpt = tmp_path / "c.pt"
    training.train(
        config, build_model(config, in_shape=(1, 12, 12), n_classes=4), tiny_split(), checkpoint=ckpt, progress=False
    )
    threads = torch.get_num_threads()
    assert load_checkpoint(ckpt)["threads"] == threads
    other = 2 if threads == 1 else 1
    torch.set_num_threads(other)
    try:
        with pytest.raises(
            training.ResumeError, match=f"threads: .*trained with {threads} threads and this process has {other}"
        ):
            training.train(
                config.replace(epochs=2),
                build_model(config, in_shape=(1, 12, 12), n_classes=4),
                tiny_split(),
                checkpoint=ckpt,
                progress=False,
            )
    finally:
        torch.set_num_threads(threads)


# --------------------------------------------------------------------------- data errors name the file and the remedy
def test_a_truncated_yale_npz_names_the_file_and_the_remedy(tmp_path):
    path = tmp_path / "extended-yale-b-cropped" / "extended-yale-b-cropped.npz"
    path.parent.mkdir()
    np.savez(path, x=np.zeros((2, 4, 4), np.uint8), y=np.zeros(2, np.int64))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match=f"{path}: truncated or corrupt.*Replace it: download CroppedYale.zip"):
        load_dataset("yale", data_dir=tmp_path)


def test_an_incomplete_cifar_stand_in_names_the_missing_arrays(tmp_path):
    path = tmp_path / "cifar10-jpeg" / "cifar10-jpeg.npz"
    path.parent.mkdir()
    np.savez(path, y_train=np.zeros(2, np.int64))
    with pytest.raises(DataError, match="cifar10-jpeg.npz: incomplete, it lacks the array\\(s\\) test_jpeg"):
        load_dataset("cifar10-jpeg", data_dir=tmp_path)


def test_a_corrupt_croppedyale_zip_names_the_file(tmp_path):
    (tmp_path / "CroppedYale.zip").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(DataError, match="CroppedYale.zip: truncated or corrupt zip"):
        load_dataset("yale", data_dir=tmp_path)


def test_a_missing_fashion_mnist_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MI_DATA_DIR", raising=False)  # no complete copy elsewhere
    raw = tmp_path / "fashion-mnist" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        (raw / name).write_bytes(b"")
    with pytest.raises(DataError, match=f"Fashion-MNIST: {raw} lacks t10k-labels-idx1-ubyte.gz. To get them"):
        load_dataset("fmnist", data_dir=tmp_path)


def test_a_truncated_released_output_names_the_file(tmp_path):
    path = tmp_path / "pvr-yale-outputs" / "natural.npz"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.npy", b"garbage")
    with pytest.raises(DataError, match="natural.npz: truncated or corrupt.*privacy-vs-robustness"):
        load_released_yale_outputs("natural", data_dir=tmp_path)
