"""Field types several request and response models share: signatures, 32-byte words, integer bounds."""

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, Field

from chain.signatures import MAX_SIGNATURE_BYTES

MAX_SAFE_INTEGER = 2**53 - 1
MAX_STORED_INTEGER = 2**63 - 1  # a signed 64-bit SQL integer (BIGINT: block numbers, rounds, nonces, deadlines)
# An id the database makes, or a number kept in a plain INTEGER column (an epoch's): 32 bits on PostgreSQL,
# 64 on SQLite. The narrower one bounds what a caller may name, so an id is refused alike on either database.
MAX_ROW_ID = 2**31 - 1


_SIGNATURE_HEX_DIGITS = 2 * MAX_SIGNATURE_BYTES
_SIGNATURE_PATTERN = r"^0x([0-9a-fA-F]{2})*$"


def _signature(value: str) -> str:
    # Any length: a key's signature is 65 bytes, a Safe's is 65 per signing owner (or empty, for a message the
    # Safe approved on-chain). Checked here as hex only; whether it signs is the chain layer's question.
    if len(value) > _SIGNATURE_HEX_DIGITS + 2:
        raise ValueError(f"a signature is at most {MAX_SIGNATURE_BYTES} bytes, this one is {(len(value) - 2) // 2}")
    if not re.fullmatch(_SIGNATURE_PATTERN, value):
        raise ValueError(
            "a signature is 0x and an even number of hex digits (65 bytes for a wallet key, more for a Safe), "
            "as personal_sign and eth_signTypedData_v4 return it"
        )
    return value


def _bytes32(value: str) -> str:
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", value):
        raise ValueError("r and s are 32 bytes each, written as 0x and 64 hex digits")
    return value


Signature = Annotated[
    str,
    Field(
        description="0x-prefixed hex: a wallet key's 65 bytes (r, s, v), or a contract wallet's (ERC-1271: a "
        f"Safe's owners' signatures), at most {MAX_SIGNATURE_BYTES} bytes",
        examples=["0x" + "ab" * 65],
        # Checked by _signature, whose messages say what is wrong; stated here for the OpenAPI's readers.
        json_schema_extra={"pattern": _SIGNATURE_PATTERN, "maxLength": _SIGNATURE_HEX_DIGITS + 2},
    ),
    AfterValidator(_signature),
]
Bytes32Hex = Annotated[str, AfterValidator(_bytes32)]


# Ids and numbers past what their column holds are refused as the caller's mistake (422) before they reach a
# query the database cannot run.
PathId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]
RowId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]
RoundNumber = Annotated[int, Path(ge=0, le=MAX_STORED_INTEGER)]
Offset = Annotated[int, Query(ge=0, le=MAX_STORED_INTEGER)]
