import math

import numpy as np
import pytest
import torch
from tiny import tiny_config, tiny_split
from torch import nn

from mi_lib import pixeldp


def test_the_gaussian_mechanism_sigma_known_answer():
    # sqrt(2 ln(1.25 / 0.05)) * 0.1 / 1 = sqrt(2 ln 25) / 10
    assert pixeldp.noise_sigma(0.1) == pytest.approx(math.sqrt(2 * math.log(25)) / 10)
    assert pixeldp.noise_sigma(0.1) == pytest.approx(0.2537, abs=1e-4)
    assert pixeldp.noise_sigma(0.2, dp_eps=2.0) == pytest.approx(pixeldp.noise_sigma(0.1))


def test_the_prediction_is_the_softmax_averaged_over_seeded_draws():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(5, 1, 4, 4)
    predict = pixeldp.NoisyPrediction(model, sigma=0.3, draws=7, seed=1, chunk=10)  # 2 draws per pass: uneven chunks
    out = torch.softmax(predict(x), 1)
    g = torch.Generator().manual_seed(1)
    by_hand = []
    for k in (2, 2, 2, 1):
        noise = torch.randn((k, *x.shape), generator=g)
        by_hand += [torch.softmax(model(x + 0.3 * n), 1) for n in noise]
    torch.testing.assert_close(out, torch.stack(by_hand).mean(0))
    again = pixeldp.NoisyPrediction(model, sigma=0.3, draws=7, seed=1, chunk=10)
    torch.testing.assert_close(torch.softmax(again(x), 1), out)  # its own generator: reproducible


def test_a_pixeldp_run_scores_the_averaged_prediction(isolated_cache):
    from mi_lib.runs import run_experiment

    config = tiny_config(method="pixeldp", noise_draws=3, epochs=2)
    result = run_experiment(config, split=tiny_split(), progress=False)
    signals = result.signals
    for key in ("output_train_benign", "output_test_adversarial"):
        np.testing.assert_allclose(signals[key].sum(1), 1, rtol=1e-5)
    assert 0 <= result["ib"]["accuracy"] <= 1
    assert config.replace(noise_draws=9).train_id() == config.train_id()  # draws change the prediction, not the weights
    assert config.replace(pixeldp_l2=0.2).train_id() != config.train_id()
    assert tiny_config().run_id() == tiny_config(pixeldp_l2=0.1, noise_draws=100).run_id()  # defaults rename no run


def test_the_pixeldp_scope_of_c8_needs_models_that_fit_their_training_set():
    import pandas as pd

    from mi_lib import chapters, report

    frame = pd.DataFrame({"method": ["natural", "pixeldp"], "seed": 0, "ib": [0.57, 0.64], "train_acc": [1.0, 0.99]})
    [(cid, scope, v)] = chapters.pixeldp_claims(frame, dataset="cifar10")
    assert (cid, v.verdict) == ("C8", "inconclusive") and "PixelDP" in scope  # one run each: a sign, not evidence
    [(_, _, unfit)] = chapters.pixeldp_claims(frame.assign(train_acc=[0.63, 0.5]), dataset="cifar10")
    assert unfit.verdict == report.NOT_TESTABLE and "Natural 63.0%" in unfit.detail


def test_the_wrappers_leave_the_model_in_the_mode_they_found_it():
    from mi_lib.signals import softmax_outputs

    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)).eval()
    scored, attacked = pixeldp.predictors(model, tiny_config(method="pixeldp", noise_draws=2))
    softmax_outputs(
        scored,
        torch.rand(4, 1, 4, 4),
        torch.zeros(4, dtype=torch.long),
        eps=0.1,
        steps=1,
        step_size=0.1,
        attack_model=attacked,
    )
    assert not model.training
