"""Sign-in with Ethereum (EIP-4361): `GET /auth/nonce`, `POST /auth/login` → bearer token, `GET /auth/me`,
`POST /auth/logout`."""

import time
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Response

from api.deps import BearerCredentials, ClientHost, CurrentContributor, RedisDep, SettingsDep
from api.schemas.auth import AccessTokenPublic, NoncePublic, SignedInPublic, SignInRequest
from api.schemas.errors import ErrorPublic
from chain import siwe
from chain.errors import ChainUnavailable
from chain.sign_in import login, new_nonce
from polyphony.auth.errors import InvalidToken, MissingToken, RedisUnavailable, UnknownNonce
from polyphony.auth.tokens import revoke_token
from polyphony.errors import PolyphonyError
from polyphony.ratelimit import RateLimited

router = APIRouter(prefix="/auth", tags=["auth"])


def error_responses(*errors: type[PolyphonyError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` listing the error codes a route may answer, by status."""
    codes: defaultdict[int, list[str]] = defaultdict(list)
    for error in errors:
        codes[error.status_code].append(f"`{error.code}`")
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorPublic, "description": "error codes: " + ", ".join(found)}
        for status, found in sorted(codes.items())
    }
    if 429 in responses:
        retry_after = {"description": "Seconds until a request is allowed again.", "schema": {"type": "integer"}}
        responses[429]["headers"] = {"Retry-After": retry_after}
    return responses


_BUSY = (RateLimited, RedisUnavailable)
_TOKEN = (MissingToken, InvalidToken, RedisUnavailable)
_LOGIN = (
    siwe.MalformedSignIn,
    siwe.SignInWrongDomain,
    siwe.SignInWrongUri,
    siwe.SignInWrongChain,
    UnknownNonce,
    siwe.SignInExpired,
    siwe.SignInNotYetValid,
    siwe.SignInIssuedInFuture,
    siwe.SignInWrongSigner,
    ChainUnavailable,
    *_BUSY,
)
_INVALID_BODY: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorPublic, "description": "error code: `invalid_request` (the body's shape)"}
}


@router.get("/nonce", response_model=NoncePublic, responses=error_responses(*_BUSY))
def nonce(client: ClientHost, redis: RedisDep, settings: SettingsDep) -> NoncePublic:
    """A fresh nonce for an EIP-4361 message: usable once, for POLYPHONY_NONCE_TTL_S seconds."""
    return NoncePublic(nonce=new_nonce(redis, client=client, settings=settings))


@router.post("/login", response_model=AccessTokenPublic, responses={**error_responses(*_LOGIN), **_INVALID_BODY})
def sign_in(body: SignInRequest, client: ClientHost, redis: RedisDep, settings: SettingsDep) -> AccessTokenPublic:
    """Trade a signed EIP-4361 message (this server's domain, URI and chain id, our nonce) for a bearer token."""
    token = login(redis, message=body.message, signature=body.signature_bytes, client=client, settings=settings)
    return AccessTokenPublic(access_token=token.token, expires_in=token.expires_in_s, address=token.address)


@router.get("/me", response_model=SignedInPublic, responses=error_responses(*_TOKEN))
def me(address: CurrentContributor) -> SignedInPublic:
    """Whom the bearer token signs in as: a cheap way for a client to check its token."""
    return SignedInPublic(address=address)


@router.post("/logout", status_code=204, response_class=Response, responses=error_responses(*_TOKEN))
def logout(redis: RedisDep, credentials: BearerCredentials) -> Response:
    """Sign out: the bearer token this request carries is revoked at once (204), whatever its lifetime left."""
    revoke_token(redis, credentials.credentials if credentials else None, now=time.time())
    return Response(status_code=204)
