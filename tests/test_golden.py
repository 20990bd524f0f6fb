"""Golden numbers: a tiny seeded run's accuracies and attack results, stored and compared exactly, so that a change to
the numerics (a kernel, an initialisation, an RNG draw) is caught. The determinism contract holds for the same thread
count and CPU kind (the README), so the comparison runs at the stored thread count on the stored CPU kind and is
skipped, saying why, elsewhere; `python tests/test_golden.py` rewrites the file after a deliberate change."""

import json
import os
import sys
from pathlib import Path

import pytest
import torch

from mi_lib import runs

sys.path.insert(0, str(Path(__file__).parent))
from tiny import tiny_config, tiny_split  # noqa: E402

GOLDEN = Path(__file__).parent / "golden" / "tiny_runs.json"


def compute() -> dict:
    out = {"threads": torch.get_num_threads(), "cpu_capability": torch.backends.cpu.get_cpu_capability(), "runs": {}}
    for method in ("natural", "pgd"):
        summary = runs.run_experiment(tiny_config(method=method), split=tiny_split(), progress=False).summary
        out["runs"][method] = {
            k: summary[k]
            if not isinstance(summary[k], dict)
            else {m: summary[k][m] for m in ("accuracy", "auc", "threshold")}
            for k in ("train_acc", "test_acc", "adv_train_acc", "adv_test_acc", "ib", "ia")
        }
    return out


def test_a_tiny_seeded_run_gives_the_stored_numbers(isolated_cache):
    golden = json.loads(GOLDEN.read_text())
    here = (os.cpu_count() or 1, torch.backends.cpu.get_cpu_capability())
    if here[0] < golden["threads"] or here[1] != golden["cpu_capability"]:
        pytest.skip(
            f"stored at {golden['threads']} threads on {golden['cpu_capability']}; this machine: {here[0]} cores, {here[1]}"
        )
    previous = torch.get_num_threads()
    torch.set_num_threads(golden["threads"])  # ./run test's workers run one thread each
    try:
        assert compute()["runs"] == golden["runs"]
    finally:
        torch.set_num_threads(previous)


if __name__ == "__main__":  # rewrite the golden file (after a deliberate numerics change), in a scratch cache
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MI_CACHE_DIR"], os.environ["MI_RESULTS_DIR"] = tmp, tmp
        GOLDEN.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
