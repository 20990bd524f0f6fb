"""Countermeasures of CCS §7 that act on a trained model's outputs (no retraining): temperature scaling.

Temperature T divides the logits before the softmax. The signals keep softmax outputs, whose logarithms are the
logits up to a per-input constant, which the softmax ignores: softmax(log p / T) is exactly the T-scaled output.
Probabilities that underflowed to 0 in float32 are floored (their logits are lost; T > 1 cannot recover them).
Predictions, hence clean and PGD accuracies, do not change with T; only the confidences, hence the attacks, do.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

TEMPERATURES = (1.0, 2.0, 5.0, 10.0, 20.0)


def temperature_scaled(probs: np.ndarray, temperature: float, *, floor: float = 1e-45) -> np.ndarray:
    """softmax(log(probs) / T), rows of ``probs`` (N, K) being softmax outputs."""
    if not temperature > 0:
        raise ValueError(f"temperature: must be > 0, got {temperature}")
    z = np.log(np.maximum(np.asarray(probs, dtype=np.float64), floor)) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def scaled_signals(signals: Mapping[str, np.ndarray], temperature: float) -> dict[str, np.ndarray]:
    """``signals`` with every softmax output (``output_*``) temperature-scaled; at T = 1, ``signals`` as they are (the
    float64 round trip would re-rank ties of saturated float32 outputs: a T = 1 row must equal the unscaled model's)."""
    if temperature == 1:
        return dict(signals)
    return {k: temperature_scaled(v, temperature) if k.startswith("output_") else v for k, v in signals.items()}
