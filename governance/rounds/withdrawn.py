"""What was withdrawn, as the chain and the API agree on it: a pull and `polyphony verify withdrawals` read both.

The chain is the authority: every revocation batch the provenance registry anchored (kind 1) is read and checked
(`chain.verify.withdrawals`). The API's `/tombstones` must list every withdrawal the chain has (or it hides one),
and every tombstone it shows as anchored must be in the chain's batch of that root (or it invents one). A tombstone
whose batch is not anchored yet is still honoured (left out of the pull) and counted as pending.
"""

from dataclasses import dataclass
from typing import Any

import httpx
from web3 import Web3

from chain.verify.withdrawals import ChainWithdrawal, chain_withdrawals
from governance.rounds.errors import PullRefused, WithdrawalMismatch
from polyphony.storage.base import BlobReader

PAGE = 500


@dataclass(frozen=True)
class CheckedWithdrawals:
    """Every withdrawal, checked: those anchored on-chain, those the API lists as not anchored yet."""

    on_chain: dict[int, ChainWithdrawal]
    pending: set[int]
    batches: int
    registry: str

    @property
    def withdrawn(self) -> set[int]:
        """Every contribution to leave out: withdrawn on-chain, or revoked and waiting for its batch."""
        return set(self.on_chain) | self.pending

    def summary(self) -> str:
        """What was checked, in one line."""
        return (
            f"withdrawals checked against the chain: {len(self.on_chain)} anchored in {self.batches} revocation "
            f"batches on registry {self.registry}, all listed by the API; {len(self.pending)} revoked and "
            "waiting for their batch"
        )


def listed_tombstones(api: httpx.Client) -> list[dict[str, Any]]:
    """Every tombstone the API's `/tombstones` lists, with its anchoring (or null)."""
    listed: list[dict[str, Any]] = []
    offset = 0
    while True:
        answer = api.get("/tombstones", params={"offset": offset, "limit": PAGE})
        if answer.status_code != 200:
            raise PullRefused(f"the API answered {answer.status_code} for /tombstones: {answer.text[:200]}")
        page = answer.json()
        listed += page["items"]
        offset += PAGE
        if offset >= int(page["total"]):
            return listed


def checked_withdrawals(api: httpx.Client, *, web3: Web3, registry: str, blobs: BlobReader) -> CheckedWithdrawals:
    """The withdrawals the chain anchors at `registry`, checked against the API's tombstones both ways."""
    on_chain = chain_withdrawals(web3, registry=registry, blobs=blobs)
    listed = {int(item["contribution_id"]): item for item in listed_tombstones(api)}
    hidden = sorted(set(on_chain) - set(listed))
    if hidden:
        first = on_chain[hidden[0]]
        raise WithdrawalMismatch(
            f"the chain anchors the withdrawal of contribution(s) {', '.join(map(str, hidden))} (first in tx "
            f"{first.tx_hash}), but the API's /tombstones does not list it: the API hides a withdrawal; refused"
        )
    pending = set()
    for number, item in listed.items():
        anchoring = item.get("anchoring")
        if anchoring is None:
            pending.add(number)
        elif number not in on_chain or on_chain[number].root != anchoring["root"]:
            raise WithdrawalMismatch(
                f"the API says contribution {number}'s withdrawal is anchored under root {anchoring['root']}, "
                "but no revocation batch on-chain holds it; refused"
            )
    batches = len({found.root for found in on_chain.values()})
    return CheckedWithdrawals(on_chain=on_chain, pending=pending, batches=batches, registry=registry)
