"""Signing in: a single-use nonce, then an EIP-4361 message signed with it, traded for a bearer token.

Both steps are rate limited per client (IP), and logins per address too, so one identity cannot flood the
store or guess at signatures.
"""

import time
from datetime import UTC, datetime

from redis import Redis

from chain.client import connect, served_chain_id
from chain.siwe import SignInTerms, parse, terms_for, verify
from polyphony.auth.nonces import consume_nonce, issue_nonce
from polyphony.auth.tokens import AccessToken, issue_token
from polyphony.ratelimit import hit, sign_in_address_limit, sign_in_client_limit
from polyphony.settings import Settings


def new_nonce(redis: Redis, *, client: str, settings: Settings) -> str:
    """A single-use nonce for `client` to put in its sign-in message."""
    hit(redis, [sign_in_client_limit(settings, client=client)])
    return issue_nonce(redis, ttl_s=settings.polyphony_nonce_ttl_s)


def login(redis: Redis, *, message: str, signature: bytes, client: str, settings: Settings) -> AccessToken:
    """A bearer token for the address that signed `message`, once the message checks out against this server."""
    hit(redis, [sign_in_client_limit(settings, client=client)])
    # Spent before anything else is checked, success or not, so each guess at a signature costs a fresh nonce.
    consume_nonce(redis, parse(message).nonce)
    web3 = connect(settings.effective_chain_rpc_url)  # asked only if the signature is not the address's key's
    signed_in = verify(message, signature=signature, terms=sign_in_terms(settings), now=datetime.now(UTC), web3=web3)
    # Counted only once the signature holds: nobody can use up another wallet's sign-ins by naming it.
    hit(redis, [sign_in_address_limit(settings, address=signed_in.address)])
    return issue_token(redis, address=signed_in.address, ttl_s=settings.polyphony_token_ttl_s, now=time.time())


def sign_in_terms(settings: Settings) -> SignInTerms:
    """The domain, origin and chain id a sign-in message must name to be accepted here."""
    return terms_for(settings.effective_public_url, chain_id=served_chain_id(settings))
