"""A holder, a curator and a trainer in the browser, each with their own wallet, through the real stack: the holder
delegates to themselves (a relayed delegation they sign), the curator selects their contributions with a live
preview, creates the dataset and proposes it for a round, the holder votes For (a relayed ballot they sign), and
once the vote has passed and the keeper has executed it, the trainer sees the round and its `polyphony pull`
command.

The chain's clock is never moved: the stack's deployment has short governance delays (voting opens after 10 s,
lasts 100 s, and the timelock waits 20 s: TEST_GOVERNANCE, set before deploy), and the test waits them out in
real time, mining an empty block now and then as a live chain would, so the contracts' clock (the newest block's
timestamp) keeps up with the wall clock.
"""

import re
import time
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from chain.bindings import Deployment, call_of
from cli.client import PolyphonyClient
from polyphony.settings import Settings
from tests.integration.chain.governance_fixtures import new_wallet, send_as
from tests.integration.datasets.conftest import index_through_the_workers
from tests.integration.governance.conftest import Governance
from tests.integration.web.conftest import DESKTOP, PHONE, OpenedApp
from tests.integration.web.wallet import TestWallet
from tests.support.contributor_flows import anchor_through_the_chain_worker, claim, upload
from tests.support.seeding import make_score, new_round, unique_lines

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)

# Voting delay + period + timelock delay of TEST_GOVERNANCE, with room for the relayer, keeper and indexer.
GOVERNANCE_WAIT_S = 10 + 100 + 20 + 120


def _connect(page: Page, wallet: TestWallet) -> None:
    page.get_by_role("button", name="Connect wallet").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {wallet.address}")


def _keep_the_chain_moving(web3: Web3) -> None:
    """What a live chain and `polyphony up`'s beat do on their own: a new block now (no time moved), and the
    indexer's pass over the new events."""
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    index_through_the_workers()


def _until(condition: Callable[[], bool], web3: Web3, *, what: str, keep: Callable[[], object] | None = None) -> None:
    deadline = time.monotonic() + GOVERNANCE_WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        _keep_the_chain_moving(web3)
        if keep is not None:
            keep()
        time.sleep(2)


def _scored_contributions(app_url: str, engine: Engine, curator: TestWallet, count: int) -> list[int]:
    """`count` contributions of the curator's, uploaded, claimed and anchored through the API and the chain worker,
    with a passing score row each (the scoring pipeline itself is tested in the contributor's test)."""
    with PolyphonyClient(app_url, curator.account) as client:
        client.sign_in()
        made = [upload(client, content=content, title=f"Governed {n}") for n, content in enumerate(unique_lines(count))]
        for contribution in made:
            claim(client, contribution["id"])
    anchor_through_the_chain_worker()
    with Session(engine) as session:
        for contribution in made:
            make_score(session, contribution["id"])
        session.commit()
    return [int(contribution["id"]) for contribution in made]


