"""Demand proposals: a holder asks the DAO to change what data is in demand, or the review parameters.

Each change is one call of the timelock on the `DemandRegistry`, in a fixed order: topics added, multipliers
set, multipliers cleared, topics removed, review parameters set (so a topic can be added and given a multiplier
in one proposal). The changes are checked here against the registry's bounds and its state now, as the
contract will check them when the proposal executes, so a 400 says what is wrong before anyone votes. The
description says each change in words and names its proposer and time (so two proposals of the same changes
have different ids, as the governor requires). A proposal made on the governor directly (Tally, a script)
whose every action is a registry setter is of kind `demand` too; `describe` says any such call in words.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from eth_abi.abi import encode
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from web3 import Web3

from chain.bindings import Deployment, call_of
from chain.client import rpc_errors
from chain.demand import BPS, DIMENSIONS, Multiplier, VotedReviewParams, registry_of, scheduled_multipliers
from governance.proposals.actions import Action, DecodedAction, decode
from governance.proposals.errors import AlreadyProposed, InvalidDemand
from governance.proposals.service import check_relayer_may_propose
from polyphony.clock import utcnow
from polyphony.contributions.licenses import check_license
from polyphony.formats.declared import Modality
from polyphony.jobs import enqueue
from polyphony.models.proposal import Proposal, ProposalKind
from polyphony.tokens import format_tokens

MAX_VALUE_BYTES = 64  # the registry's MAX_VALUE_LENGTH
MAX_CHANGES = 20
_SETTERS = {
    "setMultiplier(uint8,string,uint32,uint64,uint64)", "clearMultiplier(uint8,string)", "addTopic(string)",
    "removeTopic(string)", "setReviewParams(uint256,uint16,uint16,uint16)",
}  # fmt: skip


@dataclass(frozen=True)
class DemandChanges:
    """What one demand proposal changes."""

    set: tuple[Multiplier, ...] = ()
    clear: tuple[tuple[str, str], ...] = ()  # (dimension, value)
    add_topics: tuple[str, ...] = ()
    remove_topics: tuple[str, ...] = ()
    review: VotedReviewParams | None = None

    @property
    def count(self) -> int:
        """How many calls they make."""
        counted = (self.set, self.clear, self.add_topics, self.remove_topics)
        return sum(len(part) for part in counted) + (self.review is not None)


@dataclass(frozen=True)
class _Registry:
    """What the changes are checked against: the registry's bounds and its state now."""

    bounds: dict[str, int]
    multipliers: set[tuple[str, str]]
    topics: set[str]


def create_demand_proposal(
    session: Session, *, web3: Web3, deployment: Deployment, changes: DemandChanges, proposer: str, relay: bool,
    keys_dir: Path,
) -> Proposal:  # fmt: skip
    """Record the proposal to make `changes` (normalized and checked first); when relayed, have it sent."""
    changes = normalized(changes)
    check_changes(web3, deployment, changes)
    if relay:
        check_relayer_may_propose(web3, deployment, keys_dir=keys_dir)
    actions = demand_actions(web3, deployment, changes)
    description = demand_description(changes, proposer=proposer, at=utcnow())
    proposal = Proposal(
        proposal_id=str(proposal_id_of(actions, description=description)), chain_id=deployment.chain_id,
        governor=deployment.contracts["governor"].address, kind=ProposalKind.DEMAND,
        actions=[action.to_json() for action in actions], description=description, curator=proposer, relayed=relay,
    )  # fmt: skip
    session.add(proposal)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyProposed("these demand changes were proposed a moment ago: wait a second and send again") from None
    if relay:
        enqueue(session, "governance.submit_proposal", proposal_ref=proposal.id)
    return proposal


def normalized(changes: DemandChanges) -> DemandChanges:
    """`changes` with each value set as the reward formula compares it: languages and modalities in lower case (a
    modality one Polyphony takes), licenses as their canonical SPDX id; a 400 for a value no upload can have.

    Cleared values stay as given: a multiplier set on the governor directly is cleared by its exact value.
    """
    return replace(
        changes, set=tuple(replace(m, value=_normal(m.dimension, m.value)) for m in changes.set),
    )  # fmt: skip


def _normal(dimension: str, value: str) -> str:
    if dimension == "language":
        return value.strip().lower()
    if dimension == "modality":
        if value.strip().lower() not in set(Modality):
            raise InvalidDemand(f"{value!r} is not a modality: use one of {', '.join(Modality)}")
        return value.strip().lower()
    return check_license(value) if dimension == "license" else value


