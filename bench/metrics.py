"""Classification metrics for comparing Rapport's output with ground truth.

Small enough to write out, so the benchmark needs no scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def per_class_scores(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[ClassScore]:
    pairs = Counter(zip(truth, predicted, strict=True))
    scores = []
    for label in labels:
        true_positive = pairs[(label, label)]
        predicted_count = sum(n for (_, p), n in pairs.items() if p == label)
        actual_count = sum(n for (t, _), n in pairs.items() if t == label)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / actual_count if actual_count else 0.0
        scores.append(ClassScore(label, precision, recall, _f1(precision, recall), actual_count))
    return scores


def macro_f1(scores: Sequence[ClassScore]) -> float:
    scored = [s for s in scores if s.support > 0]
    return sum(s.f1 for s in scored) / len(scored) if scored else 0.0


def confusion_matrix(
    truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    pairs = Counter(zip(truth, predicted, strict=True))
    return [[pairs[(t, p)] for p in labels] for t in labels]


def binary_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> ClassScore:
    as_text = ["yes" if v else "no" for v in truth], ["yes" if v else "no" for v in predicted]
    return per_class_scores(*as_text, labels=["yes"])[0]


@dataclass(frozen=True)
class Band:
    """Accounts whose confidence falls in [low, high], and how often they were typed wrong."""

    low: float
    high: float
    accounts: int
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.accounts if self.accounts else 0.0


def calibration_bands(
    confidence: Sequence[float], correct: Sequence[bool], bands: int = 4
) -> list[Band]:
    """Error rate per confidence band (bands of about equal size, lowest first).

    Confidence means something only if the low bands are wrong more often than
    the high ones; equal-size bands keep every band large enough to tell.
    Accounts with the same confidence stay in the same band.
    """
    pairs = sorted(zip(confidence, correct, strict=True), key=lambda pair: pair[0])
    if not pairs:
        return []
    size = len(pairs) / bands
    result: list[Band] = []
    start = 0
    for index in range(1, bands + 1):
        stop = len(pairs) if index == bands else max(round(index * size), start)
        while 0 < stop < len(pairs) and pairs[stop][0] == pairs[stop - 1][0]:
            stop += 1  # keep ties together
        chunk = pairs[start:stop]
        if chunk:
            errors = sum(1 for _, ok in chunk if not ok)
            result.append(Band(chunk[0][0], chunk[-1][0], len(chunk), errors))
        start = stop
        if start >= len(pairs):
            break
    return result


def median(values: Sequence[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