def test_a_holder_delegates_and_votes_for_a_curators_dataset_and_a_trainer_sees_the_round(
    app_url: str, chain_rpc_url: str, settings: Settings, deployment: Deployment, web3: Web3, engine: Engine,
    open_app: Callable[..., OpenedApp],
) -> None:  # fmt: skip
    with PolyphonyClient(app_url) as anonymous:
        governance = Governance(settings, deployment, web3, engine, anonymous)
    holder = TestWallet(new_wallet(web3), chain_rpc_url)
    governance.mint_to(holder.address, governance.supply() + 10**21)  # a majority, so quorum and the vote pass
    curator = TestWallet(new_wallet(web3), chain_rpc_url)
    _scored_contributions(app_url, engine, curator, count=2)
    round_number = new_round()

    # The holder delegates to themselves: the wallet signs, the relayer sends.
    as_holder = open_app(holder)
    page = as_holder.page
    page.goto(f"{app_url}/app/rewards")
    _connect(page, holder)
    expect(page.get_by_test_id("claimable")).to_have_text("0 PLY")
    page.get_by_role("button", name="Delegate to myself").click()
    expect(page.get_by_role("status")).to_contain_text("You now vote with your own tokens", timeout=60_000)
    assert "eth_signTypedData_v4" in holder.requests
    assert governance.token.functions.delegates(holder.address).call() == holder.address
    as_holder.screenshot("rewards-desktop")

    # The curator selects their own contributions, sees the preview, creates the dataset and proposes it.
    as_curator = open_app(curator)
    page = as_curator.page
    page.goto(f"{app_url}/app/datasets/new")
    _connect(page, curator)
    page.get_by_label("Minimum score").fill("50")
    page.get_by_label("Language").fill("en")
    page.get_by_label("Modality").select_option("text")
    page.get_by_label("Contributor").fill(curator.address)
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("in 2 contributions")
    expect(preview).to_contain_text("en (2)")
    page.get_by_label("Name").fill(f"Governed voices {round_number}")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.get_by_role("heading", name=re.compile(r"Dataset \d+"))).to_be_visible(timeout=60_000)
    page.get_by_label("Round").fill(str(round_number))
    page.get_by_role("button", name="Propose").click()
    proposal_link = page.get_by_role("link", name=re.compile(r"See proposal \d+"))
    expect(proposal_link).to_be_visible(timeout=30_000)
    as_curator.screenshot("dataset-new-desktop")
    page.set_viewport_size(PHONE)
    as_curator.screenshot("dataset-new-phone")
    proposal_path = str(proposal_link.get_attribute("href"))
    proposal_id = proposal_path.rsplit("/", 1)[1]
    assert int(proposal_id) > 2**53  # a uint256: the page and its links keep it whole
    assert curator.requests.count("eth_signTypedData_v4") == 0  # a relayed proposal needs no signature

    # The holder votes For once voting opens; the page counts down to it.
    page = as_holder.page
    page.goto(f"{app_url}{proposal_path}")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"Proposal \d+"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Governed|dataset \d+ for training round"))).not_to_have_count(0)
    expect(page.get_by_text("in 2 contributions")).to_be_visible()
    for_button = page.get_by_role("button", name="For", exact=True)
    _until(for_button.is_enabled, web3, what="voting opens")
    for_button.click()
    expect(page.get_by_test_id("ballot-status")).to_contain_text("for, mined", timeout=60_000)
    assert holder.requests.count("eth_signTypedData_v4") == 2
    quorum = page.get_by_role("progressbar", name="Quorum")
    _until(lambda: quorum.get_attribute("value") == "1", web3, what="the page counts the vote (quorum reached)")
    expect(page.get_by_role("img", name=re.compile(r"^For: [1-9][\d,]*(\.\d+)? PLY$"))).to_be_visible()
    expect(page.get_by_role("img", name="Against: 0 PLY")).to_be_visible()
    as_holder.screenshot("proposal-desktop")
    page.set_viewport_size(PHONE)
    as_holder.screenshot("proposal-phone")

    # The vote passes, the keeper queues it and, after the timelock, executes it: the round is approved.
    def keep() -> None:
        governance.keep(proposal_id)

    approved = governance.registry.functions.datasetCount(round_number)
    _until(lambda: approved.call() > 0, web3, what="the proposal is executed", keep=keep)
    _keep_the_chain_moving(web3)
    expect(page.get_by_text("executed", exact=True).first).to_be_visible(timeout=30_000)

    # A trainer, with no wallet, sees the round, its approval and the pull command.
    as_trainer = open_app()
    page = as_trainer.page
    page.goto(f"{app_url}/app/rounds/{round_number}")
    expect(page.get_by_role("heading", level=1, name=f"Round {round_number}")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Governed voices {round_number}")).to_be_visible()
    public_rpc = httpx.get(f"{app_url}/config").json()["rpc_url"]
    expect(page.get_by_test_id("pull-command")).to_have_text(
        f"polyphony pull --round {round_number} --out round-{round_number} --api {app_url}"
        + (f" --rpc {public_rpc}" if public_rpc else "")
    )
    croissant = page.get_by_role("link", name=re.compile("Croissant"))
    expect(croissant).to_be_visible()
    # The link works: it is the dataset's pinned Croissant manifest, served by the API's gateway.
    manifest = page.request.get(f"{app_url}{croissant.get_attribute('href')}")
    assert manifest.ok, f"the Croissant link answers {manifest.status}"
    assert manifest.json()["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert manifest.json()["name"] == f"Governed voices {round_number}"
    # And the dataset card's: the round's card in Markdown, naming the approved manifest.
    card = page.request.get(f"{app_url}{page.get_by_role('link', name='Dataset card').get_attribute('href')}")
    assert card.ok and card.headers["content-type"].startswith("text/markdown"), f"the card answers {card.status}"
    manifest_cid = str(croissant.get_attribute("href")).rsplit("/", 1)[1]
    assert f"# Polyphony round {round_number}" in card.text() and f"`{manifest_cid}`" in card.text()

    # The trainer registers a model trained on the round (as `polyphony model register` does): the round's page
    # then shows its lineage, model -> round -> dataset -> contributors.
    trainer = new_wallet(web3)
    with PolyphonyClient(app_url, trainer) as client:
        client.sign_in()
        lineage_cid = client.call("POST", f"/rounds/{round_number}/lineage")["lineage_cid"]
        register = call_of(
            governance.registry, "registerModel", round_number, "bafymodelfromthebrowsertest", lineage_cid
        )
        receipt = send_as(web3, trainer, register)
        client.call(
            "POST", "/models", json={"tx_hash": "0x" + bytes(receipt["transactionHash"]).hex().removeprefix("0x")}
        )
    page.reload()
    tree = page.get_by_role("list", name=re.compile(r"Lineage of model \d+"))
    expect(tree).to_contain_text(f"Round {round_number}")
    expect(tree).to_contain_text("(2 contributions)")
    expect(tree.get_by_role("list", name="Contributors").get_by_title(curator.address)).to_be_visible()
    page.wait_for_load_state("networkidle")
    as_trainer.screenshot("round-desktop")
    page.set_viewport_size(PHONE)
    as_trainer.screenshot("round-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0  # nothing runs off a phone

    # Coverage, public: the corpus now holds the curator's English text, drawn per day with its table.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{app_url}/app/coverage")
    expect(page.get_by_role("heading", level=1, name="Coverage")).to_be_visible()
    by_language = page.get_by_role("region", name="By language")
    expect(by_language.get_by_role("img", name=re.compile(r"New contributions per day by language"))).to_be_visible()
    expect(by_language.get_by_role("listitem").filter(has_text="en")).not_to_have_count(0)
    page.wait_for_load_state("networkidle")
    as_trainer.screenshot("coverage-with-corpus-desktop")
    page.set_viewport_size(PHONE)
    as_trainer.screenshot("coverage-with-corpus-phone")

    for opened in (as_holder, as_curator, as_trainer):
        assert opened.problems.found == []
