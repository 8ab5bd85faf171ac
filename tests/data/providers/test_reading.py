"""Freshness decay at its exact boundaries, the age of a reading, the left-out record."""

from __future__ import annotations

import math

import pytest

from scalplab.data.providers.reading import LEFT_OUT, ProviderReading, freshness

MINUTE = 60.0


@pytest.mark.parametrize(
    ("age_s", "weight"),
    [
        (-30.0, 1.0),  # stamped a little ahead of our clock: as good as new
        (0.0, 1.0),
        (5 * MINUTE - 0.001, 1.0),  # younger than 5 minutes
        (5 * MINUTE, 0.7),  # exactly 5 minutes is no longer "younger than 5 minutes"
        (15 * MINUTE - 0.001, 0.7),
        (15 * MINUTE, 0.4),
        (30 * MINUTE - 0.001, 0.4),
        (30 * MINUTE, 0.2),
        (86_400.0 * 365, 0.2),
        (math.inf, 0.2),
        (math.nan, 0.2),  # an unknown age is the oldest band
    ],
)
def test_freshness_bands_and_their_boundaries(age_s: float, weight: float) -> None:
    assert freshness(age_s) == weight


def reading(**changes: object) -> ProviderReading:
    fields: dict[str, object] = {
        "provider": "fear_greed", "layer": "sentiment", "fetched_at": 1_000_000,
        "source": "http://x/fng/", "metrics": {"value": 40.0}, "observed_at": 1_000_000,
    }  # fmt: skip
    fields.update(changes)
    return ProviderReading(**fields)  # type: ignore[arg-type]


def test_age_counts_from_the_observation() -> None:
    one = reading(observed_at=1_000_000)
    assert one.age_s(1_000_000 + 299_999) == pytest.approx(299.999)
    assert one.freshness(1_000_000 + 299_999) == 1.0
    assert one.freshness(1_000_000 + 300_000) == 0.7
    assert one.age_s(900_000) == 0.0  # before the observation: no negative age


def test_a_value_current_until_a_known_instant_ages_from_that_instant() -> None:
    daily = reading(observed_at=0, current_until=10_000_000)
    assert daily.age_s(9_999_999) == 0.0 and daily.freshness(9_999_999) == 1.0
    assert daily.age_s(10_000_000 + 1_800_000) == 1800.0
    assert daily.freshness(10_000_000 + 1_800_000) == 0.2


def test_the_left_out_record_carries_its_reason_and_no_weight() -> None:
    out = ProviderReading.missing("macro", "macro", 5, "http://x/q/l/", "timed out after 10 s")
    assert not out.available and out.metrics == {}
    assert out.left_out == "layer left out: timed out after 10 s"
    assert out.reason == "timed out after 10 s"
    assert out.freshness(5) == 0.0 and math.isnan(out.age_s(5))
    again = ProviderReading.missing("macro", "macro", 5, "", LEFT_OUT + "x")
    assert again.left_out == "layer left out: x"  # never prefixed twice


def test_to_dict_is_json_ready_with_age_and_freshness() -> None:
    payload = reading(labels={"classification": "Fear"}).to_dict(at_ms=1_000_000 + 600_000)
    assert payload == {
        "provider": "fear_greed", "layer": "sentiment", "available": True, "left_out": None,
        "metrics": {"value": 40.0}, "labels": {"classification": "Fear"},
        "observed_at": "1970-01-01T00:16:40Z", "current_until": None,
        "fetched_at": "1970-01-01T00:16:40Z", "source": "http://x/fng/",
        "age_s": 600.0, "freshness": 0.7,
    }  # fmt: skip
