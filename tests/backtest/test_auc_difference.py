"""DeLong's paired comparison of two AUCs, checked against a brute-force count and a bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from rapport.backtest.metrics import auc_difference, roc_auc


def correlated_scores(n: int, rng: np.random.Generator):
    """Two noisy readings of one latent propensity, and outcomes drawn from it."""
    latent = rng.normal(size=n)
    outcomes = rng.random(n) < 1 / (1 + np.exp(-2 * latent))
    a = latent + rng.normal(scale=0.6, size=n)
    b = np.round(latent + rng.normal(scale=1.0, size=n), 1)  # coarser: ties
    return a, b, outcomes


def test_difference_is_the_difference_of_the_two_aucs():
    a, b, outcomes = correlated_scores(300, np.random.default_rng(1))
    compared = auc_difference(a, b, outcomes)
    assert compared.difference == pytest.approx(roc_auc(a, outcomes) - roc_auc(b, outcomes))
    assert compared.difference > 0  # the less noisy score ranks better


def test_standard_error_matches_a_paired_bootstrap():
    rng = np.random.default_rng(2)
    a, b, outcomes = correlated_scores(400, rng)
    compared = auc_difference(a, b, outcomes)
    draws = []
    for _ in range(1500):
        pick = rng.integers(0, len(a), len(a))
        draws.append(roc_auc(a[pick], outcomes[pick]) - roc_auc(b[pick], outcomes[pick]))
    assert compared.standard_error == pytest.approx(np.std(draws), rel=0.15)
    low, high = compared.interval()
    assert low < compared.difference < high


def test_identical_scores_differ_by_nothing_and_undefined_aucs_give_none():
    a, _, outcomes = correlated_scores(50, np.random.default_rng(3))
    same = auc_difference(a, a, outcomes)
    assert same.difference == 0 and same.standard_error == 0
    assert auc_difference([0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [True, True, True]) is None
