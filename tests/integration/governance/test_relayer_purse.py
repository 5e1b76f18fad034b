"""The relayer's purse, through the real API (in-process), Redis, anvil and the chain queue's worker: quotas per
address and per client for each relayed action, a cap on what the relayer spends per window, and its balance in
/health and /metrics."""

import secrets
from datetime import timedelta
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.deps import get_redis
from api.main import create_app
from chain.client import served_chain_id
from chain.keys import KeyRole, load_keys
from chain.purse import RelayBudgetSpent, check_spend_cap, spent_in_window
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt, TxStatus
from polyphony.models.proposal import RelayedDelegation
from polyphony.settings import Settings, get_settings
from tests.integration.chain.governance_fixtures import new_wallet
from tests.integration.governance.conftest import Governance, new_round


@pytest.fixture(autouse=True)
def fresh_quotas(redis_url: str) -> None:
    """Every test starts with no relayed request counted."""
    redis = get_redis()
    for key in redis.scan_iter("polyphony:ratelimit:relay_*"):
        redis.delete(key)


def app_with(settings: Settings, **changes: Any) -> FastAPI:
    """The API on `settings` changed by `changes` (low quotas, a small cap, a high balance floor)."""
    app = create_app()
    changed = settings.model_copy(update=changes)
    app.dependency_overrides[get_settings] = lambda: changed
    return app


def client_of(app: FastAPI, settings: Settings, host: str) -> TestClient:
    return TestClient(app, base_url=settings.effective_public_url, client=(host, 40000))


def delegation(api: TestClient, holder: LocalAccount) -> dict[str, Any]:
    """`holder`'s self-delegation with its current nonce, signed over the typed data the API serves."""
    query = {"delegator": holder.address, "delegatee": holder.address}
    typed = api.get("/delegations/typed-data", params=query).json()
    signature = "0x" + bytes(holder.sign_typed_data(full_message=typed).signature).hex()
    return {**query, "nonce": int(typed["message"]["nonce"]), "expiry": int(typed["message"]["expiry"]),
            "signature": signature}  # fmt: skip


def assert_over_quota(response: Any, code: str = "too_many_requests") -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == code
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1 and f"try again in {retry_after} s" in response.json()["error"]["message"]


def mined(governance: Governance, api: TestClient, accepted: Any) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    number = accepted.json()["id"]
    return governance.until(
        lambda: api.get(f"/delegations/{number}").json(), lambda found: found["status"] != "accepted"
    )


def test_one_address_gets_its_quota_of_relayed_delegations_from_any_client(
    governance: Governance, settings: Settings
) -> None:
    app = app_with(settings, polyphony_relay_per_address=1)
    holder, other = new_wallet(governance.web3), new_wallet(governance.web3)
    first = client_of(app, settings, "203.0.113.60")
    assert mined(governance, first, first.post("/delegations", json=delegation(first, holder)))["status"] == "mined"

    elsewhere = client_of(app, settings, "203.0.113.61")
    assert_over_quota(elsewhere.post("/delegations", json=delegation(elsewhere, holder)))
    assert elsewhere.post("/delegations", json=delegation(elsewhere, other)).status_code == 202


def test_a_forged_delegation_naming_a_wallet_does_not_use_up_its_quota(
    governance: Governance, settings: Settings
) -> None:
    app = app_with(settings, polyphony_relay_per_address=1)
    holder, forger = new_wallet(governance.web3), new_wallet(governance.web3)
    api = client_of(app, settings, "203.0.113.62")
    forged = {**delegation(api, forger), "delegator": holder.address, "delegatee": holder.address}
    for _ in range(3):
        assert api.post("/delegations", json=forged).json()["error"]["code"] == "signature_wrong_signer"
    assert api.post("/delegations", json=delegation(api, holder)).status_code == 202


def test_one_client_gets_its_quota_of_relayed_delegations_for_any_address(
    governance: Governance, settings: Settings, engine: Any
) -> None:
    app = app_with(settings, polyphony_relay_per_client=2)
    flooder = client_of(app, settings, "203.0.113.63")
    wallets = [new_wallet(governance.web3) for _ in range(3)]
    assert [flooder.post("/delegations", json=delegation(flooder, w)).status_code for w in wallets[:2]] == [202, 202]
    refused = delegation(flooder, wallets[2])
    assert_over_quota(flooder.post("/delegations", json=refused))
    with Session(engine) as session:  # refused means not kept: nothing for the relayer to send
        kept = select(RelayedDelegation).where(RelayedDelegation.delegator == wallets[2].address)
        assert session.exec(kept).first() is None
    other_client = client_of(app, settings, "203.0.113.64")
    assert other_client.post("/delegations", json=refused).status_code == 202


def test_past_the_spend_cap_nothing_more_is_relayed_until_the_window_frees_it(
    governance: Governance, settings: Settings, engine: Any
) -> None:
    api = client_of(app_with(settings), settings, "203.0.113.65")
    assert mined(governance, api, api.post("/delegations", json=delegation(api, new_wallet(governance.web3))))
    with Session(engine) as session:
        spent = sum(item.wei for item in spent_in_window(session, settings))
    assert spent > 0  # the mined delegation's gas, read from the relayer's own transaction rows

    capped = client_of(app_with(settings, polyphony_relay_spend_cap_wei=spent), settings, "203.0.113.66")
    refused = capped.post("/delegations", json=delegation(capped, new_wallet(governance.web3)))
    assert_over_quota(refused, "relay_budget_spent")
    assert int(refused.headers["Retry-After"]) <= settings.polyphony_relay_window_s
    assert "--self" in refused.json()["error"]["message"]
    roomy = client_of(app_with(settings, polyphony_relay_spend_cap_wei=spent * 1000), settings, "203.0.113.67")
    assert roomy.post("/delegations", json=delegation(roomy, new_wallet(governance.web3))).status_code == 202


