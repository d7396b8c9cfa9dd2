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
# Last changed on purpose for issue 14: shoppers with quotes, repeat orders
# weeks apart, add-ons within days, orphan opportunities, hostages' big contracts.
GOLDEN = {
    "Account": (60, "d29d26412086a75c3d4f238096009d87ac7b420fca7053b7d21a6442b2203bc6"),
    "Case": (355, "4875591e8d329bd70c215219b4e7978561c3c421cde537b7d96e05142b03df34"),
    "Contact": (346, "0faa0e316c7e6f2386d08b0cedef3d1056357c1c58ae17885433c05ea5bc0cd6"),
    "Contract": (38, "ae4360550af1dae241faf1b71bb63b25f8c77e313cb9406ba472016dd78b4896"),
    "EmailMessage": (2194, "97d68c6e037da5c5a49e558c8dbfcb3fba7addfa0033891faa453d098a3239d5"),
    "Event": (564, "bfe832d0dc583dbbc33873f83b3e81984f5abb5bdf417fb74198bb8fbae87173"),
    "Opportunity": (584, "351e24c9a5b4c96a5e2ecba7391b2cb6b83797fac05285dda04c3802e72c98e0"),
    "OpportunityCompetitor": (
        71,
        "59adadcfd5e3c36cc3f1914d51a24e42cdc4a7b5c2ed4cbe6fc43da081b2254f",
    ),
    "OpportunityContactRole": (
        781,
        "2b7bd466d3db6d534e70db3901ed2b3cd2f1e11b4812ce0d67a4f93d55e6e858",
    ),
    "Order": (913, "8222fd19988c7820b008f1ddebf2f633a8b248fd5978ff804f23a80980712ac0"),
    "Survey_Response__c": (118, "93e193c0b7f64048e85b9860dea4a7cba08796fc67ef39da00a5b9af5b9436b9"),
    "Task": (1861, "872cdf161d209078886c30c7c941c5e6e8fad705a3dc134ba1c0b1fb4039b0b5"),
    "User": (10, "08602789ae90e5528d1c58fff59042db5d2287f2f325ec839391a56bb4073855"),
    # Labels changed on purpose in issue 14: a story_type column, and engaged
    # stories already held by a contract in force labelled married.
    "labels": (60, "18a187228e06eec00abe1378793478c0a2471c61a3fbdb4348d624d9d8ef9e97"),
}


# Beliefs added after the golden org (generator/perception.py, pinned by
# test_generator_perception.py): drawn last, they leave every other value as it was.
PERCEPTION_KEYS = frozenset(
    {"Relationship_Perceived_Type__c", "Stated_Relationship__c", "perceived_type"}
)


def _digest(rows: list[dict[str, Any]]) -> str:
    rows = [{k: v for k, v in row.items() if k not in PERCEPTION_KEYS} for row in rows]
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
