"""The relayer's purse: the gas it paid in the last window, its balance, and the bounds that keep it from draining.

Relaying is free for the wallets that sign, so fresh wallets could spend the relayer's ether for nothing. Three
bounds hold it: a quota per client (IP) and per address for each relayed action (`polyphony/ratelimit.py`), and
a cap on what the relayer spends per window, all answered with 429 and `Retry-After`.

What it spent is read from its own transaction rows (`chain/tx.py` writes one before every send), so it needs no
bookkeeping of its own and counts every sender process: a mined transaction costs its gas used, one without a
receipt yet its gas limit, each at the highest fee per gas it was signed with. That is an upper bound of what it
paid (the effective price is lower when the base fee is), read with no RPC call per transaction.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from web3 import Web3

from chain.client import connect, rpc_errors, served_chain_id
from chain.errors import ChainUnavailable
from chain.keys import KeyRole, MissingKey, load_keys
from polyphony.clock import utcnow
from polyphony.health import Probe
from polyphony.models.chain import ChainTransaction, ChainTransactionAttempt
from polyphony.ratelimit import RateLimited, hit, relay_limits
from polyphony.settings import Settings

WEI_PER_ETHER = 10**18


class RelayBudgetSpent(RateLimited):
    """The relayer spent its cap for this window: no new relayed transaction until older spending leaves it."""

    code = "relay_budget_spent"


@dataclass(frozen=True)
class Spending:
    """What one relayer transaction cost (at most), and when it was made."""

    at: datetime
    wei: int


def relayer_address(settings: Settings) -> str:
    """The address of the operator's relayer key."""
    return load_keys(settings.keys_dir)[KeyRole.RELAYER].address


def spending_since(session: Session, *, sender: str, chain_id: int, since: datetime) -> list[Spending]:
    """Each transaction `sender` made on `chain_id` since `since`, oldest first, with what it cost at most."""
    rows = session.exec(
        select(ChainTransaction, ChainTransactionAttempt.max_fee_per_gas)
        .join(ChainTransactionAttempt, col(ChainTransactionAttempt.transaction_id) == ChainTransaction.id)
        .where(ChainTransaction.sender == sender, ChainTransaction.chain_id == chain_id)
        .where(col(ChainTransaction.created_at) >= since)
    ).all()
    # Fees are uint256 kept as decimal text: the highest of each transaction's attempts is found here, not by the
    # database's text order.
    transactions: dict[int, ChainTransaction] = {}
    highest_fee: dict[int, int] = {}
    for tx, max_fee in rows:
        key = int(tx.id or 0)
        transactions[key] = tx
        highest_fee[key] = max(highest_fee.get(key, 0), int(max_fee))
    ordered = sorted(transactions.values(), key=lambda tx: tx.created_at)
    return [Spending(tx.created_at, _gas(tx) * highest_fee[int(tx.id or 0)]) for tx in ordered]


def _gas(tx: ChainTransaction) -> int:
    """The gas a transaction used, or its limit while it has no receipt."""
    return tx.gas_used if tx.gas_used is not None else tx.gas_limit


def spent_in_window(session: Session, settings: Settings) -> list[Spending]:
    """The relayer's spending inside the current relay window."""
    since = utcnow() - timedelta(seconds=settings.polyphony_relay_window_s)
    return spending_since(session, sender=relayer_address(settings), chain_id=served_chain_id(settings), since=since)


def check_spend_cap(session: Session, settings: Settings) -> None:
    """Raise `RelayBudgetSpent` (429) while the relayer's spending in the window is at or past the cap."""
    spending = spent_in_window(session, settings)
    spent, cap = sum(item.wei for item in spending), settings.polyphony_relay_spend_cap_wei
    if spent < cap:
        return
    # Once the oldest spending leaves the window, enough of it must have gone for the total to drop below the cap.
    freed_at = spending[-1].at
    for item in spending:
        spent -= item.wei
        if spent < cap:
            freed_at = item.at
            break
    window = timedelta(seconds=settings.polyphony_relay_window_s)
    retry_after_s = max(1, math.ceil((freed_at + window - utcnow()).total_seconds()))
    raise RelayBudgetSpent(
        f"the relayer has spent its gas budget for now ({ether(cap)} per {settings.polyphony_relay_window_s} s): "
        f"try again in {retry_after_s} s, or send the transaction yourself (--self)",
        retry_after_s=retry_after_s,
    )


def admit_relay(session: Session, redis: Redis, settings: Settings, *, action: str, address: str, client: str) -> None:
    """Count one relayed `action` for `address` from `client`; 429 with Retry-After past the cap or a quota.

    Called once the request is accepted (its signature checked), so forged requests naming a wallet never use up
    that wallet's quota; the caller's transaction rolls back on a 429, and nothing is relayed.
    """
    check_spend_cap(session, settings)
    hit(redis, relay_limits(settings, action=action, client=client, address=address))


def ether(wei: int) -> str:
    """`wei` as ether, to a few decimals, for a person."""
    return f"{wei / WEI_PER_ETHER:,.4f} ETH"


def balance_of_relayer(web3: Web3, settings: Settings) -> int:
    """The relayer's balance in wei."""
    return int(web3.eth.get_balance(Web3.to_checksum_address(relayer_address(settings))))


@dataclass(frozen=True)
class RelayerStanding:
    """The relayer's balance and its spending in the current window, against the cap (all in wei)."""

    address: str
    balance_wei: int
    spent_wei: int
    cap_wei: int


def relayer_standing(session: Session, settings: Settings) -> RelayerStanding | None:
    """The relayer's standing now; None while its key, the chain node or the database is missing (a metrics scrape
    still answers, and the health gauges say which part is down)."""
    try:
        with rpc_errors(settings.effective_chain_rpc_url):
            balance = balance_of_relayer(connect(settings.effective_chain_rpc_url), settings)
            spent = sum(item.wei for item in spent_in_window(session, settings))
    except (MissingKey, ChainUnavailable, OperationalError):
        return None
    return RelayerStanding(relayer_address(settings), balance, spent, settings.polyphony_relay_spend_cap_wei)


def relayer_probe(settings: Settings) -> Probe:
    """The relayer holds at least the configured floor: below it, relayed actions would soon fail."""

    def probe() -> str:
        address = relayer_address(settings)
        balance = balance_of_relayer(connect(settings.effective_chain_rpc_url), settings)
        held = f"relayer {address} holds {ether(balance)}"
        if balance < settings.polyphony_relayer_min_balance:
            raise RuntimeError(
                f"{held}, below the floor of {ether(settings.polyphony_relayer_min_balance)}: send it ether"
            )
        return held

    return probe
