"""Claims: what an account can claim against the active root, with its proof, and claims the backend relays.

An account the active epoch does not list has nothing: `status_of` answers zero, not 404 (any address may ask).
What a closed epoch adds before its root is active (it waits out the challenge delay) is `pending`, with the
chain time its root activates at once it is proposed: a claim pays it from then on.
A relayed claim is a `RewardClaim` row, queued for the chain worker, which sends it with the relayer key as the
intent "rewards:claim:<distributor>:<account>:<cumulative>": one transaction per cumulative amount, however
often it is asked for. The distributor itself pays each cumulative amount once, whoever sends the claim.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hexbytes import HexBytes
from sqlmodel import Session, select
from web3 import Web3

from chain.addresses import checksum_address
from chain.bindings import Deployment, call_of
from chain.errors import TxReverted
from chain.merkle import StandardMerkleTree
from chain.tx import TxSender
from governance.rewards.epochs import balances, last_active, on_its_way
from governance.rewards.errors import ClaimNotFound, NothingToClaim
from governance.rewards.report import reward_tree
from polyphony import jobs
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.epoch import ClaimStatus, Epoch, EpochBalance, RewardClaim
from polyphony.tokens import format_tokens

# Trees of the last few active epochs, by (epoch id, root): a proof costs a lookup, not a rebuild.
_TREES: dict[tuple[int, str], StandardMerkleTree] = {}
_TREES_KEPT = 4


@dataclass(frozen=True)
class RewardStatus:
    """An account's standing against the active root."""

    account: str
    cumulative: int
    claimed: int
    proof: list[str]
    epoch: int | None
    pending: int = 0
    pending_epoch: int | None = None
    claimable_at: int | None = None  # chain time (Unix seconds) the pending root activates; None until proposed

    @property
    def claimable(self) -> int:
        """What a claim would pay now."""
        return max(self.cumulative - self.claimed, 0)

    def to_json(self) -> dict[str, Any]:
        """`GET /rewards/{address}`: amounts as decimal strings, the proof as 0x-hex nodes."""
        return {
            "account": self.account, "claimable": str(self.claimable), "cumulative": str(self.cumulative),
            "claimed": str(self.claimed), "proof": self.proof, "epoch": self.epoch, "pending": str(self.pending),
            "pending_epoch": self.pending_epoch, "claimable_at": self.claimable_at,
        }  # fmt: skip


def status_of(session: Session, address: str, *, web3: Web3, deployment: Deployment) -> RewardStatus:
    """What `address` has earned in the active epoch, claimed on-chain, can claim now, and the proof."""
    account = checksum_address(address, what="account")
    epoch = last_active(session)
    balance = session.get(EpochBalance, (epoch.id, account)) if epoch is not None else None
    cumulative = int(balance.cumulative) if balance is not None else 0
    waiting = _on_its_way(session, account, active_cumulative=cumulative)
    if epoch is None or balance is None:
        return RewardStatus(account, 0, 0, [], epoch.number if epoch else None, **waiting)
    distributor = deployment.bind(web3, "rewardsDistributor")
    claimed = int(distributor.functions.claimed(account).call())
    token = deployment.contracts["token"].address
    proof = _tree(session, epoch, token=token).proof([account, token, cumulative])
    return RewardStatus(account, cumulative, claimed, proof, epoch.number, **waiting)


def _on_its_way(session: Session, account: str, *, active_cumulative: int) -> dict[str, Any]:
    """What the epoch whose root is not active yet adds to `account`, and when it can be claimed."""
    epoch = on_its_way(session)
    balance = session.get(EpochBalance, (epoch.id, account)) if epoch is not None else None
    if epoch is None or balance is None or int(balance.cumulative) <= active_cumulative:
        return {}
    return {
        "pending": int(balance.cumulative) - active_cumulative, "pending_epoch": epoch.number,
        "claimable_at": epoch.activates_at,
    }  # fmt: skip


