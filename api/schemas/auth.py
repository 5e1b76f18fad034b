"""Request and response models of sign-in with Ethereum (`/auth`)."""

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.fields import Signature


class NoncePublic(BaseModel):
    """`GET /auth/nonce`: a single-use nonce for the next sign-in message."""

    nonce: str


class SignInRequest(BaseModel):
    """`POST /auth/login`: an EIP-4361 message and the wallet's `personal_sign` signature of it (a contract
    wallet's: its ERC-1271 signature of the message's EIP-191 hash)."""

    message: str = Field(max_length=4096, description="The exact EIP-4361 text the wallet signed.")
    signature: Signature

    @property
    def signature_bytes(self) -> bytes:
        """The signature as raw bytes."""
        return bytes.fromhex(self.signature[2:])


class AccessTokenPublic(BaseModel):
    """`POST /auth/login`: the bearer token for `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_in: int = Field(description="Seconds the token stays valid.")
    address: str = Field(description="The checksum address the token signs in as.")


class SignedInPublic(BaseModel):
    """`GET /auth/me`: whom the bearer token signs in as."""

    address: str
