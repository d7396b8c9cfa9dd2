"""BG/NBD: the buy-till-you-die baseline the typology's strength is judged against.

Fader, Hardie & Lee (2005), "Counting your customers the easy way". Each
customer buys as a Poisson process (rate λ ~ Gamma(r, alpha)) and, after every
repeat purchase, drops out for good with probability p ~ Beta(a, b). The
parameters are fitted by maximum likelihood on (x, t_x, T) per customer:
repeat purchases, the time of the last one and the customer's age, all
counted from the first purchase. Own implementation because ``lifetimes``
pins pandas < 2.3 and ``pymc-marketing`` pulls in a sampler stack for what is
a four-parameter optimisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood (FHL 2005, equation 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    big_t = np.asarray(big_t, dtype=float)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def fit(x, t_x, big_t) -> BgNbdParams:
    """Maximum-likelihood (r, alpha, a, b), optimised over their logarithms (all positive)."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    if len(x) == 0:
        raise ValueError("BG/NBD needs at least one customer")

    def negative(log_params: np.ndarray) -> float:
        params = BgNbdParams(*np.exp(np.clip(log_params, -12, 12)))
        value = -float(np.sum(log_likelihood(params, x, t_x, big_t)))
        return value if np.isfinite(value) else 1e300

    start = np.log([1.0, max(float(np.mean(big_t)), 1.0), 1.0, 1.0])
    result = minimize(
        negative,
        start,
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8},
    )
    result = minimize(negative, result.x, method="L-BFGS-B")
    return BgNbdParams(*np.exp(result.x))


def expected_purchases(params: BgNbdParams, horizon: float, x, t_x, big_t) -> np.ndarray:
    """E[purchases in (T, T + horizon] | x, t_x, T] (FHL 2005, equation 10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    t = float(horizon)
    z = t / (alpha + big_t + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    ratio = (alpha + big_t) / (alpha + big_t + t)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ratio ** (r + x) * hyp)
    with np.errstate(divide="ignore", invalid="ignore"):
        alive_odds = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * ((alpha + big_t) / (alpha + t_x)) ** (r + x),
            0.0,
        )
    return numerator / (1 + alive_odds)


def simulate(
    params: BgNbdParams, ages: np.ndarray, rng: np.random.Generator, horizon: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customers drawn from the model: (x, t_x, T, purchases in the following ``horizon``).

    For tests: a fit on simulated data must recover the parameters it was
    simulated with.
    """
    n = len(ages)
    rates = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n)
    for i in range(n):
        t, alive = 0.0, True
        end = ages[i] + horizon
        while alive and rates[i] > 0:
            t += rng.exponential(1.0 / rates[i])
            if t > end:
                break
            if t <= ages[i]:
                x[i] += 1
                t_x[i] = t
            else:
                future[i] += 1
            alive = rng.random() >= dropout[i]
    return x, t_x, np.asarray(ages, dtype=float), future
