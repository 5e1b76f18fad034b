"""What the fuzz runs found, each pinned down on its own: a 405 names every method its path is served with, an
empty filter is no filter, a part header that is no Latin-1 is a 4xx, a 500 is logged once, and a status a route
answers is in the OpenAPI document."""

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from chain.bindings import Deployment
from cli.client import PolyphonyClient
from polyphony.settings import Settings
from tests.integration.api.conftest import contributor  # noqa: F401 (the signed-in fixture)


@pytest.fixture
def api(settings: Settings, deployment: Deployment, redis_url: str) -> TestClient:
    return TestClient(create_app(), base_url=settings.effective_public_url)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/contributions", "GET, POST"),  # two routes serve the path: both are named
        ("/contributions/1/claim", "GET, POST"),
        ("/rewards/claims", "POST"),  # the fixed path's resource, not `/rewards/{address}`'s
        ("/health", "GET"),
    ],
)
def test_a_405_names_every_method_its_path_is_served_with(api: TestClient, path: str, allowed: str) -> None:
    answer = api.request("DELETE", path)
    assert answer.status_code == 405 and answer.json()["error"]["code"] == "method_not_allowed"
    assert answer.headers["allow"] == allowed


def test_an_empty_contributor_filter_lists_everyone(api: TestClient) -> None:
    everyone = api.get("/contributions").json()["total"]
    answer = api.get("/contributions?contributor=")
    assert answer.status_code == 200 and answer.json()["total"] == everyone
    assert api.get("/contributions?contributor=nobody").status_code == 400


def test_a_part_header_that_is_no_latin_1_is_the_callers_mistake(contributor: PolyphonyClient) -> None:  # noqa: F811
    boundary = "b0"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\U000fd2aa\u00e9"\r\n\r\n{{}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f\u00fc\u4e2d.txt"\r\n\r\nhi\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {contributor.token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    answer = contributor.http.post("/contributions", content=body, headers=headers)
    assert 400 <= answer.status_code < 500 and answer.json()["error"]["code"]


def test_an_unexpected_error_is_answered_500_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    app: FastAPI = create_app()

    @app.get("/probe/bug")
    def bug() -> None:
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR):
        answer = TestClient(app, raise_server_exceptions=True).get("/probe/bug")
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal_error"
    assert "a bug" not in answer.text
    logged = [record for record in caplog.records if record.exc_info and "a bug" in str(record.exc_info[1])]
    assert len(logged) == 1


def test_the_document_lists_the_200_of_a_dataset_or_upload_made_before(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"200", "201"} <= set(paths["/datasets"]["post"]["responses"])
    assert {"200", "201"} <= set(paths["/contributions"]["post"]["responses"])
