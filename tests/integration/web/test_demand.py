"""Demand in the browser: a holder proposes a multiplier for a new topic from /app/demand (relayed, as a dataset
proposal is), the proposal says its calls in words, and the coverage page shows the multipliers in force."""

import os
import re
from collections.abc import Callable

import httpx
import pytest
from hexbytes import HexBytes
from playwright.sync_api import expect
from web3 import Web3

from chain.bindings import Deployment, call_of
from tests.integration.chain.governance_fixtures import new_wallet
from tests.integration.web.conftest import PHONE, OpenedApp
from tests.integration.web.test_governance import _connect
from tests.integration.web.wallet import TestWallet

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)


def test_a_holder_proposes_demand_for_a_new_topic_from_the_demand_page(
    app_url: str, chain_rpc_url: str, web3: Web3, open_app: Callable[..., OpenedApp]
) -> None:
    holder = TestWallet(new_wallet(web3), chain_rpc_url)
    topic = f"coastal-botany-{os.urandom(3).hex()}"
    opened = open_app(holder)
    page = opened.page
    page.goto(f"{app_url}/app/demand")
    expect(page.get_by_role("heading", level=2, name="Propose demand")).to_be_visible()
    _connect(page, holder)
    page.get_by_label("Dimension").select_option("topic")
    page.get_by_label("Value").fill(topic)
    expect(page.get_by_text("a new topic, added to the list by the same proposal")).to_be_visible()
    page.get_by_label("Multiplier (bps)").fill("12000")
    page.get_by_label("Until").fill("2031-01-01")
    page.get_by_role("button", name="Propose demand").click()
    link = page.get_by_role("link", name=re.compile(r"See proposal \d+"))
    expect(link).to_be_visible(timeout=30_000)
    opened.screenshot("demand-desktop")
    page.set_viewport_size(PHONE)
    assert opened.fits_its_width(), "/app/demand scrolls sideways at phone width"
    opened.screenshot("demand-phone")
    assert holder.requests.count("eth_signTypedData_v4") == 0  # a relayed proposal needs no signature

    proposal_id = str(link.get_attribute("href")).rsplit("/", 1)[1]
    proposal = httpx.get(f"{app_url}/proposals/{proposal_id}").json()
    assert (proposal["kind"], proposal["curator"]) == ("demand", holder.address)
    assert [action["says"] for action in proposal["actions"]] == [
        f"Add the topic {topic!r}",
        f"Set the topic multiplier for {topic!r} to 1.2x (12000 bps) until 2031-01-01T00:00:00+00:00",
    ]
    link.click()
    expect(page.locator("dd", has_text=f"Add the topic {topic!r}")).to_be_visible()
    assert opened.problems.found == []


def test_the_coverage_page_shows_the_demand_multipliers_in_force(
    app_url: str, web3: Web3, deployment: Deployment, open_app: Callable[..., OpenedApp]
) -> None:
    language = f"x-{os.urandom(3).hex()}"
    timelock = deployment.contracts["timelock"].address  # as an executed proposal would: the timelock calls
    web3.provider.make_request("anvil_impersonateAccount", [timelock])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])  # type: ignore[arg-type]
    call = call_of(deployment.bind(web3, "demandRegistry"), "setMultiplier", 0, language, 17_500, 0, 0)
    sent = web3.eth.send_transaction({"from": timelock, "to": call.to, "data": HexBytes(call.data)})  # type: ignore[typeddict-item]
    assert web3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    opened = open_app()
    opened.page.goto(f"{app_url}/app/coverage")
    section = opened.page.get_by_role("region", name="What the DAO asks for")
    row = section.get_by_role("row").filter(has_text=language)
    expect(row).to_contain_text("1.75x")
    expect(row).to_contain_text("in force")
    assert opened.problems.found == []
