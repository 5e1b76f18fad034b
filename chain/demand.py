"""Demand: the reward multipliers, topics and review parameters the DAO voted, as they stood at one moment.

The `DemandRegistry` (owned by the timelock) holds them. An epoch pays by the demand in force at its end:
`demand_at` finds the newest block at or before that time (every block of that second counts: blocks may
share one) and reads the registry's views at that block, then keeps the multipliers whose window holds that
time. Blocks only move forward in time, so once an epoch has ended no later transaction changes what that
block says: the read is exact, and anyone repeats it from the block number and time the epoch report records
(`demand_at_block`).

`demand_bps` is pure: the product of the multipliers a contribution matches (one per dimension at most), each
step rounded down, in dimension order (language, modality, license, topic), bounded by the registry's own
bounds; 10000 when none matches. `capped_product_bps` bounds demand x diversity as the registry says.
"""

from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from chain.bindings import Deployment
from chain.client import rpc_errors
from chain.errors import ContractsNotDeployed

BPS = 10_000
DIMENSIONS = ("language", "modality", "license", "topic")  # the registry's dimension numbers, in order


@dataclass(frozen=True)
class Multiplier:
    """`bps` for contributions whose `dimension` is `value`, from `not_before` to `not_after` (Unix times, 0 open)."""

    dimension: str
    value: str
    bps: int
    not_before: int = 0
    not_after: int = 0

    def in_force(self, at: int) -> bool:
        """True when `at` is in the window: from `not_before` (inclusive) to `not_after` (exclusive)."""
        return self.not_before <= at and (self.not_after == 0 or at < self.not_after)

    def to_json(self) -> dict[str, Any]:
        """The multiplier as the epoch report and the API list it."""
        return {"dimension": self.dimension, "value": self.value, "bps": self.bps,
                "not_before": self.not_before, "not_after": self.not_after}  # fmt: skip


@dataclass(frozen=True)
class VotedReviewParams:
    """The part of review's parameters governance votes on, as the DemandRegistry holds them: who may review,
    their share of the budget, the credibility multiplier's bounds (the formula's full set, with these in place:
    governance.reviews.credibility.voted_params)."""

    reviewer_min_votes: int  # token base units of voting power a reviewer needs
    reviewer_share_bps: int  # of an epoch's budget
    credibility_floor_bps: int
    credibility_ceiling_bps: int

    def to_json(self) -> dict[str, Any]:
        """As the report lists it: the vote count as a decimal string (it passes 2**53)."""
        return {"reviewer_min_votes": str(self.reviewer_min_votes), "reviewer_share_bps": self.reviewer_share_bps,
                "credibility_floor_bps": self.credibility_floor_bps,
                "credibility_ceiling_bps": self.credibility_ceiling_bps}  # fmt: skip


@dataclass(frozen=True)
class Demand:
    """The registry's state at `block_number`, with the multipliers in force at time `at`."""

    registry: str
    block_number: int
    at: int  # Unix time the multipliers' windows are read at (an epoch's end)
    multipliers: tuple[Multiplier, ...]  # in force at `at`, by dimension then value
    topics: tuple[str, ...]  # sorted
    review: VotedReviewParams
    min_multiplier_bps: int
    max_multiplier_bps: int
    max_product_bps: int

    def to_json(self) -> dict[str, Any]:
        """The demand as an epoch report records it: JSON-safe, in a fixed order."""
        return {
            "registry": self.registry, "block_number": self.block_number, "at": self.at,
            "multipliers": [m.to_json() for m in self.multipliers], "topics": list(self.topics),
            "review": self.review.to_json(), "min_multiplier_bps": self.min_multiplier_bps,
            "max_multiplier_bps": self.max_multiplier_bps, "max_product_bps": self.max_product_bps,
        }  # fmt: skip

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> "Demand":
        """The demand back from a report."""
        review = entry["review"]
        return cls(
            registry=str(entry["registry"]), block_number=int(entry["block_number"]), at=int(entry["at"]),
            multipliers=tuple(Multiplier(str(m["dimension"]), str(m["value"]), int(m["bps"]), int(m["not_before"]),
                                         int(m["not_after"])) for m in entry["multipliers"]),
            topics=tuple(str(topic) for topic in entry["topics"]),
            review=VotedReviewParams(int(review["reviewer_min_votes"]), int(review["reviewer_share_bps"]),
                                int(review["credibility_floor_bps"]), int(review["credibility_ceiling_bps"])),
            min_multiplier_bps=int(entry["min_multiplier_bps"]), max_multiplier_bps=int(entry["max_multiplier_bps"]),
            max_product_bps=int(entry["max_product_bps"]),
        )  # fmt: skip


def registry_of(web3: Web3, deployment: Deployment) -> Contract:
    """The deployment's demand registry; 503 for a deployment made before it, until `polyphony deploy` adds it."""
    if "demandRegistry" not in deployment.contracts:
        raise ContractsNotDeployed("this deployment has no demand registry yet: run `polyphony deploy` to add it")
    return deployment.bind(web3, "demandRegistry")


