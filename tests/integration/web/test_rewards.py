"""A contributor in the browser, with their own wallet, through the real stack: an epoch that pays them is closed
by the governance code, its root proposed by the chain worker and activated by the keeper once the challenge
delay has passed; /app/rewards shows what is claimable, "Claim" has the relayer pay it (the wallet sends
nothing and holds no ether), the header's balance rises by it, and the per-epoch chart and its table show the
epoch.

The chain's clock is never moved: the suite's deployment has a 200 s challenge delay (TEST_GOVERNANCE, set before
deploy), and the test waits it out in real time, mining an empty block now and then as a live chain would, so
the contracts' clock (the newest block's timestamp) keeps up with the wall clock.
"""

import re
import time
from collections.abc import Callable

import pytest
from eth_account import Account
from playwright.sync_api import Page, expect
from sqlmodel import col, select
from web3 import Web3

from chain.bindings import Deployment
from governance.rewards.epochs import UNSETTLED, close_epoch
from polyphony.clock import utcnow
from polyphony.db import session_scope
from polyphony.models.epoch import Epoch, EpochStatus
from polyphony.settings import Settings
from polyphony.storage import storage_from_settings
from polyphony.tokens import format_tokens
from tests.integration.rewards.conftest import POLICY, epoch_status, run_task, scored, wait_for_status
from tests.integration.web.conftest import PHONE, OpenedApp
from tests.integration.web.wallet import TestWallet

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)

# Room past the challenge delay for the keeper's pass and its transaction.
KEEPER_ROOM_S = 120


def _activated_in_real_time(number: int, web3: Web3, deployment: Deployment) -> None:
    """Wait until the keeper activates epoch `number`: as `polyphony up`'s beat does, run its pass now and then,
    with an empty block mined first (no time moved) so the chain's clock reads the wall clock."""
    wait_for_status(number, EpochStatus.PROPOSED, EpochStatus.ACTIVE)
    delay = int(deployment.bind(web3, "rewardsDistributor").functions.challengeDelay().call())
    deadline = time.monotonic() + delay + KEEPER_ROOM_S
    while epoch_status(number) != EpochStatus.ACTIVE:
        assert time.monotonic() < deadline, f"epoch {number} is still {epoch_status(number)}"
        web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        run_task("rewards.keep_epochs")
        time.sleep(3)


def _last_epoch_settled(web3: Web3, deployment: Deployment) -> None:
    """An epoch an earlier test left on its way must be active before the next one closes (`close_epoch` refuses
    while one is unsettled): wait for it as for ours."""
    with session_scope() as session:
        last = session.exec(select(Epoch).order_by(col(Epoch.number).desc())).first()
        pending = last.number if last is not None and last.status in UNSETTLED else None
    if pending is not None:
        _activated_in_real_time(pending, web3, deployment)


def _connect(page: Page, wallet: TestWallet) -> None:
    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {wallet.address}")


def test_a_contributor_claims_an_activated_epoch_without_gas_and_sees_it_per_epoch(
    app_url: str, chain_rpc_url: str, settings: Settings, deployment: Deployment, web3: Web3,
    open_app: Callable[..., OpenedApp], routes_not_built: set[str],
) -> None:  # fmt: skip
    wallet = TestWallet(Account.create(), chain_rpc_url)
    scored(wallet.address)
    _last_epoch_settled(web3, deployment)
    epoch = close_epoch(cutoff=utcnow(), policy=POLICY, deployment=deployment, storage=storage_from_settings(settings))
    assert epoch is not None
    _activated_in_real_time(epoch.number, web3, deployment)
    token = deployment.bind(web3, "token")
    assert token.functions.balanceOf(wallet.address).call() == 0

    opened = open_app(wallet)
    page = opened.page
    page.goto(f"{app_url}/app/rewards")
    _connect(page, wallet)
    header = page.get_by_role("group", name="Wallet")
    balance_known = "/config" not in routes_not_built  # the token's address comes from GET /config
    if balance_known:
        expect(header).to_contain_text("0 PLY")

    claimable = page.get_by_test_id("claimable")
    expect(claimable).to_have_text(re.compile(r"^[1-9][\d,]*(\.\d{1,4})? PLY$"))
    shown = claimable.inner_text()
    expect(page.get_by_test_id("pending")).to_have_text("0 PLY")

    # The per-epoch chart, named for what it draws, and its table with this epoch's row.
    per_epoch = page.get_by_role("region", name="Rewards per epoch")
    expect(
        per_epoch.get_by_role("img", name=f"Your rewards per epoch, oldest first: 1 columns, the largest {shown}")
    ).to_be_visible()
    expect(per_epoch.locator("svg text")).to_have_text([str(epoch.number)])
    per_epoch.get_by_text("Your rewards per epoch as a table").click()  # the table is folded under the chart
    row = per_epoch.get_by_role("table", name="Your rewards per epoch").get_by_role("row", name=str(epoch.number))
    expect(row).to_contain_text(shown)
    expect(row).to_contain_text("1 of 1")
    expect(row).to_contain_text("active")

    page.get_by_role("button", name="Claim", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Claimed: the tokens are in your wallet", timeout=60_000)
    expect(claimable).to_have_text("0 PLY")
    expect(page.get_by_role("button", name="Claim", exact=True)).to_be_disabled()
    paid = int(token.functions.balanceOf(wallet.address).call())
    assert paid > 0 and format_tokens(paid) == shown
    if balance_known:
        expect(header.get_by_text(shown, exact=True)).to_be_visible()

    # No gas: the wallet neither sent nor signed anything for the claim, and never held ether.
    assert not {"eth_sendTransaction", "eth_sendRawTransaction", "eth_signTypedData_v4"} & set(wallet.requests)
    assert web3.eth.get_balance(Web3.to_checksum_address(wallet.address)) == 0

    opened.screenshot("rewards-claimed-desktop")
    page.set_viewport_size(PHONE)
    assert opened.fits_its_width()
    opened.screenshot("rewards-claimed-phone")
    assert opened.problems.found == []
