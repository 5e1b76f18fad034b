"""What the web app's rewards and contribution pages read: an address's rewards per epoch, a contribution's reward
with each term of the formula, and why its documents were dropped. Epochs are closed by the governance code and
proposed and activated by the real chain worker on anvil; scores come from the real scoring pipeline."""

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from governance.rewards.formula import FORMULA_CONSTANTS, FORMULA_VERSION
from polyphony.db import session_scope
from polyphony.models.epoch import Epoch, EpochBalance, EpochReward
from polyphony.tokens import format_tokens
from tests.integration.rewards.conftest import new_address, scored, scored_upload
from tests.support.scored_uploads import JUNK, jsonl, prose


def _recorded(number: int, contribution_id: int) -> EpochReward:
    with session_scope() as session:
        epoch = session.exec(select(Epoch).where(Epoch.number == number)).one()
        return session.exec(
            select(EpochReward).where(EpochReward.epoch_id == epoch.id, EpochReward.contribution_id == contribution_id)
        ).one()


def _cumulative(number: int, account: str) -> int:
    with session_scope() as session:
        epoch = session.exec(select(Epoch).where(Epoch.number == number)).one()
        return int(session.get_one(EpochBalance, (epoch.id, account)).cumulative)


def test_an_addresss_history_lists_what_each_epoch_paid_it_newest_first(
    close: Any, activate: Any, api: TestClient
) -> None:
    alice = new_address()
    first = scored(alice, score=9_000)
    failed = scored(alice, verdict="fail", score=1_000)
    one = close()
    activate(one.number)
    second = scored(alice, score=7_000)
    two = close()

    history = api.get(f"/rewards/{alice.lower()}/history").json()
    assert (history["total"], history["offset"], history["limit"]) == (2, 0, 50)
    newest, oldest = history["items"]
    assert (newest["epoch"], oldest["epoch"]) == (two.number, one.number)
    paid_first = int(_recorded(one.number, first).amount)
    assert paid_first > 0 and int(_recorded(one.number, failed).amount) == 0
    cumulative = _cumulative(one.number, alice)
    assert oldest | {"cutoff": None, "closed_at": None} == {
        "epoch": one.number, "status": "active", "amount": str(paid_first), "amount_display": format_tokens(paid_first),
        "cumulative": str(cumulative), "cumulative_display": format_tokens(cumulative),
        "contributions": 2, "contributions_paid": 1, "cutoff": None, "closed_at": None,
        "activates_at": oldest["activates_at"], "report_cid": one.report_cid,
    }  # fmt: skip
    assert oldest["activates_at"] is not None
    paid_second = int(_recorded(two.number, second).amount)
    assert (newest["amount"], newest["contributions"]) == (str(paid_second), 1)
    assert newest["status"] in ("computed", "proposed")
    assert int(newest["cumulative"]) == paid_first + paid_second
    activate(two.number)
    assert api.get(f"/rewards/{alice}/history").json()["items"][0]["status"] == "active"

    assert api.get(f"/rewards/{alice}/history", params={"offset": 1, "limit": 1}).json()["items"] == [oldest]
    assert api.get(f"/rewards/{new_address()}/history").json() == {"items": [], "total": 0, "offset": 0, "limit": 50}
    refused = api.get("/rewards/0x1234/history")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_address")


def test_a_contributions_reward_names_every_term_of_the_formula(close: Any, activate: Any, api: TestClient) -> None:
    contributor = new_address()
    contribution = scored_upload(contributor, jsonl([*prose(3), JUNK]))
    waiting = api.get(f"/contributions/{contribution}/reward").json()
    assert (waiting["paid"], waiting["amount"], waiting["terms"], waiting["epoch"]) == (False, "0", [], None)
    assert waiting["waiting"].startswith("scored")

    epoch = close()
    reward = api.get(f"/contributions/{contribution}/reward").json()
    recorded = _recorded(epoch.number, contribution)
    assert (reward["paid"], reward["waiting"], reward["epoch"]) == (True, None, epoch.number)
    assert (reward["amount"], reward["amount_display"]) == (recorded.amount, format_tokens(int(recorded.amount)))
    assert (reward["formula_version"], reward["report_cid"]) == (FORMULA_VERSION, epoch.report_cid)
    assert reward["constants"] == FORMULA_CONSTANTS[FORMULA_VERSION]
    assert reward["inputs"] == recorded.terms["inputs"] and reward["inputs"]["kept_records"] == 3
    terms = {term["name"]: term["value"] for term in reward["terms"]}
    assert terms == recorded.terms["terms"]
    assert [term["name"] for term in reward["terms"]] == [
        "score", "size", "duplicate_share_bps", "language_bonus_bps", "modality_bonus_bps", "diversity_bps",
        "demand_bps", "demand_diversity_bps", "credibility_bps", "credibility_multiplier_bps", "weight",
    ]  # fmt: skip
    assert int(terms["weight"]) == (
        terms["score"]
        * terms["size"]
        * terms["duplicate_share_bps"]
        * terms["demand_diversity_bps"]
        * terms["credibility_multiplier_bps"]
    )
    assert all(term["meaning"] for term in reward["terms"])
    assert api.get("/contributions/999999999/reward").json()["error"]["code"] == "contribution_not_found"
    activate(epoch.number)
    assert api.get(f"/contributions/{contribution}/reward").json()["epoch_status"] == "active"


def test_my_contributions_list_each_ones_score_verdict_and_reward(close: Any, activate: Any, api: TestClient) -> None:
    contributor = new_address()
    paid, failed = scored(contributor, score=6_000), scored(contributor, verdict="fail", score=500)
    epoch = close()
    unpaid = scored(contributor, score=7_000)
    listed = api.get("/contributions", params={"contributor": contributor}).json()
    assert [item["id"] for item in listed["items"]] == [unpaid, failed, paid] and listed["total"] == 3
    for item in listed["items"]:
        one = api.get(f"/contributions/{item['id']}").json()
        assert (item["score"], item["verdict"], item["reward"]) == (one["score"], one["verdict"], one["reward"])
    by_id = {item["id"]: item for item in listed["items"]}
    assert (by_id[paid]["verdict"], by_id[failed]["verdict"], by_id[unpaid]["reward"]) == ("pass", "fail", None)
    assert by_id[paid]["reward"]["epoch"] == epoch.number and int(by_id[paid]["reward"]["amount"]) > 0
    assert by_id[failed]["reward"]["amount"] == "0"
    activate(epoch.number)


def test_the_dropped_documents_reasons_come_most_frequent_first(api: TestClient) -> None:
    texts = [*prose(2), JUNK, prose(1, start=2)[0], JUNK, JUNK]
    contribution = scored_upload(new_address(), jsonl(texts))

    reasons = api.get(f"/contributions/{contribution}/records/reasons").json()
    dropped = api.get(f"/contributions/{contribution}/records", params={"status": "dropped"}).json()["items"]
    by_reason: dict[str, list[int]] = {}
    for record in dropped:
        by_reason.setdefault(record["reason"], []).append(record["record"])
    assert reasons["total"] == len(by_reason) >= 1
    assert {r["reason"]: r["documents"] for r in reasons["items"]} == {k: len(v) for k, v in by_reason.items()}
    counts = [r["documents"] for r in reasons["items"]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 3
    assert all(r["first_records"] == sorted(by_reason[r["reason"]])[:5] for r in reasons["items"])
    whole = scored(new_address())  # a score that judges no document alone
    refused = api.get(f"/contributions/{whole}/records/reasons")
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "documents_not_judged")
