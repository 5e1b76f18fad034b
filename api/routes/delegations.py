"""Delegations relayed: a holder signs OZ's `Delegation`, the backend checks it and pays for `delegateBySig`."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import DeploymentDep, RelayAdmission, SessionDep, Web3Dep
from api.schemas.delegations import DelegationRequest, RelayedDelegationPublic
from api.schemas.errors import ErrorPublic
from api.schemas.fields import MAX_STORED_INTEGER, PathId
from governance.proposals import votes
from polyphony.models.proposal import RelayedDelegation

router = APIRouter(prefix="/delegations", tags=["governance"])

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorPublic} for code in (400, 404, 409, 429, 503)}


@router.get("/typed-data", responses=_ERRORS)
def get_delegation_typed_data(
    delegator: str, delegatee: str, web3: Web3Dep, deployment: DeploymentDep,
    expiry: Annotated[
        int | None, Query(ge=0, le=MAX_STORED_INTEGER, description="Unix time; default: an hour from now.")
    ] = None,
) -> dict[str, Any]:  # fmt: skip
    """The EIP-712 Delegation (as `eth_signTypedData_v4` takes it) `delegator` signs, with their current nonce."""
    return votes.delegation_typed_data(web3, deployment, delegator=delegator, delegatee=delegatee, expiry=expiry)


@router.post("", status_code=202, response_model=RelayedDelegationPublic, responses=_ERRORS)
def relay_delegation(
    body: DelegationRequest, session: SessionDep, web3: Web3Dep, deployment: DeploymentDep, admit: RelayAdmission
) -> RelayedDelegationPublic:
    """Hand in a signed Delegation; once the signer, nonce and expiry check out, the relayer sends it (429 past the
    relayer's quotas or spending cap)."""
    delegation = votes.accept_delegation(
        session, web3=web3, deployment=deployment, delegator=body.delegator, delegatee=body.delegatee,
        nonce=body.nonce, expiry=body.expiry, signature=body.signature_bytes(),
    )  # fmt: skip
    admit(action="delegations", address=delegation.delegator)
    return RelayedDelegationPublic.of(delegation)


@router.get("/{delegation_id}", response_model=RelayedDelegationPublic, responses=_ERRORS)
def get_relayed_delegation(delegation_id: PathId, session: SessionDep) -> RelayedDelegationPublic:
    """A relayed delegation and what became of it."""
    return RelayedDelegationPublic.of(votes.get_relayed(session, RelayedDelegation, delegation_id))