def demand_bps(demand: Demand, *, language: str, modality: str, license: str, topic: str | None) -> int:
    """The demand multiplier of a contribution: its matching multipliers' product, bounded; 10000 when none."""
    declared = {"language": language.strip().lower(), "modality": modality.strip().lower(), "license": license,
                "topic": topic}  # fmt: skip
    by_key = {(m.dimension, m.value): m.bps for m in demand.multipliers}
    product = BPS
    for dimension in DIMENSIONS:
        bps = by_key.get((dimension, declared[dimension] or ""))
        if bps is not None:
            product = product * bps // BPS
    return min(max(product, demand.min_multiplier_bps), demand.max_multiplier_bps)


def capped_product_bps(demand: Demand, *, demand_bps: int, diversity_bps: int) -> int:
    """demand x diversity, rounded down, bounded by the registry's `MAX_PRODUCT_BPS`."""
    return min(demand_bps * diversity_bps // BPS, demand.max_product_bps)


def demand_at(web3: Web3, deployment: Deployment, *, at: int) -> Demand:
    """The demand in force at Unix time `at`: the registry read at the newest block at or before it."""
    return demand_at_block(web3, deployment, block_number=block_at_or_before(web3, at), at=at)


def demand_at_block(web3: Web3, deployment: Deployment, *, block_number: int, at: int) -> Demand:
    """The registry's state at `block_number`, with the multipliers in force at `at`.

    Before the registry existed, its state is the one it was constructed with (read at its own block).
    """
    registry = registry_of(web3, deployment)
    block = max(block_number, deployment.contracts["demandRegistry"].block)
    views = registry.functions
    multipliers = [
        Multiplier(DIMENSIONS[int(dimension)], str(value), int(bps), int(not_before), int(not_after))
        for dimension, value, bps, not_before, not_after in views.multipliers().call(block_identifier=block)
    ]
    return Demand(
        registry=registry.address, block_number=block, at=at,
        multipliers=tuple(sorted((m for m in multipliers if m.in_force(at)), key=_order)),
        topics=tuple(sorted(str(topic) for topic in views.topics().call(block_identifier=block))),
        review=VotedReviewParams(*(int(part) for part in views.reviewParams().call(block_identifier=block))),
        **_bounds(registry),
    )  # fmt: skip


@dataclass(frozen=True)
class DemandNow:
    """The demand in force at the newest block, and every multiplier the registry holds then, in force or not."""

    demand: Demand
    scheduled: list[Multiplier]


def demand_now(web3: Web3, deployment: Deployment) -> DemandNow:
    """The demand at the newest block and its time, with the multipliers scheduled for later or past."""
    with rpc_errors():
        newest = web3.eth.get_block("latest")
        block_number, at = int(newest["number"]), int(newest["timestamp"])
        demand = demand_at_block(web3, deployment, block_number=block_number, at=at)
        return DemandNow(demand, scheduled_multipliers(web3, deployment, block_number=demand.block_number))


def scheduled_multipliers(web3: Web3, deployment: Deployment, *, block_number: int | None = None) -> list[Multiplier]:
    """Every multiplier the registry holds at `block_number` (None: the newest), in force or not, by dimension
    then value."""
    found = registry_of(web3, deployment).functions.multipliers().call(block_identifier=block_number)
    return sorted((Multiplier(DIMENSIONS[int(d)], str(v), int(b), int(nb), int(na)) for d, v, b, nb, na in found),
                  key=_order)  # fmt: skip


def is_topic(web3: Web3, deployment: Deployment, topic: str) -> bool:
    """True when `topic` is on the registry's topic list now."""
    return bool(registry_of(web3, deployment).functions.isTopic(topic).call())


def block_at_or_before(web3: Web3, at: int) -> int:
    """The newest block whose timestamp is at or before `at` (block 0 when even the first is later)."""
    low, high = 0, int(web3.eth.block_number)
    if _timestamp(web3, high) <= at:
        return high
    while low < high:  # the answer is in [low, high]: block `low` is not later than `at`, or it is block 0
        middle = (low + high + 1) // 2
        if _timestamp(web3, middle) <= at:
            low = middle
        else:
            high = middle - 1
    return low


def _timestamp(web3: Web3, block_number: int) -> int:
    return int(web3.eth.get_block(block_number)["timestamp"])


def _bounds(registry: Contract) -> dict[str, int]:
    views = registry.functions
    return {"min_multiplier_bps": int(views.MIN_MULTIPLIER_BPS().call()),
            "max_multiplier_bps": int(views.MAX_MULTIPLIER_BPS().call()),
            "max_product_bps": int(views.MAX_PRODUCT_BPS().call())}  # fmt: skip


def _order(multiplier: Multiplier) -> tuple[int, str]:
    return DIMENSIONS.index(multiplier.dimension), multiplier.value
