"""Request and response models of relayed delegations (`/delegations`)."""

from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from api.schemas.fields import MAX_STORED_INTEGER, Bytes32Hex, Signature
from polyphony.models.proposal import RelayedDelegation


class DelegationRequest(BaseModel):
    """`POST /delegations`: a holder's OZ `Delegation` signature (whole, or as v, r, s) for `delegateBySig`."""

    delegator: str = Field(description="The holder who signed: the relayer checks the signature recovers to it.")
    delegatee: str
    nonce: int = Field(ge=0, le=MAX_STORED_INTEGER)
    expiry: int = Field(ge=0, le=MAX_STORED_INTEGER, description="Unix time the signature stops being valid.")
    signature: Signature | None = None
    v: int | None = Field(default=None, ge=0, le=255)
    r: Bytes32Hex | None = None
    s: Bytes32Hex | None = None

    @model_validator(mode="after")
    def _one_signature(self) -> Self:
        given = [part is not None for part in (self.v, self.r, self.s)]
        if (self.signature is not None and not any(given)) or (self.signature is None and all(given)):
            return self
        raise ValueError("give either signature, or all of v, r and s")

    def signature_bytes(self) -> bytes:
        """The signature as given, or r || s || v (a key's 65 bytes: delegateBySig takes nothing else)."""
        if self.signature is not None:
            return bytes.fromhex(self.signature[2:])
        return bytes.fromhex(str(self.r)[2:]) + bytes.fromhex(str(self.s)[2:]) + bytes([int(self.v or 0)])


class RelayedDelegationPublic(BaseModel):
    """A relayed delegation: accepted (checked, waiting for the relayer), mined, or failed (with the reason)."""

    id: int
    delegator: str
    delegatee: str
    nonce: int
    expiry: int
    status: str
    tx_hash: str | None
    error: str | None
    created_at: datetime

    @classmethod
    def of(cls, delegation: RelayedDelegation) -> "RelayedDelegationPublic":
        """The public view of a relayed delegation."""
        fields = delegation.model_dump(exclude={"status", "chain_id", "token", "signature", "updated_at"})
        return cls(**fields, status=str(delegation.status))
