"""Ids and numbers the database cannot hold, or that are no ASCII number, are the caller's mistake: a 4xx with
the error shape, never a 500."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from chain.bindings import Deployment
from polyphony.settings import Settings

TOO_BIG = str(2**64)
PAST_32_BITS = str(2**31)  # an INTEGER key column's limit on PostgreSQL
PATHS = [
    "/contributions/{}", "/contributions/{}/score", "/contributions/{}/provenance", "/contributions/{}/records",
    "/datasets/{}", "/epochs/{}", "/rounds/{}", "/models/{}", "/models/{}/lineage", "/rewards/claims/{}",
    "/delegations/{}",
]  # fmt: skip


@pytest.fixture
def api(settings: Settings, deployment: Deployment, redis_url: str) -> TestClient:
    return TestClient(create_app(), base_url=settings.effective_public_url)


@pytest.mark.parametrize("path", PATHS)
def test_an_id_past_what_its_column_holds_is_a_422_and_a_missing_one_a_404(api: TestClient, path: str) -> None:
    too_big = api.get(path.format(TOO_BIG))
    missing = api.get(path.format(987_654_321))

    assert too_big.status_code == 422 and too_big.json()["error"]["code"]
    assert missing.status_code == 404 and missing.json()["error"]["code"]
    if not path.startswith("/rounds/"):  # a database id or an epoch number: an INTEGER column
        assert api.get(path.format(PAST_32_BITS)).status_code == 422


@pytest.mark.parametrize("query", ["/contributions?offset=", "/datasets?offset=", "/tombstones?offset=",
                                   "/proposals?round=", "/models?round="])  # fmt: skip
def test_a_query_number_past_64_bits_is_a_422(api: TestClient, query: str) -> None:
    answer = api.get(query + TOO_BIG)
    assert answer.status_code == 422 and answer.json()["error"]["code"]


def test_a_proposal_id_of_unicode_digits_is_no_proposal_id(api: TestClient) -> None:
    answer = api.get("/proposals/%C2%B3")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_proposal_id"
