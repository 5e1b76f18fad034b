"""Field types several request and response models share: signatures, 32-byte words, integer bounds."""

import re
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, Field

MAX_SAFE_INTEGER = 2**53 - 1
MAX_STORED_INTEGER = 2**63 - 1  # a signed 64-bit SQL integer (BIGINT: block numbers, rounds, nonces, deadlines)
# An id the database makes, or a number kept in a plain INTEGER column (an epoch's): 32 bits on PostgreSQL,
# 64 on SQLite. The narrower one bounds what a caller may name, so an id is refused alike on either database.
MAX_ROW_ID = 2**31 - 1


def _signature(value: str) -> str:
    if not re.fullmatch(r"0x[0-9a-fA-F]{130}", value):
        raise ValueError("a signature is 65 bytes written as 0x and 130 hex digits, as eth_signTypedData_v4 returns")
    return value


def _bytes32(value: str) -> str:
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", value):
        raise ValueError("r and s are 32 bytes each, written as 0x and 64 hex digits")
    return value


Signature = Annotated[str, AfterValidator(_signature)]
Bytes32Hex = Annotated[str, AfterValidator(_bytes32)]


# Ids and numbers past what their column holds are refused as the caller's mistake (422) before they reach a
# query the database cannot run.
PathId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]
RowId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]
RoundNumber = Annotated[int, Path(ge=0, le=MAX_STORED_INTEGER)]
Offset = Annotated[int, Query(ge=0, le=MAX_STORED_INTEGER)]