def test_the_relayer_balance_is_in_health_and_metrics_and_is_down_below_the_floor(
    governance: Governance, settings: Settings
) -> None:
    relayer = load_keys(settings.keys_dir)[KeyRole.RELAYER].address
    balance = int(governance.web3.eth.get_balance(relayer))
    healthy = client_of(app_with(settings), settings, "203.0.113.68").get("/health", params={"deep": 1}).json()
    assert healthy["components"]["relayer"]["status"] == "up"
    assert f"relayer {relayer} holds" in healthy["components"]["relayer"]["detail"]

    starved = client_of(app_with(settings, polyphony_relayer_min_balance=balance + 1), settings, "203.0.113.69")
    answer = starved.get("/health", params={"deep": 1})
    assert answer.status_code == 503
    relayer_health = answer.json()["components"]["relayer"]
    assert relayer_health["status"] == "down" and "below the floor" in relayer_health["detail"]

    metrics = starved.get("/metrics").text
    shown = next(line for line in metrics.splitlines() if line.startswith("polyphony_relayer_balance_wei "))
    assert abs(float(shown.split()[1]) - balance) <= balance * 1e-6  # a gauge is a float
    assert "polyphony_relayer_spent_wei " in metrics and "polyphony_relayer_spend_cap_wei " in metrics


def test_each_relayed_action_has_quotas_of_its_own(governance: Governance, settings: Settings) -> None:
    voters = governance.holders({"first": 10**18, "second": 10**18})
    curator = governance.curator()
    proposal = governance.propose(curator, int(governance.dataset(curator.wallet.address).id or 0), new_round())
    governance.open_voting()
    api = client_of(app_with(settings, polyphony_relay_per_client=1), settings, "203.0.113.70")
    assert api.post("/delegations", json=delegation(api, new_wallet(governance.web3))).status_code == 202

    def ballot(voter: LocalAccount) -> dict[str, Any]:
        return {
            "voter": voter.address,
            "support": "for",
            "signature": governance.sign_ballot(voter, proposal["id"], "for"),
        }

    votes = f"/proposals/{proposal['id']}/votes"
    assert api.post(votes, json=ballot(voters["first"])).status_code == 202  # ballots count apart from delegations
    assert_over_quota(api.post(votes, json=ballot(voters["second"])))


def test_the_cap_frees_once_enough_of_the_oldest_spending_has_left_the_window(
    db_session: Session, settings: Settings, operator_keys: Any
) -> None:
    relayer = load_keys(settings.keys_dir)[KeyRole.RELAYER].address
    # A ten-day window: every real transaction of this run is younger than the three made here.
    settings = settings.model_copy(update={"polyphony_relay_window_s": 864_000})
    window = timedelta(seconds=settings.polyphony_relay_window_s)
    now, chain_id = utcnow(), served_chain_id(settings)
    # Read what was spent before in a session of its own: on SQLite, a transaction that has read and then writes
    # after another process (the chain worker) committed is refused at once ("database is locked").
    with session_scope() as reading:
        before = sum(item.wei for item in spent_in_window(reading, settings))
    # Three transactions costing 1, 2 and 4 units (a million gas at 1 gwei), made 90, 60 and 10 % of a window ago.
    for age, gas in ((0.9, 1), (0.6, 2), (0.1, 4)):
        tx = ChainTransaction(
            chain_id=chain_id, intent=f"test:purse:{secrets.token_hex(8)}", sender=relayer, to=relayer, data="0x",
            nonce=10**9, gas_limit=gas * 10**6, gas_used=gas * 10**6, status=TxStatus.MINED,
            created_at=now - window * age,
        )  # fmt: skip
        db_session.add(tx)
        db_session.flush()
        db_session.add(ChainTransactionAttempt(
            transaction_id=int(tx.id or 0), tx_hash="0x" + secrets.token_hex(32), raw="0x",
            max_fee_per_gas=str(10**9), max_priority_fee_per_gas="1",
        ))  # fmt: skip
    db_session.flush()
    unit = 10**6 * 10**9
    # Only the three made here are older than a twentieth of the window; the chain worker's own transactions may
    # get their receipts meanwhile (a gas limit becomes the smaller gas used), so those are not compared exactly.
    fabricated = [item.wei for item in spent_in_window(db_session, settings) if item.at < now - window * 0.05]
    assert sum(fabricated) == 7 * unit

    # Spent 7 against a cap of 6: once the oldest (1) leaves the window, 6 is still not below the cap; once the
    # second (2) leaves too, 4 is. So the wait is until the second leaves: 40 % of the window from now.
    capped = settings.model_copy(update={"polyphony_relay_spend_cap_wei": before + 6 * unit})
    with pytest.raises(RelayBudgetSpent) as refused:
        check_spend_cap(db_session, capped)
    expected = (window * 0.4).total_seconds()
    assert expected - 5 <= refused.value.retry_after_s <= expected + 5
    check_spend_cap(db_session, settings.model_copy(update={"polyphony_relay_spend_cap_wei": before + 8 * unit}))
