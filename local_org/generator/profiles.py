"""The per-type behaviour profiles of the synthetic org, read from ``profiles.yml``.

The numbers are data, not code: they are tuned by looking at generated orgs,
and a YAML file beside this module is easier to read and review than a wall
of keyword arguments. They are loaded and checked once, on import, so a typo
in the file fails at once with the type and field named, rather than as an
odd org many records later.

Values keep the type written in the file (``5`` stays an int, ``5.0`` a
float) so that the same seed gives the same org whatever the file's spelling
was when it was moved out of the code.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROFILES_PATH = Path(__file__).with_name("profiles.yml")

TYPE_CODES: tuple[str, ...] = (
    "prospect",
    "one_night_stand",
    "dating",
    "steady",
    "engaged",
    "married",
    "partner",
    "ex",
)


@dataclass(frozen=True)
class Profile:
    """Behaviour parameters of one relationship type (see ``profiles.yml`` for each field).

    Ranges are ``(low, high)`` and drawn uniformly per account, so two
    accounts of the same type differ as much as real customers do.
    """

    mix: float
    start_days: tuple[float, float]
    segments: tuple[float, float, float]
    contacts: tuple[int, int]
    senior_share: float
    exec_sponsor: float
    deals_per_year: tuple[float, float]
    win_rate: float
    orders_per_deal: tuple[int, int]
    wallet_share: tuple[float, float]
    competitor_rate: float
    touches_per_month: tuple[float, float]
    inbound_share: float
    meetings_per_quarter: float
    qbr_rate: float
    cases_per_year: float
    resolve_days: float
    surveys_per_year: float
    nps: tuple[float, float]
    late_rate: float
    hostage_rate: float


class ProfileError(ValueError):
    """``profiles.yml`` does not describe a valid set of profiles."""


# Fields that are chances or shares, so must lie in [0, 1].
_SHARES = (
    "mix",
    "senior_share",
    "exec_sponsor",
    "win_rate",
    "competitor_rate",
    "inbound_share",
    "qbr_rate",
    "late_rate",
    "hostage_rate",
)
_INT_RANGES = ("contacts", "orders_per_deal")
_PAIRS_NOT_RANGES = ("nps",)  # mean and standard deviation


def _number(where: str, value: Any, integer: bool = False) -> int | float:
    wanted = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted) or not math.isfinite(value):
        kind = "an integer" if integer else "a number"
        raise ProfileError(f"{where}: expected {kind}, got {value!r}")
    return value


def _profile(code: str, raw: Any) -> Profile:
    if not isinstance(raw, dict):
        raise ProfileError(f"profiles.{code}: expected a mapping of fields")
    names = [f.name for f in dataclasses.fields(Profile)]
    missing = [name for name in names if name not in raw]
    unknown = [name for name in raw if name not in names]
    if missing or unknown:
        raise ProfileError(f"profiles.{code}: missing fields {missing}, unknown fields {unknown}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Profile):
        where, value = f"profiles.{code}.{f.name}", raw[f.name]
        if str(f.type).startswith("tuple"):
            size = str(f.type).count(",") + 1
            if not isinstance(value, list) or len(value) != size:
                raise ProfileError(f"{where}: expected a list of {size} numbers, got {value!r}")
            items = tuple(_number(where, v, f.name in _INT_RANGES) for v in value)
            if size == 2 and f.name not in _PAIRS_NOT_RANGES and items[0] > items[1]:
                raise ProfileError(f"{where}: low {items[0]} is above high {items[1]}")
            if any(v < 0 for v in items):
                raise ProfileError(f"{where}: values must not be negative")
            values[f.name] = items
        else:
            number = _number(where, value)
            if number < 0 or (f.name in _SHARES and number > 1):
                raise ProfileError(f"{where}: {number} is out of range")
            values[f.name] = number
    return Profile(**values)


def _shares(raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise ProfileError("hostage_signals: expected a mapping of signal to chance")
    chances = {str(name): _number(f"hostage_signals.{name}", p) for name, p in raw.items()}
    outside = [name for name, p in chances.items() if not 0 <= p <= 1]
    if outside:
        raise ProfileError(f"hostage_signals: chances outside [0, 1]: {outside}")
    return chances


def parse_profiles(document: Any) -> tuple[dict[str, Profile], dict[str, float]]:
    """(profile per type code, hostage signal chances) from the parsed YAML document."""
    if not isinstance(document, dict) or set(document) != {"profiles", "hostage_signals"}:
        raise ProfileError("expected exactly two sections: profiles and hostage_signals")
    raw = document["profiles"]
    if not isinstance(raw, dict) or set(raw) != set(TYPE_CODES):
        got = sorted(raw) if isinstance(raw, dict) else raw
        raise ProfileError(f"profiles: expected one per type {list(TYPE_CODES)}, got {got}")
    profiles = {code: _profile(code, raw[code]) for code in TYPE_CODES}
    total = sum(p.mix for p in profiles.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ProfileError(f"profiles: the mix shares add up to {total}, not 1")
    return profiles, _shares(document["hostage_signals"])


def load_profiles(path: Path = PROFILES_PATH) -> tuple[dict[str, Profile], dict[str, float]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ProfileError(f"{path.name} is not valid YAML: {error}") from None
    return parse_profiles(document)


PROFILES, HOSTAGE_SIGNALS = load_profiles()