def check_changes(web3: Web3, deployment: Deployment, changes: DemandChanges) -> None:
    """Raise `InvalidDemand` naming the first change the registry would refuse when the proposal executes."""
    if changes.count == 0:
        raise InvalidDemand("a demand proposal changes something: set or clear a multiplier, a topic or review")
    if changes.count > MAX_CHANGES:
        raise InvalidDemand(f"a demand proposal makes at most {MAX_CHANGES} changes; it has {changes.count}")
    registry = _registry_now(web3, deployment)
    for topic in changes.add_topics:
        _check_value("topic", topic)
        if topic in registry.topics:
            raise InvalidDemand(f"the topic {topic!r} is on the list already")
        registry.topics.add(topic)
    for multiplier in changes.set:
        _check_multiplier(multiplier, registry)
        registry.multipliers.add((multiplier.dimension, multiplier.value))
    for dimension, value in changes.clear:
        if (dimension, value) not in registry.multipliers:
            raise InvalidDemand(f"there is no {dimension} multiplier for {value!r} to clear: GET /demand lists them")
        registry.multipliers.discard((dimension, value))
    for topic in changes.remove_topics:
        if topic not in registry.topics:
            raise InvalidDemand(f"the topic {topic!r} is not on the list: GET /demand lists the topics")
        registry.topics.discard(topic)
    if changes.review is not None:
        _check_review(changes.review, registry.bounds)


def _registry_now(web3: Web3, deployment: Deployment) -> _Registry:
    views = registry_of(web3, deployment).functions
    with rpc_errors():
        bounds = {name: int(getattr(views, name)().call()) for name in (
            "MIN_MULTIPLIER_BPS", "MAX_MULTIPLIER_BPS", "MAX_REVIEWER_SHARE_BPS", "MAX_CREDIBILITY_BPS")}  # fmt: skip
        multipliers = {(m.dimension, m.value) for m in scheduled_multipliers(web3, deployment)}
        topics = {str(topic) for topic in views.topics().call()}
    return _Registry(bounds, multipliers, topics)


def _check_value(dimension: str, value: str) -> None:
    if dimension not in DIMENSIONS:
        raise InvalidDemand(f"{dimension!r} is not a dimension of demand: use one of {', '.join(DIMENSIONS)}")
    if not value or len(value.encode()) > MAX_VALUE_BYTES:
        raise InvalidDemand(f"a {dimension} is 1 to {MAX_VALUE_BYTES} bytes; {value[:80]!r} is not")


def _check_multiplier(multiplier: Multiplier, registry: _Registry) -> None:
    _check_value(multiplier.dimension, multiplier.value)
    if multiplier.dimension == "topic" and multiplier.value not in registry.topics:
        raise InvalidDemand(f"{multiplier.value!r} is not on the topic list: add the topic in the same proposal")
    low, high = registry.bounds["MIN_MULTIPLIER_BPS"], registry.bounds["MAX_MULTIPLIER_BPS"]
    if not low <= multiplier.bps <= high:
        raise InvalidDemand(f"a multiplier is {low} to {high} bps ({_times(low)} to {_times(high)}); "
                            f"{multiplier.bps} is not")  # fmt: skip
    if multiplier.not_after and multiplier.not_after <= multiplier.not_before:
        raise InvalidDemand("a multiplier's window ends (not_after) after it begins (not_before)")


def _check_review(review: VotedReviewParams, bounds: dict[str, int]) -> None:
    share, ceiling = bounds["MAX_REVIEWER_SHARE_BPS"], bounds["MAX_CREDIBILITY_BPS"]
    if not 0 <= review.reviewer_min_votes < 2**256:
        raise InvalidDemand("the reviewers' minimum votes is a uint256: 0 to 2**256 - 1 base units")
    if review.reviewer_share_bps > share:
        raise InvalidDemand(f"the reviewers' share is at most {share} bps of the budget")
    if not review.credibility_floor_bps <= BPS <= review.credibility_ceiling_bps <= ceiling:
        raise InvalidDemand(f"credibility's floor is at most {BPS} bps and its ceiling {BPS} to {ceiling} bps")


