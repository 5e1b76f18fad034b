"""An upload's optional topic: one of the topics the demand registry keeps, or a 400 that says where they are."""

import os

import pytest
from hexbytes import HexBytes
from web3 import Web3

from chain.bindings import Deployment, call_of
from cli.client import ClientError, PolyphonyClient
from tests.support.contributor_flows import upload


def _list_topic(web3: Web3, deployment: Deployment, topic: str) -> None:
    """Add `topic` as an executed proposal would: the timelock (impersonated on anvil) calling `addTopic`."""
    timelock = deployment.contracts["timelock"].address
    web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    call = call_of(deployment.bind(web3, "demandRegistry"), "addTopic", topic)
    sent = web3.eth.send_transaction({"from": timelock, "to": call.to, "data": HexBytes(call.data)})  # type: ignore[typeddict-item]
    assert web3.eth.wait_for_transaction_receipt(sent)["status"] == 1


def test_an_upload_declares_a_listed_topic_and_the_contribution_keeps_it(
    contributor: PolyphonyClient, web3: Web3, deployment: Deployment
) -> None:
    topic = f"maritime-law-{os.urandom(3).hex()}"
    _list_topic(web3, deployment, topic)
    stored = upload(contributor, content=b'{"text": "' + os.urandom(8).hex().encode() + b'"}\n', topic=topic)
    assert stored["topic"] == topic
    assert contributor.call("GET", f"/contributions/{stored['id']}")["topic"] == topic
    untopical = upload(contributor, content=b'{"text": "' + os.urandom(8).hex().encode() + b'"}\n')
    assert untopical["topic"] is None


def test_an_upload_with_a_topic_governance_does_not_keep_is_refused(contributor: PolyphonyClient) -> None:
    with pytest.raises(ClientError) as refused:
        upload(contributor, content=b'{"text": "' + os.urandom(8).hex().encode() + b'"}\n', topic="not-a-topic")
    assert (refused.value.status, refused.value.code) == (400, "invalid_metadata")
    assert "'not-a-topic' is not one of the topics governance keeps" in refused.value.message
    assert "GET /demand" in refused.value.message
