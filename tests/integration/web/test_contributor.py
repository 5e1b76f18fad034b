"""A contributor in the browser, with their own wallet, through the real stack: connect and sign in, check a file,
upload it with a license and consent, sign the claim, watch it reach scored, see its dimension bars and verify its
provenance against the chain, then withdraw it."""

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from playwright.sync_api import Page, expect

from tests.integration.scoring.conftest import SCORE_TIMEOUT_S, score_due
from tests.integration.web.conftest import PHONE, OpenedApp
from tests.integration.web.wallet import TestWallet
from tests.support.contributor_flows import anchor_through_the_chain_worker
from tests.support.scored_uploads import JUNK, jsonl, prose

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)

KEPT_AND_JUNK = 5, 2


def _dataset(folder: Path) -> Path:
    """Five paragraphs of real prose no other test uploads, and two junk records a gate drops."""
    good, junk = KEPT_AND_JUNK
    path = folder / "paragraphs.jsonl"
    path.write_bytes(jsonl(prose(good, start=44) + [JUNK] * junk))
    return path


def _status(page: Page) -> str:
    return page.get_by_test_id("status").inner_text()


def _until_scored(page: Page) -> None:
    """Send due scoring work, as beat would, until the page shows the contribution scored."""
    deadline = time.monotonic() + SCORE_TIMEOUT_S
    while _status(page) != "scored":
        assert time.monotonic() < deadline, f"not scored in time; the page shows {_status(page)}"
        score_due()
        page.wait_for_timeout(1000)


def _verify_without_a_wallet(opened: OpenedApp, url: str, config_missing: bool) -> None:
    """Anyone can verify a contribution: without a wallet, through the deployment's public RPC (GET /config)."""
    opened.page.goto(url)
    opened.page.get_by_role("button", name="Verify").click()
    if config_missing:
        expect(opened.page.get_by_role("status")).to_contain_text("Connect a wallet to verify")
        return
    checks = opened.page.get_by_role("list", name="Verification").get_by_role("listitem")
    expect(checks).to_have_count(3)
    for check in checks.all():
        expect(check).to_contain_text("✓")
    assert opened.problems.found == []


def test_a_contributor_uploads_signs_sees_it_scored_verifies_it_and_withdraws_it(
    app_url: str, chain_rpc_url: str, open_app: Callable[..., OpenedApp], routes_not_built: set[str], tmp_path: Path
) -> None:
    wallet = TestWallet(Account.create(), chain_rpc_url)
    opened = open_app(wallet)
    page = opened.page
    page.goto(f"{app_url}/app/contribute")

    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {wallet.address}")
    assert "personal_sign" in wallet.requests
    if "/config" not in routes_not_built:  # the token's address comes from GET /config
        expect(page.get_by_role("group", name="Wallet")).to_contain_text("0 PLY")

    page.get_by_label("File").set_input_files(str(_dataset(tmp_path)))
    page.get_by_label("Title").fill("Paragraphs of a license")
    page.get_by_label("Description").fill("Five paragraphs of the GPL, and two lines of spam")
    page.get_by_label("License").fill("CC-BY-4.0")
    page.get_by_label("Modality").select_option("text")
    page.get_by_label("Language").fill("en")
    page.get_by_label("Consent", exact=True).check()

    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name=re.compile(r"This file would score \d"))).to_be_visible(timeout=60_000)

    # The progress bar shows only while the bytes stream: record that it appeared at all.
    page.evaluate("""() => { window.sawProgress = false; new MutationObserver(() => {
        if (document.querySelector("progress")) window.sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true }); }""")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_test_id("status")).to_have_text("claimed", timeout=60_000)
    assert page.evaluate("window.sawProgress") is True
    assert wallet.requests.count("eth_signTypedData_v4") == 1

    assert anchor_through_the_chain_worker() is not None
    expect(page.get_by_test_id("status")).to_have_text(re.compile("anchored|scored"), timeout=30_000)
    _until_scored(page)

    link = page.get_by_role("link", name=re.compile(r"See contribution \d+"))
    number = int(re.findall(r"\d+", link.inner_text())[0])
    link.click()
    expect(page.get_by_role("heading", level=1, name="Paragraphs of a license")).to_be_visible()
    bars = page.get_by_role("list", name="Score by dimension").get_by_role("img")
    expect(bars.first).to_be_visible()
    assert bars.count() >= 3
    assert re.search(r": \d+(\.\d)?%$", bars.first.get_attribute("aria-label") or "")
    expect(page.get_by_text(re.compile(rf"\d of {sum(KEPT_AND_JUNK)} documents kept"))).to_be_visible()
    expect(page.get_by_role("heading", name="Top reasons documents were dropped")).to_be_visible()

    page.get_by_role("button", name="Verify").click()
    checks = page.get_by_role("list", name="Verification").get_by_role("listitem")
    expect(checks).to_have_count(3)
    for check in checks.all():
        expect(check).to_contain_text("✓")
    _verify_without_a_wallet(open_app(), f"{app_url}/app/contributions/{number}", "/config" in routes_not_built)
    opened.screenshot("contributor-scored-desktop")
    page.set_viewport_size(PHONE)
    assert opened.fits_its_width()
    opened.screenshot("contributor-scored-phone")

    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_role("status")).to_contain_text(f"Contribution {number} is withdrawn")
    assert wallet.requests.count("eth_signTypedData_v4") == 2
    assert httpx.get(f"{app_url}/contributions/{number}").json()["status"] == "withdrawn"

    page.get_by_role("link", name="My contributions").click()
    row = page.get_by_role("row", name=re.compile("Paragraphs of a license"))
    expect(row).to_contain_text("withdrawn")
    assert opened.problems.found == []


