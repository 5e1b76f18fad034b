"""Sign-in with Ethereum through the real API and a real Redis: nonces, login, bearer tokens and rate limits."""

import dataclasses
import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from redis import Redis

from api.deps import get_redis, limit_uploads
from api.main import create_app
from chain.sign_in import sign_in_terms
from chain.siwe import message_for, sign
from polyphony.auth.tokens import issue_token
from polyphony.settings import Settings, get_settings

WALLET: LocalAccount = Account.from_key("0x" + "a1" * 32)
OTHER_WALLET: LocalAccount = Account.from_key("0x" + "b2" * 32)
STRANGER: LocalAccount = Account.from_key("0x" + "c3" * 32)


@pytest.fixture(autouse=True)
def fresh_limits(redis_url: str) -> None:
    """Every test starts with no request counted against any rate limit."""
    redis = get_redis()
    for key in redis.scan_iter("polyphony:ratelimit:*"):
        redis.delete(key)


@pytest.fixture(autouse=True)
def chain_answers(chain_rpc_url: str) -> None:
    """A signature that is not the named wallet's key's is asked of the chain: the wallet may be a contract."""


@pytest.fixture
def app() -> FastAPI:
    return create_app()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def with_settings(app: FastAPI, settings: Settings, **changes: Any) -> None:
    """Run `app` on `settings` changed by `changes`, e.g. low rate limits."""
    changed = settings.model_copy(update=changes)
    app.dependency_overrides[get_settings] = lambda: changed


def signed(client: TestClient, account: LocalAccount, settings: Settings, **changes: Any) -> dict[str, str]:
    """A login body: a fresh nonce, a message for this server (altered by `changes`), signed by `account`."""
    nonce = client.get("/auth/nonce").json()["nonce"]
    terms = sign_in_terms(settings)
    message = message_for(account.address, terms=terms, nonce=nonce, now=datetime.now(UTC), lifetime_s=300)
    text = dataclasses.replace(message, **changes).to_text()
    return {"message": text, "signature": "0x" + sign(text, account=account).hex()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_a_wallet_signs_in_and_its_token_opens_a_protected_route(client: TestClient, settings: Settings) -> None:
    response = client.post("/auth/login", json=signed(client, WALLET, settings))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["address"] == WALLET.address
    assert body["expires_in"] == settings.polyphony_token_ttl_s
    me = client.get("/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json() == {"address": WALLET.address}


def test_two_sign_ins_get_two_different_tokens_for_the_same_address(client: TestClient, settings: Settings) -> None:
    first = client.post("/auth/login", json=signed(client, WALLET, settings)).json()["access_token"]
    second = client.post("/auth/login", json=signed(client, WALLET, settings)).json()["access_token"]
    assert first != second
    assert client.get("/auth/me", headers=bearer(first)).json() == client.get("/auth/me", headers=bearer(second)).json()


def test_a_signed_out_token_opens_nothing_and_other_tokens_still_work(client: TestClient, settings: Settings) -> None:
    kept = client.post("/auth/login", json=signed(client, WALLET, settings)).json()["access_token"]
    token = client.post("/auth/login", json=signed(client, WALLET, settings)).json()["access_token"]
    assert client.post("/auth/logout", headers=bearer(token)).status_code == 204
    assert error_code(client.get("/auth/me", headers=bearer(token))) == "invalid_token"
    assert error_code(client.post("/auth/logout", headers=bearer(token))) == "invalid_token"
    assert error_code(client.post("/auth/logout")) == "missing_token"
    assert client.get("/auth/me", headers=bearer(kept)).status_code == 200


def test_every_nonce_is_new(client: TestClient) -> None:
    nonces = {client.get("/auth/nonce").json()["nonce"] for _ in range(5)}
    assert len(nonces) == 5
    assert all(len(nonce) >= 8 and nonce.isalnum() for nonce in nonces)


def test_a_signed_message_signs_in_once(client: TestClient, settings: Settings) -> None:
    body = signed(client, WALLET, settings)
    assert client.post("/auth/login", json=body).status_code == 200
    replay = client.post("/auth/login", json=body)
    assert replay.status_code == 401
    assert error_code(replay) == "siwe_unknown_nonce"


def test_a_failed_attempt_spends_the_nonce_too(client: TestClient, settings: Settings) -> None:
    body = signed(client, WALLET, settings)
    forged = {**body, "signature": "0x" + sign(body["message"], account=STRANGER).hex()}
    refused = client.post("/auth/login", json=forged)
    assert refused.status_code == 401
    assert error_code(refused) == "siwe_wrong_signer"
    again = client.post("/auth/login", json=body)
    assert again.status_code == 401
    assert error_code(again) == "siwe_unknown_nonce"


def test_a_nonce_this_server_never_issued_is_refused(client: TestClient, settings: Settings) -> None:
    client.get("/auth/nonce")
    message = message_for(
        WALLET.address, terms=sign_in_terms(settings), nonce="madeup1234567890", now=datetime.now(UTC), lifetime_s=300
    )
    text = message.to_text()
    response = client.post("/auth/login", json={"message": text, "signature": "0x" + sign(text, account=WALLET).hex()})
    assert response.status_code == 401
    assert error_code(response) == "siwe_unknown_nonce"


def test_an_expired_message_is_refused(client: TestClient, settings: Settings) -> None:
    an_hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    body = signed(client, WALLET, settings, issued_at=an_hour_ago, expiration_time=an_hour_ago + timedelta(minutes=5))
    response = client.post("/auth/login", json=body)
    assert response.status_code == 401
    assert error_code(response) == "siwe_expired"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"domain": "evil.example"}, "siwe_wrong_domain"),
        ({"uri": "https://evil.example/login"}, "siwe_wrong_uri"),
        ({"chain_id": 1}, "siwe_wrong_chain"),
        ({"not_before": datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)}, "siwe_not_yet_valid"),
        ({"issued_at": datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)}, "siwe_issued_in_future"),
    ],
    ids=["domain", "uri", "chain", "not-before", "issued-at"],
)
def test_a_message_for_other_terms_is_refused(
    client: TestClient, settings: Settings, changes: dict[str, Any], code: str
) -> None:
    response = client.post("/auth/login", json=signed(client, WALLET, settings, **changes))
    assert response.status_code == 401
    assert error_code(response) == code


