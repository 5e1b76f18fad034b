"""`GET /licenses` through the real API: a searchable page of the SPDX ids an upload accepts."""

from fastapi.testclient import TestClient

from api.main import create_app
from cli.client import PolyphonyClient
from polyphony.settings import Settings
from tests.support.contributor_flows import upload


def test_the_license_list_is_searchable_and_an_upload_takes_what_it_lists(
    settings: Settings, contributor: PolyphonyClient
) -> None:
    with TestClient(create_app(), base_url=settings.effective_public_url) as api:
        found = api.get("/licenses", params={"q": "cc-by-sa-4", "limit": 5}).json()
        everything = api.get("/licenses", params={"limit": 1000}).json()
        past_the_end = api.get("/licenses", params={"q": "cc-by-sa-4", "offset": 5}).json()
        refused = api.get("/licenses", params={"limit": 1001})

    assert found["items"][0] == {"id": "CC-BY-SA-4.0", "category": "Copyleft Limited"}
    assert all("cc-by-sa-4" in item["id"].casefold() for item in found["items"])
    assert (past_the_end["items"], past_the_end["total"]) == ([], found["total"])
    ids = [item["id"] for item in everything["items"]]
    assert everything["total"] == len(ids) > 500 and "MIT" in ids and "GPL-3.0-only" in ids
    assert "GPL-3.0" not in ids  # deprecated ids are refused by the upload, so not offered
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_request")
    stored = upload(contributor, license=found["items"][0]["id"])
    assert stored["license"] == "CC-BY-SA-4.0"
