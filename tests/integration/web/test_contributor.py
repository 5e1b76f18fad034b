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

from tests.integration.api.contributor_flows import anchor_through_the_chain_worker
from tests.integration.scoring.conftest import SCORE_TIMEOUT_S, score_due
from tests.integration.web.conftest import PHONE, OpenedApp
from tests.integration.web.wallet import TestWallet

pytestmark = pytest.mark.browser

PROSE = [
    "Rivers carve valleys over thousands of years, and the towns that grow along them remember every flood.",
    "A good bread needs only flour, water, salt and time; the baker's patience is the secret ingredient.",
    "The library opened at nine, and by ten the reading room was full of students preparing for exams.",
]


def _dataset(folder: Path) -> Path:
    path = folder / "voices.jsonl"
    lines = [f'{{"text": "{sentence} ({folder.name}, {n})"}}' for n, sentence in enumerate(PROSE * 4)]
    path.write_text("\n".join(lines) + "\n")
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


def test_a_contributor_uploads_signs_sees_it_scored_verifies_it_and_withdraws_it(
    app_url: str, chain_rpc_url: str, open_app: Callable[..., OpenedApp], tmp_path: Path
) -> None:
    wallet = TestWallet(Account.create(), chain_rpc_url)
    opened = open_app(wallet)
    page = opened.page
    page.goto(f"{app_url}/app/contribute")

    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {wallet.address}")
    assert "personal_sign" in wallet.requests

    page.get_by_label("File").set_input_files(str(_dataset(tmp_path)))
    page.get_by_label("Title").fill("Everyday prose")
    page.get_by_label("Description").fill("Short sentences about rivers, bread and libraries")
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
    expect(page.get_by_role("heading", level=1, name="Everyday prose")).to_be_visible()
    bars = page.get_by_role("list", name="Score by dimension").get_by_role("img")
    expect(bars.first).to_be_visible()
    assert bars.count() >= 3
    assert re.search(r": \d+(\.\d)?%$", bars.first.get_attribute("aria-label") or "")

    page.get_by_role("button", name="Verify").click()
    checks = page.get_by_role("list", name="Verification").get_by_role("listitem")
    expect(checks).to_have_count(3)
    for check in checks.all():
        expect(check).to_contain_text("✓")
    opened.screenshot("contributor-scored-desktop")
    page.set_viewport_size(PHONE)
    opened.screenshot("contributor-scored-phone")

    page.get_by_role("button", name="Withdraw consent").click()
    expect(page.get_by_role("status")).to_contain_text(f"Contribution {number} is withdrawn")
    assert wallet.requests.count("eth_signTypedData_v4") == 2
    assert httpx.get(f"{app_url}/contributions/{number}").json()["status"] == "withdrawn"

    page.get_by_role("link", name="My contributions").click()
    row = page.get_by_role("row", name=re.compile("Everyday prose"))
    expect(row).to_contain_text("withdrawn")
    assert opened.problems.found == []
