"""The rewards distributor on anvil: a cumulative claim pays each account what its leaf says, once, to the
account itself; roots come only from the rewarder key, wait out the challenge delay, and the timelock may
revoke them."""

from hexbytes import HexBytes
from web3 import Web3

from chain.bindings import call_of
from chain.keys import KeyRole
from chain.tx import Call
from tests.integration.chain.governance_fixtures import (
    Dao,
    claim_call,
    dao_fixture,  # noqa: F401 (the `dao` fixture)
    entitlement,
    new_wallet,
    pay,
    propose_root,
    refusal,
    reward_tree,
    send_as,
    travel,
)


def _balance(dao: Dao, account: str) -> int:
    return int(dao.bind("token").functions.balanceOf(account).call())


def _claim(dao: Dao, account: str, amount: int, proof: list[str]) -> Call:
    return call_of(dao.bind("rewardsDistributor"), "claim", account, amount, [HexBytes(node) for node in proof])


def _as_timelock(dao: Dao, call: Call) -> None:
    """Send `call` from the timelock's address (anvil impersonation), as an executed proposal would."""
    timelock = dao.deployment.contracts["timelock"].address
    dao.web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    dao.web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    try:
        tx_hash = dao.web3.eth.send_transaction({"from": timelock, "to": call.to, "data": call.data})  # type: ignore[typeddict-item]
        assert dao.web3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    finally:
        dao.web3.provider.make_request("anvil_stopImpersonatingAccount", [timelock])  # type: ignore[arg-type]


def test_a_claim_pays_the_cumulative_amount_once_and_later_epochs_only_the_difference(dao: Dao) -> None:
    contributor = new_wallet(dao.web3)
    tree = pay(dao, {contributor.address: 100})
    send_as(dao.web3, contributor, claim_call(dao, tree, contributor.address))
    assert _balance(dao, contributor.address) == 100
    assert refusal(dao.web3, contributor.address, claim_call(dao, tree, contributor.address)) == "NothingToClaim"

    later = pay(dao, {contributor.address: 50})
    assert refusal(dao.web3, contributor.address, claim_call(dao, tree, contributor.address)) == "InvalidProof"
    send_as(dao.web3, contributor, claim_call(dao, later, contributor.address))
    assert _balance(dao, contributor.address) == 150
    assert dao.bind("rewardsDistributor").functions.claimed(contributor.address).call() == 150


def test_a_claim_for_more_than_the_cumulative_amount_is_refused(dao: Dao) -> None:
    contributor = new_wallet(dao.web3)
    tree = pay(dao, {contributor.address: 100})
    amount, proof = entitlement(tree, contributor.address)
    for inflated in (amount + 1, 10 * amount, 2**255):
        assert refusal(dao.web3, contributor.address, _claim(dao, contributor.address, inflated, proof)) == (
            "InvalidProof"
        )
    assert _balance(dao, contributor.address) == 0


def test_a_claim_with_another_accounts_proof_pays_the_thief_nothing(dao: Dao) -> None:
    owner, thief = new_wallet(dao.web3), new_wallet(dao.web3)
    tree = pay(dao, {owner.address: 300, thief.address: 1})
    amount, proof = entitlement(tree, owner.address)
    assert refusal(dao.web3, thief.address, _claim(dao, thief.address, amount, proof)) == "InvalidProof"
    send_as(dao.web3, thief, _claim(dao, owner.address, amount, proof))  # anyone may relay it: the owner is paid
    assert (_balance(dao, owner.address), _balance(dao, thief.address)) == (300, 0)


def test_a_revoked_root_never_pays(dao: Dao) -> None:
    distributor, fraudster = dao.bind("rewardsDistributor"), new_wallet(dao.web3)
    active_root = distributor.functions.root().call()
    tree = reward_tree(dao, {**dao.cumulative, fraudster.address: 10**24})
    propose_root(dao, tree, total=sum(dao.cumulative.values()) + 10**24)
    _as_timelock(dao, call_of(distributor, "revokeRoot"))

    travel(dao.web3, int(distributor.functions.challengeDelay().call()) + 1)
    assert refusal(dao.web3, fraudster.address, call_of(distributor, "activateRoot")) == "NoPendingRoot"
    assert distributor.functions.root().call() == active_root
    assert refusal(dao.web3, fraudster.address, claim_call(dao, tree, fraudster.address)) == "InvalidProof"
    assert _balance(dao, fraudster.address) == 0


def test_a_root_pays_nothing_before_its_challenge_delay_is_over(dao: Dao) -> None:
    distributor, early_bird = dao.bind("rewardsDistributor"), new_wallet(dao.web3)
    tree = reward_tree(dao, {**dao.cumulative, early_bird.address: 10})
    propose_root(dao, tree, total=sum(dao.cumulative.values()) + 10)
    travel(dao.web3, int(distributor.functions.challengeDelay().call()) // 2)
    assert refusal(dao.web3, early_bird.address, call_of(distributor, "activateRoot")) == "ChallengeNotOver"
    assert refusal(dao.web3, early_bird.address, claim_call(dao, tree, early_bird.address)) == "InvalidProof"


def test_only_the_rewarder_key_proposes_roots_and_only_the_timelock_revokes_them(dao: Dao) -> None:
    distributor, intruder = dao.bind("rewardsDistributor"), new_wallet(dao.web3)
    epoch = int(distributor.functions.epoch().call()) + 1
    propose = call_of(distributor, "proposeRoot", HexBytes(b"\x01" * 32), epoch, 10**24, "forged-report")
    outsiders: list[str] = [intruder.address, *(dao.keys[role].address for role in KeyRole if role != KeyRole.REWARDER)]
    for sender in outsiders:
        assert refusal(dao.web3, sender, propose) == "AccessControlUnauthorizedAccount"
    revoke = call_of(distributor, "revokeRoot")
    for sender in [intruder.address, dao.keys[KeyRole.REWARDER].address]:
        assert refusal(dao.web3, sender, revoke) == "AccessControlUnauthorizedAccount"


def test_a_root_for_an_epoch_already_active_cannot_be_proposed_again(dao: Dao) -> None:
    contributor = new_wallet(dao.web3)
    tree = pay(dao, {contributor.address: 1})
    distributor = dao.bind("rewardsDistributor")
    epoch = int(distributor.functions.epoch().call())
    replay = call_of(distributor, "proposeRoot", HexBytes(tree.root), epoch, sum(dao.cumulative.values()), "again")
    assert refusal(dao.web3, dao.keys[KeyRole.REWARDER].address, replay) == "EpochNotAfter"
    assert Web3.to_hex(distributor.functions.root().call()) == tree.root
