"""What the web app's curator and coverage pages read, against a real API process, anvil, the workers and the
CID store: `GET /datasets/preview` answers what `POST /datasets` then builds (and `/datasets/{id}/summary` then
reads from its manifest), and `GET /coverage` counts the
corpus and shows the diversity bonus falling once a language's contributions are approved on-chain.

Each test isolates its contributions by its fresh curator wallet (the `contributors` filter) or by a language
tag nobody else uses, so the shared test database's other rows change nothing here."""

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from web3 import Web3

from chain.bindings import Deployment
from cli.client import ClientError, PolyphonyClient
from governance.datasets.kept import KeptRanges
from governance.datasets.service import read_manifest_rows
from governance.rewards.formula import LANGUAGE_BONUS_BPS
from polyphony.sizes import format_bytes
from tests.integration.datasets.conftest import Contributed, approve, index_through_the_workers
from tests.support.scored_uploads import JUNK, jsonl, prose
from tests.support.seeding import new_round

pytestmark = pytest.mark.usefixtures("celery_worker")


def _preview(curator: PolyphonyClient, **filters: Any) -> dict[str, Any]:
    return curator.call("GET", "/datasets/preview", params=filters)  # type: ignore[no-any-return]


def _unique_language() -> str:
    """A private-use BCP 47 tag (`x-...`) no other test gives."""
    return f"x-{random.getrandbits(32):08x}"


def test_the_preview_counts_exactly_what_the_dataset_then_takes(
    contribute: Callable[..., Contributed], curator: PolyphonyClient, api_url: str
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    mixed = contribute([jsonl([*prose(3), JUNK]), jsonl(prose(2, start=3))], by_the_pipeline=True)
    other_license = contribute([jsonl(prose(2, start=5))], by_the_pipeline=True, form={"license": "CC0-1.0"})
    mine = {"contributors": [curator.wallet.address], "uploaded_from": before.isoformat()}

    everything = _preview(curator, **mine)
    only_cc_by = _preview(curator, **mine, licenses=["CC-BY-4.0"])
    dataset = curator.call("POST", "/datasets", json={"name": "previewed", **mine, "licenses": ["CC-BY-4.0"]})

    assert everything["contributions"] == 3 and everything["contributors"] == 1
    assert everything["licenses"] == {"CC-BY-4.0": 2, "CC0-1.0": 1}
    assert only_cc_by["contributions"] == dataset["item_count"] == 2
    assert sorted(dataset["contribution_ids"]) == sorted(mixed.ids)
    assert only_cc_by["filters"] == dataset["filters"]
    rows = _manifest_rows(api_url, dataset["manifest_cid"])
    assert only_cc_by["bytes"] == sum(row["size"] for row in rows) == sum(map(len, mixed.contents))
    assert only_cc_by["bytes_display"] == format_bytes(only_cc_by["bytes"])
    kept = [KeptRanges(row["kept_documents"]) for row in rows]
    assert only_cc_by["documents"] == sum(e - s + 1 for r in kept for s, e in zip(r.starts, r.ends, strict=True))
    assert only_cc_by["documents"] == 5  # the junk record is dropped: 3 + 2 kept documents of 6
    assert only_cc_by["languages"] == {"en": 2} and only_cc_by["modalities"] == {"text": 2}
    assert other_license.ids[0] not in dataset["contribution_ids"]
    # What a proposal's page shows of the dataset it would approve: the same counts, read from the pinned manifest.
    assert curator.call("GET", f"/datasets/{dataset['id']}/summary") == only_cc_by
    missing = httpx.get(f"{api_url}/datasets/999999999/summary")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "dataset_not_found")


