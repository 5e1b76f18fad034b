"""Chain errors, each with its own fate: a revert is final; an unreachable node or a timeout is retried."""

from polyphony.errors import BadRequest, Conflict, Unavailable


class ChainUnavailable(Unavailable):
    code = "chain_unavailable"


class TxTimeout(Unavailable):
    """No receipt in time; sending the same intent again resumes the wait (nothing is sent twice)."""

    code = "transaction_timeout"


class TxReverted(Conflict):
    """The contract refused the call; `revert_data` is the raw revert payload when the node gave one."""

    code = "transaction_reverted"

    def __init__(self, message: str, *, revert_data: str | None = None) -> None:
        super().__init__(message)
        self.revert_data = revert_data


class WrongChain(BadRequest):
    code = "wrong_chain"


class NotAnchoredYet(Conflict):
    code = "not_anchored_yet"


class InvalidAddress(BadRequest):
    code = "invalid_address"


class ContractsNotDeployed(Unavailable):
    code = "contracts_not_deployed"
