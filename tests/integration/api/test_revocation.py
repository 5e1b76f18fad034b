"""Withdrawing consent: only the contributor, only with a fresh signature, once; the tombstone is public
and a revoked contribution is never anchored."""

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from cli.client import ClientError, PolyphonyClient
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload


def _revoke(client: PolyphonyClient, contribution_id: int, *, signer: LocalAccount | None = None) -> dict:  # type: ignore[type-arg]
    typed = client.call("GET", f"/contributions/{contribution_id}/revocation")
    signature = "0x" + bytes((signer or client.account).sign_typed_data(full_message=typed).signature).hex()
    body = {"signature": signature, "deadline": typed["message"]["deadline"]}
    return client.call("POST", f"/contributions/{contribution_id}/revocation", json=body)  # type: ignore[no-any-return]


def test_a_revoked_contribution_is_tombstoned_once_and_listed(contributor: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"withdraw": "me"}\n')
    tombstone = _revoke(contributor, stored["id"])
    assert (tombstone["contribution_id"], tombstone["cid"]) == (stored["id"], stored["cid"])
    assert contributor.call("GET", f"/contributions/{stored['id']}")["status"] == "withdrawn"
    listed = contributor.call("GET", "/tombstones", params={"limit": 500})["items"]
    assert stored["id"] in [item["contribution_id"] for item in listed]
    with pytest.raises(ClientError) as again:
        _revoke(contributor, stored["id"])
    assert (again.value.status, again.value.code) == (409, "already_revoked")


def test_a_revocation_signed_by_another_key_is_refused(contributor: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"keep": "me"}\n')
    with pytest.raises(ClientError) as refused:
        _revoke(contributor, stored["id"], signer=Account.create())
    assert (refused.value.status, refused.value.code) == (400, "signature_wrong_signer")
    assert contributor.call("GET", f"/contributions/{stored['id']}")["status"] == "stored"


def test_an_expired_revocation_is_refused(contributor: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"late": true}\n')
    typed = contributor.call("GET", f"/contributions/{stored['id']}/revocation")
    typed["message"]["deadline"] = "1"  # long past: signed honestly, but too late
    signature = "0x" + bytes(contributor.account.sign_typed_data(full_message=typed).signature).hex()
    with pytest.raises(ClientError) as refused:
        contributor.call(
            "POST", f"/contributions/{stored['id']}/revocation", json={"signature": signature, "deadline": 1}
        )
    assert (refused.value.status, refused.value.code) == (400, "signature_expired")


def test_nobody_revokes_someone_elses_contribution(contributor: PolyphonyClient, stranger: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"mine": 1}\n')
    with pytest.raises(ClientError) as refused:
        stranger.call("GET", f"/contributions/{stored['id']}/revocation")
    assert (refused.value.status, refused.value.code) == (403, "not_your_contribution")


@pytest.mark.usefixtures("chain_celery_worker")
def test_a_claim_revoked_before_batching_is_never_anchored(contributor: PolyphonyClient) -> None:
    stored = upload(contributor, content=b'{"revoked": "before the batch"}\n')
    claim(contributor, stored["id"])
    _revoke(contributor, stored["id"])

    anchor_through_the_chain_worker()
    followed = contributor.call("GET", f"/contributions/{stored['id']}")
    assert followed["status"] == "withdrawn"
    assert "anchored" not in [step["step"] for step in followed["timeline"]]
