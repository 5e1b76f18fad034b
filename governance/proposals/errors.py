"""Errors of proposals, votes and delegations: each with its HTTP status and stable code."""

from polyphony.errors import BadRequest, Conflict, Forbidden, NotFound


class ProposalNotFound(NotFound):
    code = "proposal_not_found"


class InvalidProposalId(BadRequest):
    """Not a governor proposal id (a uint256 in decimal) nor a short local number."""

    code = "invalid_proposal_id"


class ProposalDatasetNotFound(NotFound):
    """The dataset a proposal should approve does not exist."""

    code = "dataset_not_found"


class NotTheCurator(Forbidden):
    code = "not_the_curator"


class AlreadyProposed(Conflict):
    """This dataset already has a proposal for this round."""

    code = "dataset_already_proposed"


class ProposalThresholdNotMet(Conflict):
    """The relayer holds fewer votes than the governor's proposal threshold: the curator must propose."""

    code = "proposal_threshold_not_met"


class InvalidDemand(BadRequest):
    """A demand change the registry would refuse when the proposal executes (out of bounds, unknown topic...)."""

    code = "invalid_demand"


class ProposalNotActive(Conflict):
    code = "proposal_not_active"


class AlreadyVoted(Conflict):
    code = "already_voted"


class NoVotingPower(Conflict):
    """The voter had no votes at the proposal's snapshot: relaying the ballot would only cost gas."""

    code = "no_voting_power"


class DelegationAlreadyRelayed(Conflict):
    code = "delegation_already_relayed"


class RelayNotFound(NotFound):
    code = "relay_not_found"


class DelegationNeedsKey(BadRequest):
    """A contract wallet (a Safe) has no key, and OZ's `delegateBySig` recovers only a key's signature."""

    code = "delegation_needs_key"
