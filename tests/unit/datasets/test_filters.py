"""Dataset filters in canonical form, the new contributor and upload-time bounds among them."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chain.errors import InvalidAddress
from governance.datasets.errors import InvalidFilters
from governance.datasets.service import DatasetFilters

ALICE = "0x52908400098527886E0F7030069857D2E4169EE7"


def test_contributors_are_checksummed_and_times_are_utc() -> None:
    noon_in_paris = datetime(2026, 12, 2, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    filters = DatasetFilters.checked(
        contributors=[ALICE.lower(), ALICE], uploaded_from=noon_in_paris, uploaded_to=datetime(2026, 12, 3)
    )
    assert filters.contributors == (ALICE,)
    assert filters.uploaded_from == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert filters.uploaded_to == datetime(2026, 12, 3, tzinfo=UTC)  # no zone: taken as UTC
    assert filters.as_json()["uploaded_from"] == "2026-12-02T12:00:00+00:00"
    assert filters.as_json()["contributors"] == [ALICE]


def test_impossible_bounds_and_addresses_are_refused() -> None:
    moment = datetime(2026, 12, 2, tzinfo=UTC)
    with pytest.raises(InvalidFilters, match="must come after"):
        DatasetFilters.checked(uploaded_from=moment, uploaded_to=moment)
    with pytest.raises(InvalidAddress, match="contributor"):
        DatasetFilters.checked(contributors=["0x1234"])


def test_no_filter_is_the_same_as_before_the_new_ones() -> None:
    assert DatasetFilters.checked().as_json() == {
        "min_score": 0, "languages": [], "licenses": [], "modalities": [], "contribution_ids": [],
        "contributors": [], "uploaded_from": None, "uploaded_to": None,
    }  # fmt: skip