def test_a_message_for_another_domain_names_both_domains(client: TestClient, settings: Settings) -> None:
    response = client.post("/auth/login", json=signed(client, WALLET, settings, domain="evil.example"))
    domain = sign_in_terms(settings).domain
    message = response.json()["error"]["message"]
    assert (response.status_code, error_code(response)) == (401, "siwe_wrong_domain")
    assert f"the domain evil.example, not {domain}:" in message and "://" not in message


def test_a_message_that_is_not_eip_4361_is_a_bad_request(client: TestClient) -> None:
    response = client.post("/auth/login", json={"message": "let me in", "signature": "0x" + "11" * 65})
    assert response.status_code == 400
    assert error_code(response) == "siwe_malformed"


def test_a_signature_that_is_not_hex_bytes_is_an_invalid_request(client: TestClient, settings: Settings) -> None:
    body = signed(client, WALLET, settings)
    for bad in (body["signature"][:-1], body["signature"][:-2] + "zz", "0x" + "ab" * 8193):
        response = client.post("/auth/login", json={**body, "signature": bad})
        assert response.status_code == 422
        assert error_code(response) == "invalid_request"


def test_a_keys_signature_cut_short_is_the_wrong_signer(client: TestClient, settings: Settings) -> None:
    # Any length of hex is a signature's shape (a Safe's is 65 bytes per owner); a key's is 65 bytes.
    body = signed(client, WALLET, settings)
    response = client.post("/auth/login", json={**body, "signature": body["signature"][:-2]})
    assert response.status_code == 401
    assert error_code(response) == "siwe_wrong_signer"
    assert "65 bytes" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Basic d2FsbGV0OnB3"}, "missing_token"),
        ({"Authorization": "Bearer not-a-token-we-issued"}, "invalid_token"),
    ],
    ids=["none", "not-bearer", "garbage"],
)
def test_a_protected_route_refuses_a_caller_without_a_valid_token(
    client: TestClient, headers: dict[str, str], code: str
) -> None:
    response = client.get("/auth/me", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused_as_expired(client: TestClient, redis_url: str) -> None:
    token = issue_token(get_redis(), address=WALLET.address, ttl_s=60, now=time.time() - 3600)
    response = client.get("/auth/me", headers=bearer(token.token))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"
    assert "has expired" in response.json()["error"]["message"]


def test_tokens_are_kept_hashed(client: TestClient, settings: Settings) -> None:
    token = client.post("/auth/login", json=signed(client, WALLET, settings)).json()["access_token"]
    redis: Redis = get_redis()
    assert redis.get(f"polyphony:auth:token:{hashlib.sha256(token.encode()).hexdigest()}") is not None
    assert not any(token in key.decode() for key in redis.scan_iter("polyphony:auth:token:*"))


def assert_rate_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert error_code(response) == "too_many_requests"
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert f"try again in {retry_after} s" in response.json()["error"]["message"]


def test_one_client_asking_for_too_many_nonces_is_limited_alone(app: FastAPI, settings: Settings) -> None:
    with_settings(app, settings, polyphony_sign_in_per_client=3)
    flooder = TestClient(app, client=("203.0.113.7", 40000))
    assert [flooder.get("/auth/nonce").status_code for _ in range(3)] == [200, 200, 200]
    assert_rate_limited(flooder.get("/auth/nonce"))
    assert TestClient(app, client=("198.51.100.2", 40000)).get("/auth/nonce").status_code == 200


def test_nonces_and_logins_share_a_clients_sign_in_budget(app: FastAPI, settings: Settings) -> None:
    with_settings(app, settings, polyphony_sign_in_per_client=2)
    client = TestClient(app, client=("203.0.113.8", 40000))
    body = signed(client, WALLET, settings)
    assert client.post("/auth/login", json=body).status_code == 200
    assert_rate_limited(client.get("/auth/nonce"))


def test_one_address_signing_in_too_often_is_limited_from_any_client(app: FastAPI, settings: Settings) -> None:
    with_settings(app, settings, polyphony_sign_in_per_address=2)
    for number in range(2):
        client = TestClient(app, client=(f"203.0.113.{20 + number}", 40000))
        assert client.post("/auth/login", json=signed(client, WALLET, settings)).status_code == 200
    fresh_client = TestClient(app, client=("203.0.113.30", 40000))
    assert_rate_limited(fresh_client.post("/auth/login", json=signed(fresh_client, WALLET, settings)))
    assert fresh_client.post("/auth/login", json=signed(fresh_client, OTHER_WALLET, settings)).status_code == 200


def test_forged_logins_naming_a_wallet_do_not_use_up_its_sign_ins(app: FastAPI, settings: Settings) -> None:
    with_settings(app, settings, polyphony_sign_in_per_address=1)
    client = TestClient(app)
    for _ in range(3):
        body = signed(client, WALLET, settings)
        forged = {**body, "signature": "0x" + sign(body["message"], account=STRANGER).hex()}
        assert error_code(client.post("/auth/login", json=forged)) == "siwe_wrong_signer"
    assert client.post("/auth/login", json=signed(client, WALLET, settings)).status_code == 200


@pytest.fixture
def upload_probe(app: FastAPI) -> FastAPI:
    """A stand-in for the upload route, limited by the same dependency."""
    app.get("/probe/upload", dependencies=[Depends(limit_uploads)])(lambda: {"ok": True})
    return app


def sign_in(client: TestClient, account: LocalAccount, settings: Settings) -> dict[str, str]:
    return bearer(client.post("/auth/login", json=signed(client, account, settings)).json()["access_token"])


def test_uploads_are_limited_per_address(upload_probe: FastAPI, settings: Settings) -> None:
    with_settings(upload_probe, settings, polyphony_upload_per_address=2)
    client = TestClient(upload_probe)
    wallet, other = sign_in(client, WALLET, settings), sign_in(client, OTHER_WALLET, settings)
    assert [client.get("/probe/upload", headers=wallet).status_code for _ in range(2)] == [200, 200]
    assert_rate_limited(client.get("/probe/upload", headers=wallet))
    assert client.get("/probe/upload", headers=other).status_code == 200


def test_uploads_are_limited_per_client(upload_probe: FastAPI, settings: Settings) -> None:
    with_settings(upload_probe, settings, polyphony_upload_per_client=2)
    client = TestClient(upload_probe, client=("203.0.113.40", 40000))
    wallet, other = sign_in(client, WALLET, settings), sign_in(client, OTHER_WALLET, settings)
    assert client.get("/probe/upload", headers=wallet).status_code == 200
    assert client.get("/probe/upload", headers=other).status_code == 200
    assert_rate_limited(client.get("/probe/upload", headers=other))
    elsewhere = TestClient(upload_probe, client=("203.0.113.41", 40000))
    assert elsewhere.get("/probe/upload", headers=other).status_code == 200


def test_an_upload_without_a_token_is_refused_before_it_is_counted(upload_probe: FastAPI) -> None:
    response = TestClient(upload_probe).get("/probe/upload")
    assert response.status_code == 401
    assert error_code(response) == "missing_token"


def test_the_openapi_document_lists_each_routes_errors(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    login = paths["/auth/login"]["post"]["responses"]
    assert "siwe_wrong_signer" in login["401"]["description"]
    assert "siwe_unknown_nonce" in login["401"]["description"]
    assert "siwe_malformed" in login["400"]["description"]
    assert "Retry-After" in login["429"]["headers"]
    assert "invalid_token" in paths["/auth/me"]["get"]["responses"]["401"]["description"]
    assert "too_many_requests" in paths["/auth/nonce"]["get"]["responses"]["429"]["description"]