def test_an_api_error_is_shown_as_its_message_and_a_sign_in_lasts_until_revoked_or_signed_out(
    app_url: str, chain_rpc_url: str, open_app: Callable[..., OpenedApp], tmp_path: Path
) -> None:
    wallet = TestWallet(Account.create(), chain_rpc_url)
    page = open_app(wallet).page
    page.goto(f"{app_url}/app/contribute")
    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_label("File").set_input_files(str(_dataset(tmp_path)))
    page.get_by_label("Title").fill("A license that does not exist")
    page.get_by_label("License").fill("CC-BY-4")
    page.get_by_label("Consent", exact=True).check()
    page.get_by_role("button", name="Upload").click()
    said = "'CC-BY-4' is not an SPDX license id."
    expect(page.get_by_role("status")).to_contain_text(said)
    expect(page.get_by_role("alert")).to_contain_text(said)
    assert "eth_signTypedData_v4" not in wallet.requests

    page.reload()  # the sign-in lasts the browser session, and the wallet holding its address is found again
    expect(page.get_by_role("group", name="Wallet")).to_contain_text(wallet.address[:6])

    # The token is revoked behind the app's back: the next call is refused, and the app signs the person out.
    token = page.evaluate("sessionStorage.getItem('polyphony.token')")
    httpx.post(f"{app_url}/auth/logout", headers={"Authorization": f"Bearer {token}"}).raise_for_status()
    page.get_by_role("link", name="My contributions").click()
    expect(page.get_by_role("status")).to_contain_text("Your sign-in ended")
    page.get_by_role("button", name="Connect wallet").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Connect wallet")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Connect wallet")).to_be_visible()


def test_a_wallet_on_another_chain_is_asked_to_add_and_switch_to_the_deployment_s(
    app_url: str, chain_rpc_url: str, open_app: Callable[..., OpenedApp], routes_not_built: set[str]
) -> None:
    wallet = TestWallet(Account.create(), chain_rpc_url, on_chain=1)
    page = open_app(wallet).page
    page.goto(f"{app_url}/app/")
    page.get_by_role("button", name="Connect wallet").click()
    if "/config" in routes_not_built:  # the app cannot know the chain: it signs in on the wallet's, and is told
        expect(page.get_by_role("status")).to_contain_text("this message is for chain 1; this server serves chain")
        return
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    switches = [m for m in wallet.requests if m in ("wallet_switchEthereumChain", "wallet_addEthereumChain")]
    assert switches == ["wallet_switchEthereumChain", "wallet_addEthereumChain", "wallet_switchEthereumChain"]
