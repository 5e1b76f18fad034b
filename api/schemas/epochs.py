"""Response models of reward epochs (`/epochs`)."""

from pydantic import BaseModel


class EpochPublic(BaseModel):
    """`GET /epochs/{n}`: an epoch's totals (base units as decimal strings), its root and its report's CID."""

    number: int
    status: str
    cutoff: str
    formula_version: str
    budget: str
    allocated: str
    unallocated: str
    cumulative_total: str
    contributions: int
    contributions_paid: int
    accounts: int
    base_epoch: int | None
    root: str
    report_cid: str
    report_sha256: str
    chain_id: int
    distributor: str
    propose_tx_hash: str | None
    activates_at: int | None
    activate_tx_hash: str | None