def _nothing_to_claim(status: RewardStatus) -> str:
    earned = f"{format_tokens(status.cumulative)} earned, {format_tokens(status.claimed)} claimed already"
    if status.pending == 0:
        return f"{status.account} has nothing to claim: {earned}"
    when = (
        "once its root is proposed and has waited out the challenge delay" if status.claimable_at is None
        else f"from {datetime.fromtimestamp(status.claimable_at, UTC):%Y-%m-%d %H:%M:%S} UTC (chain time), when its "
        "root has waited out the challenge delay"
    )  # fmt: skip
    return (
        f"{status.account} has nothing to claim yet ({earned}): {format_tokens(status.pending)} from epoch "
        f"{status.pending_epoch} is on its way, claimable {when}"
    )


def _tree(session: Session, epoch: Epoch, *, token: str) -> StandardMerkleTree:
    key = (int(epoch.id or 0), epoch.root)
    if key not in _TREES:
        tree = reward_tree(balances(session, epoch), token=token)
        if tree.root != epoch.root:
            raise RuntimeError(f"epoch {epoch.number}'s balances no longer give its root")
        while len(_TREES) >= _TREES_KEPT:
            _TREES.pop(next(iter(_TREES)))
        _TREES[key] = tree
    return _TREES[key]


def request_claim(session: Session, address: str, *, web3: Web3, deployment: Deployment) -> RewardClaim:
    """Queue a relayed claim of what `address` can claim now; the same request again finds the same claim."""
    status = status_of(session, address, web3=web3, deployment=deployment)
    if status.claimable == 0:
        raise NothingToClaim(_nothing_to_claim(status))
    distributor = deployment.contracts["rewardsDistributor"].address
    existing = session.exec(
        select(RewardClaim).where(
            RewardClaim.distributor == distributor,
            RewardClaim.account == status.account,
            RewardClaim.cumulative == str(status.cumulative),
        )
    ).first()
    if existing is not None:
        return existing
    claim = RewardClaim(
        account=status.account, distributor=distributor, epoch=int(status.epoch or 0),
        cumulative=str(status.cumulative), amount=str(status.claimable),
    )  # fmt: skip
    session.add(claim)
    session.flush()
    jobs.enqueue(session, "rewards.relay_claim", claim_id=claim.id)
    return claim


def get_claim(session: Session, claim_id: int) -> RewardClaim:
    """Relayed claim `claim_id`, or ClaimNotFound."""
    claim = session.get(RewardClaim, claim_id)
    if claim is None:
        raise ClaimNotFound(f"there is no relayed claim {claim_id}")
    return claim


def relay(claim_id: int, *, sender: TxSender, deployment: Deployment) -> RewardClaim:
    """Send relayed claim `claim_id` with the relayer key (once), and record how it went.

    A workflow that owns its transactions: it reads in one, sends and waits for the receipt outside any (a
    transaction open across a receipt wait would hold the database), and records the outcome in another.
    """
    with session_scope() as session:
        claim = get_claim(session, claim_id)
        if claim.status != ClaimStatus.QUEUED:
            return claim
        status = status_of(session, claim.account, web3=sender.web3, deployment=deployment)
    if status.cumulative < int(claim.cumulative) or status.claimed >= int(claim.cumulative):
        return _settle(claim_id, ClaimStatus.REFUSED, reason="claimed already: nothing left to pay")
    distributor = deployment.bind(sender.web3, "rewardsDistributor")
    call = call_of(distributor, "claim", status.account, status.cumulative, [HexBytes(n) for n in status.proof])
    try:
        tx = sender.send(f"rewards:claim:{distributor.address}:{status.account}:{status.cumulative}", call)
    except TxReverted as error:
        return _settle(claim_id, ClaimStatus.REFUSED, reason=error.message)
    return _settle(claim_id, ClaimStatus.MINED, tx_hash=tx.tx_hash)


def _settle(claim_id: int, status: ClaimStatus, **changes: Any) -> RewardClaim:
    with session_scope() as session:
        claim = get_claim(session, claim_id)
        claim.status, claim.updated_at = status, utcnow()
        for name, value in changes.items():
            setattr(claim, name, value)
        session.add(claim)
        return claim