def test_a_preview_of_nothing_is_zeros_where_the_dataset_refuses_it(
    contribute: Callable[..., Contributed], curator: PolyphonyClient
) -> None:
    contribute([jsonl(prose(1, start=7))])
    nothing = {"contributors": [curator.wallet.address], "min_score": 9_999}
    preview = _preview(curator, **nothing)
    with pytest.raises(ClientError) as refused:
        curator.call("POST", "/datasets", json={"name": "nothing", **nothing})
    assert (preview["contributions"], preview["documents"], preview["bytes"], preview["languages"]) == (0, 0, 0, {})
    assert (refused.value.status, refused.value.code) == (400, "empty_selection")


def test_impossible_preview_filters_are_the_callers_mistake(api_url: str) -> None:
    now = datetime.now(UTC)
    cases = [
        ({"contributors": "0xnot-an-address"}, 400, "invalid_address"),
        ({"uploaded_from": now.isoformat(), "uploaded_to": (now - timedelta(days=1)).isoformat()}, 400,
         "invalid_filters"),
        ({"modalities": "video"}, 400, "invalid_filters"),
        ({"min_score": 10_001}, 422, "invalid_request"),
        ({"uploaded_from": "yesterday"}, 422, "invalid_request"),
    ]  # fmt: skip
    for params, status, code in cases:
        answer = httpx.get(f"{api_url}/datasets/preview", params=params)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), params


def test_coverage_counts_the_corpus_and_the_bonus_falls_once_a_language_is_approved(
    contribute: Callable[..., Contributed], curator: PolyphonyClient, api_url: str, web3: Web3,
    deployment: Deployment,
) -> None:  # fmt: skip
    language = _unique_language()
    made = contribute([jsonl(prose(2, start=9)), jsonl(prose(1, start=11))], language=language)
    today = datetime.now(UTC).date().isoformat()

    before = httpx.get(f"{api_url}/coverage", params={"buckets": 7}).json()
    mine = _value(before["by"]["language"], language)
    assert (mine["contributions"], mine["documents"], mine["bytes"]) == (2, 2, sum(map(len, made.contents)))
    assert mine["bytes_display"] == format_bytes(mine["bytes"])
    assert _value([s for s in before["series"]["language"] if s["bucket"] == today], language) == mine
    assert set(before["buckets"]) <= {(datetime.now(UTC) - timedelta(days=d)).date().isoformat() for d in range(7)}
    unapproved = _value(before["diversity"]["languages"], language)
    assert unapproved == {"value": language, "approved": 0, "bonus_bps": before["diversity"]["new_language_bonus_bps"]}

    dataset = curator.call("POST", "/datasets", json={"name": "approved", "contributors": [curator.wallet.address]})
    approve(web3, deployment, round_number=new_round(), root=dataset["root"], manifest_cid=dataset["manifest_cid"])
    index_through_the_workers()

    after = httpx.get(f"{api_url}/coverage", params={"bucket": "epoch"}).json()
    diversity = after["diversity"]
    approved = _value(diversity["languages"], language)
    total = diversity["approved"]
    assert approved["approved"] == 2 and total >= 2
    assert approved["bonus_bps"] == LANGUAGE_BONUS_BPS * (total - 2) // total < diversity["new_language_bonus_bps"]
    assert diversity["new_language_bonus_bps"] == LANGUAGE_BONUS_BPS
    assert _value([s for s in after["series"]["language"] if s["bucket"] == "unpaid"], language) == mine
    assert {b["value"] for b in diversity["modalities"]} == {"text", "tabular", "image"}


def test_coverage_refuses_buckets_it_cannot_bound(api_url: str) -> None:
    for params in ({"buckets": 0}, {"buckets": 367}, {"bucket": "hour"}):
        answer = httpx.get(f"{api_url}/coverage", params=params)
        assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request"), params


def _value(slices: list[dict[str, Any]], value: str) -> dict[str, Any]:
    found = [entry for entry in slices if entry["value"] == value]
    assert len(found) == 1, (value, slices)
    return {key: entry for key, entry in found[0].items() if key != "bucket"}


def _manifest_rows(api_url: str, cid: str) -> list[dict[str, Any]]:
    return read_manifest_rows(json.loads(httpx.get(f"{api_url}/ipfs/{cid}").content))
