"""The demand registry on anvil: only the timelock sets demand, within the bounds the contract enforces, and
`chain/demand.py` reads exactly what was in force at a given block and time."""

import pytest
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

from chain.bindings import Deployment, call_of
from chain.demand import Multiplier, VotedReviewParams, block_at_or_before, demand_at, demand_at_block
from chain.tx import Call
from governance.reviews.credibility import REVIEW_PARAMS, voted_params
from governance.rewards.formula import DEMAND_DIVERSITY_CAP_BPS
from tests.integration.chain.governance_fixtures import (
    Dao,
    chain_now,
    dao_fixture,  # noqa: F401 (the `dao` fixture)
    refusal,
    travel,
)

LANGUAGE, MODALITY, LICENSE, TOPIC = range(4)


def _as_timelock(dao: Dao, call: Call) -> int:
    """Send `call` from the timelock (impersonated on anvil, as an executed proposal would); its block."""
    timelock = dao.deployment.contracts["timelock"].address
    dao.web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    dao.web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    sent = dao.web3.eth.send_transaction({"from": timelock, "to": call.to, "data": HexBytes(call.data)})  # type: ignore[typeddict-item]
    receipt = dao.web3.eth.wait_for_transaction_receipt(sent)
    assert receipt["status"] == 1, call
    return int(receipt["blockNumber"])


@pytest.fixture(name="registry")
def registry_fixture(dao: Dao) -> Contract:
    return dao.bind("demandRegistry")


def test_no_one_but_the_timelock_sets_demand(dao: Dao, registry: Contract, funded_account: LocalAccount) -> None:
    for sender in (funded_account.address, *(key.address for key in dao.keys.values())):
        for call in (
            call_of(registry, "setMultiplier", LANGUAGE, "fr", 15_000, 0, 0),
            call_of(registry, "addTopic", "law"),
            call_of(registry, "setReviewParams", 1, 100, 5_000, 15_000),
        ):
            assert refusal(dao.web3, sender, call) == "OwnableUnauthorizedAccount"


def test_the_registry_refuses_demand_out_of_its_bounds(dao: Dao, registry: Contract) -> None:
    timelock = dao.deployment.contracts["timelock"].address
    refused = {
        "MultiplierOutOfBounds": call_of(registry, "setMultiplier", LANGUAGE, "fr", 30_001, 0, 0),
        "UnknownDimension": call_of(registry, "setMultiplier", 4, "fr", 15_000, 0, 0),
        "BadValue": call_of(registry, "setMultiplier", LANGUAGE, "", 15_000, 0, 0),
        "BadWindow": call_of(registry, "setMultiplier", LANGUAGE, "fr", 15_000, 100, 100),
        "UnknownTopic": call_of(registry, "setMultiplier", TOPIC, "never-listed", 15_000, 0, 0),
        "NoSuchMultiplier": call_of(registry, "clearMultiplier", LICENSE, "never-set"),
        "ReviewParamsOutOfBounds": call_of(registry, "setReviewParams", 1, 2_001, 5_000, 15_000),
    }
    for error, call in refused.items():
        assert refusal(dao.web3, timelock, call) == error
    low = call_of(registry, "setMultiplier", LANGUAGE, "fr", 4_999, 0, 0)
    assert refusal(dao.web3, timelock, low) == "MultiplierOutOfBounds"
    floor_above_one = call_of(registry, "setReviewParams", 1, 100, 10_001, 15_000)
    assert refusal(dao.web3, timelock, floor_above_one) == "ReviewParamsOutOfBounds"


def test_demand_is_read_as_it_stood_at_a_block_and_a_time(dao: Dao, registry: Contract) -> None:
    web3, deployment = dao.web3, dao.deployment
    start = chain_now(web3)
    _as_timelock(dao, call_of(registry, "addTopic", "law-of-the-sea"))
    _as_timelock(dao, call_of(registry, "setMultiplier", TOPIC, "law-of-the-sea", 20_000, 0, 0))
    _as_timelock(dao, call_of(registry, "setMultiplier", LANGUAGE, "eu", 15_000, 0, start + 1_000))
    before = _as_timelock(dao, call_of(registry, "setMultiplier", MODALITY, "tabular", 12_000, start + 500, 0))
    _as_timelock(dao, call_of(registry, "setReviewParams", 5 * 10**18, 1_000, 6_000, 14_000))
    travel(web3, 10)
    after = _as_timelock(dao, call_of(registry, "clearMultiplier", LANGUAGE, "eu"))

    then = demand_at_block(web3, deployment, block_number=before, at=start + 600)
    mine = {m.value: m for m in then.multipliers}
    assert mine["law-of-the-sea"] == Multiplier("topic", "law-of-the-sea", 20_000)
    assert mine["eu"] == Multiplier("language", "eu", 15_000, 0, start + 1_000)
    assert mine["tabular"] == Multiplier("modality", "tabular", 12_000, start + 500, 0)
    assert "law-of-the-sea" in then.topics
    assert then.review == VotedReviewParams(1_000 * 10**18, 200, 0, 10_000)  # as constructed: the formula's defaults
    assert (then.min_multiplier_bps, then.max_multiplier_bps, then.max_product_bps) == (5_000, 30_000, 40_000)

    outside = demand_at_block(web3, deployment, block_number=before, at=start + 1_000)
    assert {m.value for m in outside.multipliers} >= {"law-of-the-sea", "tabular"}
    assert "eu" not in {m.value for m in outside.multipliers}  # its window ended
    early = demand_at_block(web3, deployment, block_number=before, at=start + 499)
    assert "tabular" not in {m.value for m in early.multipliers}  # its window had not begun

    now = demand_at(web3, deployment, at=chain_now(web3))
    assert now.block_number == after
    assert "eu" not in {m.value for m in now.multipliers}
    assert now.review == VotedReviewParams(5 * 10**18, 1_000, 6_000, 14_000)


def test_the_block_of_a_time_is_the_newest_one_not_after_it(web3: Web3, deployment: Deployment) -> None:
    newest = int(web3.eth.block_number)
    stamp = int(web3.eth.get_block(newest)["timestamp"])
    assert block_at_or_before(web3, stamp + 10_000) == newest
    assert block_at_or_before(web3, stamp) == newest
    found = block_at_or_before(web3, stamp - 1)
    assert int(web3.eth.get_block(found)["timestamp"]) <= stamp - 1
    assert int(web3.eth.get_block(found + 1)["timestamp"]) > stamp - 1
    assert block_at_or_before(web3, 0) == 0


def test_the_registry_starts_with_the_review_parameters_and_product_bound_the_formula_publishes(
    web3: Web3, deployment: Deployment
) -> None:
    registry = deployment.bind(web3, "demandRegistry")
    assert int(registry.functions.MAX_PRODUCT_BPS().call()) == DEMAND_DIVERSITY_CAP_BPS
    constructed = demand_at_block(web3, deployment, block_number=deployment.contracts["demandRegistry"].block, at=0)
    assert voted_params(constructed.review) == REVIEW_PARAMS
