"""The BG/NBD baseline: ML recovers the parameters of simulated customers, and
its forecast matches what those customers then buy."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.backtest.bgnbd import BgNbdParams, expected_purchases, fit, log_likelihood, simulate
from rapport.backtest.metrics import roc_auc

# The CDNOW estimates of Fader, Hardie & Lee (2005), time in weeks.
CDNOW = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def cdnow_like():
    rng = np.random.default_rng(2005)
    ages = rng.uniform(27, 39, 6000)  # CDNOW's cohort: first purchases over 12 weeks
    return simulate(CDNOW, ages, rng, horizon=39.0)


def test_fit_recovers_the_parameters_it_was_simulated_with(cdnow_like):
    x, t_x, big_t, _ = cdnow_like
    fitted = fit(x, t_x, big_t)
    assert fitted.r == pytest.approx(CDNOW.r, rel=0.2)
    assert fitted.alpha == pytest.approx(CDNOW.alpha, rel=0.3)
    assert fitted.a == pytest.approx(CDNOW.a, rel=0.4)
    assert fitted.b == pytest.approx(CDNOW.b, rel=0.5)
    # The optimum is at least as likely as the truth.
    assert log_likelihood(fitted, x, t_x, big_t).sum() >= log_likelihood(CDNOW, x, t_x, big_t).sum()


def test_forecast_matches_the_purchases_of_the_holdout_period(cdnow_like):
    x, t_x, big_t, future = cdnow_like
    forecast = expected_purchases(fit(x, t_x, big_t), 39.0, x, t_x, big_t)
    assert forecast.sum() == pytest.approx(future.sum(), rel=0.1)
    # Ranks customers: those forecast to buy do buy more often.
    assert roc_auc(forecast, future > 0) > 0.65


def test_forecast_falls_with_time_since_the_last_purchase():
    recent, lapsed = expected_purchases(CDNOW, 39.0, [4, 4], [30.0, 5.0], [32.0, 32.0])
    assert recent > lapsed
    assert expected_purchases(CDNOW, 39.0, [0], [0.0], [32.0])[0] > 0


def test_auc_is_the_share_of_correctly_ordered_pairs():
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)
    assert roc_auc([1, 1, 1], [0, 1, 0]) == pytest.approx(0.5)
    assert roc_auc([0.2, 0.9], [1, 0]) == 0.0
    assert roc_auc([0.2, 0.9], [1, 1]) is None
