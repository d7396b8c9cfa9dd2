"""The generator's profiles file and the promise that a seed always gives the same org.

The golden hashes below were taken from the generator before it was split
into a package and its profiles moved to ``profiles.yml``: a change to the
code or to the file that alters any generated value fails here. Update them
only for a deliberate change to the synthetic org (and say so in the commit).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from typing import Any

import pytest
import yaml

from local_org.generator import PROFILES, TYPE_CODES, generate_org
from local_org.generator.profiles import (
    HOSTAGE_SIGNALS,
    PROFILES_PATH,
    Profile,
    ProfileError,
    load_profiles,
    parse_profiles,
)

GOLDEN_AS_OF = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
# (row count, sha256 of the sorted JSON rows) per table of generate_org(60, seed=123).
GOLDEN = {
    "Account": (60, "c0841023e2f796c0afb9c3480d788f5e85579902b5c9f93ec2f7993841f84e72"),
    "Case": (346, "dd9bb8307a5be940c48d40b64e9d9cea5aa6335f25b9eb72a42b832ade1cb265"),
    "Contact": (349, "a6cd815f964add126e8aab2e961f57aa281ebc108510c63d8c9a7ef665563fbd"),
    "Contract": (38, "38ffe756e8c2bbb25a78cfd1bc7a4c347d54bca50261f063aa40af9661982c6e"),
    "EmailMessage": (2158, "af4167a47890f84f64291ea79bd3c6c51c156dd866481d977cd53518616485f5"),
    "Event": (571, "3008db33d8b732ae86a6f6a9906953559163f3d25f9d5c3a250e3bd36134b5cf"),
    "Opportunity": (564, "85a126eaf07f62fa6e4da7adc20c43bda63cbbbd3685741c3aa43c88c2f69627"),
    "OpportunityCompetitor": (
        66,
        "7208f22e9b066b0f8c12d4568837298aa7b85660862bb2edded4d83c08835a35",
    ),
    "OpportunityContactRole": (
        789,
        "565df2e0b3023d60d5f3264b7b1314e4f21aaeec146b10fbe93599849e419621",
    ),
    "Order": (907, "2097d1b329af54b0ed2d4067d174b9d7b1a94544f46bedc9a9eb167200bdedaf"),
    "Survey_Response__c": (116, "2545c3262fb75bb1d42099654757725d83f42a8924af0d542f36f23f6a2ea780"),
    "Task": (1862, "8ee0ffcc6d82cbbbabb13bce9b35498b01115975967d2f1bfea802847b63c6ca"),
    "User": (10, "08602789ae90e5528d1c58fff59042db5d2287f2f325ec839391a56bb4073855"),
    "labels": (60, "c6a848cfce037bc1a42606709492d9dcbea3b4172115301b1abc7771ba2ff56e"),
}


def _digest(rows: list[dict[str, Any]]) -> str:
    lines = sorted(json.dumps(row, sort_keys=True, default=repr) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_a_seed_still_gives_the_org_it_gave_before_the_split() -> None:
    org = generate_org(accounts=60, seed=123, as_of=GOLDEN_AS_OF)
    tables = {**org.records, "labels": org.labels}
    assert {name: (len(rows), _digest(rows)) for name, rows in tables.items()} == GOLDEN


def _document() -> dict[str, Any]:
    return yaml.safe_load(PROFILES_PATH.read_text(encoding="utf-8"))


def test_the_profiles_file_gives_a_profile_per_type() -> None:
    assert list(PROFILES) == list(TYPE_CODES)
    assert all(isinstance(profile, Profile) for profile in PROFILES.values())
    assert PROFILES["married"].contacts == (6, 16)
    assert isinstance(PROFILES["married"].contacts, tuple)
    assert load_profiles() == (PROFILES, HOSTAGE_SIGNALS)


def _broken(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(_document())
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["profiles"].pop("ex"), "one per type"),
        (lambda d: d["profiles"]["steady"].pop("nps"), "missing fields ['nps']"),
        (lambda d: d["profiles"]["steady"].update(tenure=3), "unknown fields ['tenure']"),
        (lambda d: d["profiles"]["dating"].update(win_rate="high"), "dating.win_rate"),
        (lambda d: d["profiles"]["dating"].update(win_rate=1.5), "out of range"),
        (lambda d: d["profiles"]["ex"].update(contacts=[6, 2]), "low 6 is above high 2"),
        (lambda d: d["profiles"]["ex"].update(contacts=[1.5, 2]), "expected an integer"),
        (lambda d: d["profiles"]["ex"].update(segments=[0.5, 0.5]), "list of 3 numbers"),
        (lambda d: d["profiles"]["ex"].update(mix=0.5), "add up to"),
        (lambda d: d["hostage_signals"].update(low_nps=2), "outside [0, 1]"),
        (lambda d: d.pop("hostage_signals"), "exactly two sections"),
    ],
)
def test_a_broken_profiles_file_is_refused_with_the_place_named(change, message) -> None:
    with pytest.raises(ProfileError) as refused:
        parse_profiles(_broken(change))
    assert message in str(refused.value)


def test_invalid_yaml_is_refused(tmp_path) -> None:
    path = tmp_path / "profiles.yml"
    path.write_text("profiles: [unclosed\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profiles(path)
