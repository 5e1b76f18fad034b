"""Every page of the web app loads in the browser, at desktop and phone width, with no console error and no failed
request, and answers a reload on its own path; screenshots of each go to tests/artifacts/web/."""

from collections.abc import Callable

import pytest
from eth_account import Account
from playwright.sync_api import expect

from cli.client import PolyphonyClient
from tests.integration.web.conftest import DESKTOP, PHONE, OpenedApp
from tests.support.contributor_flows import claim, upload

pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]  # CI runs it once (tests/conftest.py)

UNAPPROVED_ROUND = 987_654_321_001  # a round no test approves a dataset for


@pytest.fixture(scope="module")
def contribution_id(app_url: str) -> int:
    """A claimed contribution, made through the API process as the CLI makes one."""
    with PolyphonyClient(app_url, Account.create()) as client:
        client.sign_in()
        made = upload(client, title="A page to look at")
        claim(client, made["id"])
        return int(made["id"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_loads_cleanly(
    app_url: str, contribution_id: int, open_app: Callable[..., OpenedApp], viewport: dict[str, int]
) -> None:
    pages = {
        "home": ("/app/", "Polyphony"),
        "contribute": ("/app/contribute", "Contribute"),
        "contributions": ("/app/contributions", "My contributions"),
        "contribution": (f"/app/contributions/{contribution_id}", "A page to look at"),
        "rewards": ("/app/rewards", "Rewards"),
        "proposals": ("/app/proposals", "Proposals"),
        "dataset-new": ("/app/datasets/new", "New dataset"),
        "round-unapproved": (f"/app/rounds/{UNAPPROVED_ROUND}", f"Round {UNAPPROVED_ROUND}"),
        "coverage": ("/app/coverage", "Coverage"),
        "demand": ("/app/demand", "Demand"),
        "review": ("/app/review", "Review"),
        "not-found": ("/app/no-such-page", "Page not found"),
    }
    opened = open_app(viewport=viewport)
    # GET /rounds/{n} answers 404 while nothing is approved for n, and the page says so: that one is expected.
    opened.problems.tolerated_paths.add(f"/rounds/{UNAPPROVED_ROUND}")
    width = "desktop" if viewport == DESKTOP else "phone"
    for name, (path, heading) in pages.items():
        opened.page.goto(f"{app_url}{path}")
        expect(opened.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        expect(opened.page.get_by_role("button", name="Connect wallet")).to_be_visible()
        opened.page.wait_for_load_state("networkidle")
        expect(opened.page.get_by_text("Loading…")).to_have_count(0)
        assert opened.fits_its_width(), f"{path} scrolls sideways at {width} width"
        opened.screenshot(f"{name}-{width}")
    assert opened.problems.found == []


def test_links_move_between_pages_without_reloading_and_focus_the_heading_and_no_wallet_is_said(
    app_url: str, open_app: Callable[..., OpenedApp]
) -> None:
    opened = open_app()
    page = opened.page
    page.goto(f"{app_url}/app/")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contribute").click()
    expect(page.get_by_role("heading", level=1, name="Contribute")).to_be_focused()
    assert page.evaluate("window.sameDocument") is True
    assert page.url == f"{app_url}/app/contribute"
    page.go_back()
    expect(page.get_by_role("heading", level=1, name="Polyphony")).to_be_visible()
    page.get_by_role("button", name="Connect wallet").click()  # this browser has no wallet
    expect(page.get_by_role("status")).to_contain_text("No browser wallet was found")
    assert opened.problems.found == []