def demand_actions(web3: Web3, deployment: Deployment, changes: DemandChanges) -> list[Action]:
    """The timelock's calls on the registry that make `changes`, in the order the module docstring gives."""
    registry = registry_of(web3, deployment)
    calls = [call_of(registry, "addTopic", topic) for topic in changes.add_topics]
    calls += [
        call_of(registry, "setMultiplier", DIMENSIONS.index(m.dimension), m.value, m.bps, m.not_before, m.not_after)
        for m in changes.set
    ]
    calls += [call_of(registry, "clearMultiplier", DIMENSIONS.index(d), value) for d, value in changes.clear]
    calls += [call_of(registry, "removeTopic", topic) for topic in changes.remove_topics]
    if changes.review is not None:
        r = changes.review
        calls.append(call_of(registry, "setReviewParams", r.reviewer_min_votes, r.reviewer_share_bps,
                             r.credibility_floor_bps, r.credibility_ceiling_bps))  # fmt: skip
    return [Action(registry.address, 0, call.data) for call in calls]


def proposal_id_of(actions: list[Action], *, description: str) -> int:
    """The governor's `hashProposal` of `actions` and `description`, computed without the chain."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [[a.target for a in actions], [a.value for a in actions], [a.calldata for a in actions],
         Web3.keccak(text=description)],
    )  # fmt: skip
    return int.from_bytes(Web3.keccak(encoded), "big")


def demand_description(changes: DemandChanges, *, proposer: str, at: datetime) -> str:
    """The proposal text: a title governor clients show, then each change in words."""
    lines = [f"- Add the topic {topic!r}" for topic in changes.add_topics]
    lines += [f"- {_multiplier_words(m)}" for m in changes.set]
    lines += [f"- Clear the {dimension} multiplier for {value!r} (back to 1x)" for dimension, value in changes.clear]
    lines += [f"- Remove the topic {topic!r}" for topic in changes.remove_topics]
    if changes.review is not None:
        lines.append(f"- {_review_words(changes.review)}")
    stamp = at.astimezone(UTC).isoformat(timespec="seconds")
    return (
        f"# Change demand ({changes.count} change{'s' * (changes.count != 1)})\n\n"
        + "\n".join(lines)
        + (f"\n\nProposed by {proposer} at {stamp}\n")
    )


def is_demand_proposal(web3: Web3, deployment: Deployment, actions: list[Action]) -> bool:
    """True when every one of `actions` (at least one) is a setter of the demand registry, sent with no value."""
    decoded = [decode(web3, deployment, action) for action in actions]
    return bool(decoded) and all(
        d.contract == "demandRegistry" and d.function in _SETTERS and d.action.value == 0 for d in decoded
    )


def describe(decoded: DecodedAction) -> str | None:
    """A demand-registry call in words ("Set the language 'fr' multiplier to 1.5x"); None for any other call."""
    if decoded.contract != "demandRegistry" or decoded.function not in _SETTERS or decoded.args is None:
        return None
    args = decoded.args
    name = (decoded.function or "").split("(")[0]
    dimension = DIMENSIONS[int(args["dimension"])] if "dimension" in args and int(args["dimension"]) < 4 else "?"
    match name:
        case "setMultiplier":
            multiplier = Multiplier(dimension, str(args["value"]), int(args["bps"]), int(args["notBefore"]),
                                    int(args["notAfter"]))  # fmt: skip
            return _multiplier_words(multiplier)
        case "clearMultiplier":
            return f"Clear the {dimension} multiplier for {args['value']!r} (back to 1x)"
        case "addTopic":
            return f"Add the topic {args['topic']!r}"
        case "removeTopic":
            return f"Remove the topic {args['topic']!r}"
    review = VotedReviewParams(int(args["reviewerMinVotes"]), int(args["reviewerShareBps"]),
                          int(args["credibilityFloorBps"]), int(args["credibilityCeilingBps"]))  # fmt: skip
    return _review_words(review)


def _multiplier_words(m: Multiplier) -> str:
    window = ""
    if m.not_before:
        window += f" from {_when(m.not_before)}"
    if m.not_after:
        window += f" until {_when(m.not_after)}"
    return f"Set the {m.dimension} multiplier for {m.value!r} to {_times(m.bps)} ({m.bps} bps){window}"


def _review_words(r: VotedReviewParams) -> str:
    return (
        f"Set review: reviewers need {format_tokens(r.reviewer_min_votes)} of votes, get {r.reviewer_share_bps} bps of "
        f"the budget; credibility from {_times(r.credibility_floor_bps)} to {_times(r.credibility_ceiling_bps)}"
    )


def _times(bps: int) -> str:
    return f"{bps / BPS:g}x"


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
