"""Rank metrics of the backtest, small enough to own (no scikit-learn for one AUC)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def roc_auc(scores, outcomes) -> float | None:
    """ROC AUC as the Mann-Whitney rank statistic: the chance that a random
    positive scores above a random negative (ties count half).

    None when there is no positive or no negative: the figure is undefined,
    and a made-up 0.5 would read as "no better than chance".
    """
    scores = np.asarray(scores, dtype=float)
    outcomes = np.asarray(outcomes, dtype=bool)
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(scores)  # ties get their average rank
    rank_sum = float(ranks[outcomes].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class AucDifference:
    """AUC(a) - AUC(b) on the same accounts, with DeLong's standard error."""

    difference: float
    standard_error: float

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """The (by default 95%) confidence interval of the difference."""
        return self.difference - z * self.standard_error, self.difference + z * self.standard_error


def _placements(scores: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per positive, the share of negatives it beats; per negative, the share of positives
    that beat it (ties count half): DeLong's structural components, by binary search
    (no positives-by-negatives matrix, so a book of 100,000 accounts fits in memory)."""
    # The accounts stay in their order (the two scores' components are paired
    # account by account); only the side searched in is sorted.
    positives, negatives = scores[outcomes], scores[~outcomes]
    sorted_positives, sorted_negatives = np.sort(positives), np.sort(negatives)
    below = np.searchsorted(sorted_negatives, positives, "left")
    tied = np.searchsorted(sorted_negatives, positives, "right") - below
    per_positive = (below + 0.5 * tied) / len(negatives)
    not_above = np.searchsorted(sorted_positives, negatives, "right")
    tied = not_above - np.searchsorted(sorted_positives, negatives, "left")
    per_negative = (len(positives) - not_above + 0.5 * tied) / len(positives)
    return per_positive, per_negative


def auc_difference(scores_a, scores_b, outcomes) -> AucDifference | None:
    """Compare two scores' AUCs on the same accounts (DeLong, DeLong & Clarke-Pearson 1988).

    The two AUCs are correlated (same accounts, same outcomes), so their
    difference has a smaller error than either alone; an unpaired comparison
    would call real differences noise. None when the AUC is undefined.
    """
    a = np.asarray(scores_a, dtype=float)
    b = np.asarray(scores_b, dtype=float)
    outcomes = np.asarray(outcomes, dtype=bool)
    positives = int(outcomes.sum())
    negatives = len(outcomes) - positives
    if positives < 2 or negatives < 2:
        return None
    a10, a01 = _placements(a, outcomes)
    b10, b01 = _placements(b, outcomes)
    d10, d01 = a10 - b10, a01 - b01
    variance = d10.var(ddof=1) / positives + d01.var(ddof=1) / negatives
    return AucDifference(float(d10.mean()), float(np.sqrt(max(variance, 0.0))))
