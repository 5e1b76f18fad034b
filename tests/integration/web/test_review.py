"""Sampled review in the browser, through the real stack: a contribution scored by the scoring worker is anchored,
its batch sampled from the block after the anchoring by the beat task, and three holders with delegated votes
review the sampled document. One of them, with the test wallet, opts in on /app/review, sees the document's
text, is told a rejection needs a reason, picks one and clicks "Reject" (the wallet signs the typed data) at
phone width; the other two use the API. The contribution's page then shows the document rejected, with each
review."""

import time
from collections.abc import Callable

import httpx
import pytest
from eth_account import Account
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from web3 import Web3

from chain.bindings import Deployment
from cli.client import PolyphonyClient
from tests.integration.reviews.reviewers import (
    as_,
    holder,
    review_others_until,
    reviewer,
    sampled,
    signed,
    signed_in,
    step_down_every_reviewer,
)
from tests.integration.scoring.conftest import SCORE_TIMEOUT_S, score_due
from tests.integration.web.conftest import DESKTOP, OpenedApp
from tests.integration.web.wallet import TestWallet
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload
from tests.support.scored_uploads import jsonl, prose

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)

NARROW_PHONE = {"width": 375, "height": 812}
TEXTS = prose(5, start=53)  # paragraphs no other test sends through the scoring worker's duplicate index


def _scored(api_url: str, contribution_id: int) -> None:
    """Send due scoring work, as beat would, until the contribution has its score."""
    deadline = time.monotonic() + SCORE_TIMEOUT_S
    while httpx.get(f"{api_url}/contributions/{contribution_id}").json()["status"] != "scored":
        assert time.monotonic() < deadline, f"contribution {contribution_id} was not scored in time"
        score_due()
        time.sleep(1)


def test_a_reviewer_rejects_a_sampled_document_in_the_browser_and_its_contributor_sees_it_rejected(
    app_url: str, chain_rpc_url: str, web3: Web3, deployment: Deployment, engine: Engine,
    open_app: Callable[..., OpenedApp],
) -> None:  # fmt: skip
    step_down_every_reviewer(engine)
    with PolyphonyClient(app_url, Account.create(), timeout_s=60) as contributor:
        contributor.sign_in()
        made = upload(contributor, content=jsonl(TEXTS), title="Paragraphs to review")
        claim(contributor, made["id"])
    contribution_id = int(made["id"])
    assert anchor_through_the_chain_worker() is not None
    _scored(app_url, contribution_id)

    wallet = TestWallet(holder(web3, deployment), chain_rpc_url)
    (first, first_client), (second, second_client) = (reviewer(app_url, web3, deployment) for _ in range(2))
    opened = open_app(wallet)
    # Until this wallet opts in, GET /reviews/next answers 403 not_a_reviewer: that is how the page knows.
    opened.problems.tolerated_paths.add("/reviews/next")
    page = opened.page
    page.goto(f"{app_url}/app/review")
    expect(page.get_by_role("heading", level=1, name="Review")).to_be_visible()
    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Opt in to review").click()
    expect(page.get_by_role("status")).to_contain_text("You review from now on")
    expect(page.get_by_role("heading", name="Nothing to review now")).to_be_visible()
    expect(page.get_by_test_id("queue")).to_contain_text("sampled documents wait for")
    opened.problems.tolerated_paths.discard("/reviews/next")  # opted in: every answer from now on must be good

    samples = sampled(app_url, web3, contribution_id)
    assert len(samples) == 1 and samples[0]["outcome"] == "pending", samples  # its contributor's one document
    ours = samples[0]
    # Documents of other tests' batches, sampled by the same pass and assigned first, are accepted on the way.
    review_others_until(signed_in(app_url, wallet.account), wallet.account, {ours["sample_id"]})
    forms = {
        each.address: review_others_until(client, each, {ours["sample_id"]})["typed_data"]
        for each, client in ((first, first_client), (second, second_client))
    }
    accepted = as_(first_client, "POST", "/reviews", json=signed(first, forms[first.address], accept=True, reason=""))
    assert accepted.status_code == 201 and accepted.json()["outcome"] == "pending", accepted.text

    page.get_by_role("button", name="Look again").click()
    heading = f"Sample {ours['sample_id']}: document {ours['record']} of contribution {contribution_id}"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_test_id("document")).to_have_text(TEXTS[ours["record"]])
    opened.screenshot("review-document-desktop")
    page.set_viewport_size(NARROW_PHONE)
    assert opened.fits_its_width(), "/app/review scrolls sideways at 375 px"
    opened.screenshot("review-document-phone")

    page.get_by_role("button", name="Reject").click()  # no reason chosen yet: nothing is signed
    expect(page.get_by_role("status")).to_contain_text("Choose a reason to reject the document.")
    expect(page.get_by_label("Reason")).to_be_focused()
    assert "eth_signTypedData_v4" not in wallet.requests
    page.get_by_label("Reason").select_option("personal-data")
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"You rejected (personal-data) sample {ours['sample_id']}: it waits for its other reviewers."
    )
    assert wallet.requests.count("eth_signTypedData_v4") == 1
    expect(page.get_by_role("heading", name="Nothing to review now")).to_be_visible()

    decided = as_(
        second_client, "POST", "/reviews", json=signed(second, forms[second.address], accept=False, reason="spam")
    )
    assert decided.status_code == 201 and decided.json()["outcome"] == "rejected", decided.text

    page.set_viewport_size(DESKTOP)
    page.goto(f"{app_url}/app/contributions/{contribution_id}")
    reviews = page.get_by_role("region", name="Reviews")
    document = reviews.get_by_role("listitem").filter(has_text=f"Document {ours['record']}")
    expect(document.get_by_role("heading")).to_contain_text("rejected")
    shown = document.get_by_role("list", name=f"Reviews of document {ours['record']}").get_by_role("listitem")
    expect(shown).to_have_count(3)
    said = {wallet.address: "rejected: personal-data", first.address: "accepted", second.address: "rejected: spam"}
    for address, words in said.items():
        expect(shown.filter(has_text=f"{address[:6]}…{address[-4:]}")).to_contain_text(words)
    opened.screenshot("contribution-reviewed-desktop")
    page.set_viewport_size(NARROW_PHONE)
    assert opened.fits_its_width(), "a contribution's page with reviews scrolls sideways at 375 px"
    opened.screenshot("contribution-reviewed-phone")
    assert opened.problems.found == []
