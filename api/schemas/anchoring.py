"""Where a signed message other than a claim is anchored: a batch of its kind on the provenance registry."""

from pydantic import BaseModel


class BatchAnchoringPublic(BaseModel):
    """A member's leaf, its proof to the batch root, and the transaction that anchored that root with its kind
    (1 revocations, 2 reviews)."""

    kind: int
    batch_id: int
    leaf: str
    proof: list[str]
    root: str
    batch_cid: str
    tx_hash: str
    block_number: int
    chain_id: int
    registry: str
