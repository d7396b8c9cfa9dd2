"""Rank metrics of the backtest, small enough to own (no scikit-learn for one AUC)."""

from __future__ import annotations

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
