"""The API's surface as a client meets it, through the real API: every list answers one page shape, a bearer token
that went bad is refused on every route, the docs work offline, and the OpenAPI describes the multipart bodies."""

import re
import time
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from httpx import Response

from api.deps import get_redis
from api.main import create_app
from cli.client import PolyphonyClient
from polyphony.auth.tokens import issue_token
from polyphony.settings import Settings
from tests.support.contributor_flows import FORM, upload

PAGE_FIELDS = {"items", "total", "offset", "limit"}


@pytest.fixture
def api(settings: Settings, redis_url: str) -> TestClient:
    """The API, called anonymously."""
    return TestClient(create_app(), base_url=settings.effective_public_url)


@pytest.fixture
def openapi(api: TestClient) -> dict[str, Any]:
    return dict(api.get("/openapi.json").json())


def _schema(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a top-level $ref followed."""
    ref = schema.get("$ref")
    return schema if ref is None else dict(openapi["components"]["schemas"][ref.rsplit("/", 1)[1]])


def _answer_schemas(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The JSON schema of each operation's successful answer, by (method, path)."""
    found = {}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status in ("200", "201", "202"):
                content = operation.get("responses", {}).get(status, {}).get("content", {})
                if "application/json" in content:
                    found[(method, path)] = _schema(openapi, content["application/json"]["schema"])
    return found


def _list_routes(openapi: dict[str, Any]) -> list[str]:
    """The GET paths that take `offset`: the lists."""
    return [
        path for path, operations in openapi["paths"].items()
        if any(p["name"] == "offset" for p in operations.get("get", {}).get("parameters", []))
    ]  # fmt: skip


def test_no_route_answers_a_bare_list_and_every_list_is_one_page_shape(openapi: dict[str, Any]) -> None:
    answers = _answer_schemas(openapi)
    bare = [route for route, schema in answers.items() if schema.get("type") == "array"]
    assert bare == [], f"answer a page or an object, not a bare list: {bare}"

    lists = _list_routes(openapi)
    assert {"/contributions", "/models", "/proposals/{proposal_id}/votes", "/datasets", "/tombstones"} <= set(lists)
    for path in lists:
        page = answers[("get", path)]
        # The page's fields, and perhaps what the whole list is about (a deletion feed's round and date).
        assert set(page["required"]) >= PAGE_FIELDS and set(page["properties"]) >= PAGE_FIELDS, path
        assert page["properties"]["items"]["type"] == "array", path
        limit = next(p for p in openapi["paths"][path]["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["minimum"] == 1 and 1 < limit["schema"]["maximum"] <= 1000, path
    # An object that carries a list of items is a page, and so it is a list route with offset and limit.
    for (method, path), schema in answers.items():
        if method == "get" and "items" in schema.get("properties", {}):
            assert path in lists, path
    recorded = answers[("post", "/models")]
    assert {"tx_hash", "models"} <= set(recorded["properties"])


def test_every_list_route_answers_a_page_for_real_and_refuses_a_limit_out_of_bounds(
    api: TestClient, openapi: dict[str, Any], deployment: Any
) -> None:
    reachable = [path for path in _list_routes(openapi) if "{" not in path]
    assert len(reachable) >= 4
    for path in reachable:
        answer = api.get(path, params={"limit": 1})
        assert answer.status_code == 200, (path, answer.text)
        page = answer.json()
        assert set(page) == PAGE_FIELDS, path
        assert (page["offset"], page["limit"]) == (0, 1) and len(page["items"]) <= 1, path
        assert page["total"] >= len(page["items"]), path
        for limit in (0, 10**6):
            refused = api.get(path, params={"limit": limit})
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_request"), path


def test_a_page_holds_at_most_limit_items_of_the_total(contributor: PolyphonyClient) -> None:
    made = [upload(contributor, content=f'{{"n": {n}}}\n'.encode())["id"] for n in range(3)]
    mine = {"contributor": contributor.account.address}

    first = contributor.call("GET", "/contributions", params={**mine, "limit": 2})
    rest = contributor.call("GET", "/contributions", params={**mine, "limit": 2, "offset": 2})
    past = contributor.call("GET", "/contributions", params={**mine, "offset": 10})

    assert (first["total"], rest["total"], past["total"]) == (3, 3, 3)
    assert [c["id"] for c in first["items"] + rest["items"]] == sorted(made, reverse=True)
    assert past["items"] == []
    assert [c["id"] for c in contributor.every("/contributions", contributor=contributor.account.address)] == sorted(
        made, reverse=True
    )


def _refused_token(response: Response) -> str:
    """The message of a 401 `invalid_token`, checked to be RFC 6750's answer in body and header."""
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_token"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    description = re.fullmatch(r'Bearer error="invalid_token", error_description="([^"\\]*)"', challenge)
    assert description is not None and description.group(1) == error["message"]
    return str(error["message"])


@pytest.mark.parametrize("path", ["/contributions", "/tombstones", "/health", "/docs", "/auth/nonce"])
def test_a_token_never_issued_is_refused_on_a_public_route(api: TestClient, path: str) -> None:
    assert api.get(path).status_code in (200, 503)  # open without a token (/health: 503 if a part is down)
    message = _refused_token(api.get(path, headers={"Authorization": "Bearer abc.def.ghi"}))
    assert "never issued" in message


def test_an_expired_token_is_refused_as_expired_on_a_public_route(api: TestClient) -> None:
    token = issue_token(get_redis(), address=Account.create().address, ttl_s=60, now=time.time() - 3600)
    message = _refused_token(api.get("/contributions", headers={"Authorization": f"Bearer {token.token}"}))
    assert "expired" in message and "never issued" not in message


def test_a_signed_out_token_is_refused_as_revoked_on_every_route(contributor: PolyphonyClient) -> None:
    token = {"Authorization": f"Bearer {contributor.token}"}
    assert contributor.http.get("/contributions", headers=token).status_code == 200  # a good token opens it
    assert contributor.http.post("/auth/logout", headers=token).status_code == 204

    for method, path in (("GET", "/contributions"), ("GET", "/auth/me"), ("POST", "/auth/logout")):
        message = _refused_token(contributor.http.request(method, path, headers=token))
        assert "revoked" in message, (method, path)


def test_a_header_of_another_scheme_is_no_bearer_token_and_a_public_route_answers(api: TestClient) -> None:
    assert api.get("/contributions", headers={"Authorization": "Basic d2FsbGV0OnB3"}).status_code == 200


def _assets(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


@pytest.mark.parametrize(("page", "kinds"), [("/docs", {"javascript", "css"}), ("/redoc", {"javascript"})])
def test_the_docs_load_only_assets_this_server_serves(api: TestClient, page: str, kinds: set[str]) -> None:
    html = api.get(page)
    assert html.status_code == 200
    assets = _assets(html.text)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    assert "http://" not in html.text and "https://" not in html.text
    served = set()
    for url in assets:
        answer = api.get(url)
        assert answer.status_code == 200 and len(answer.content) > 1000, url
        served |= {kind for kind in kinds if kind in answer.headers["content-type"]}
    assert served == kinds
    assert api.get("/openapi.json").status_code == 200


def _form(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    body = openapi["paths"][path]["post"]["requestBody"]
    assert body["required"] is True
    return dict(body["content"]["multipart/form-data"]["schema"])


def test_the_openapi_describes_the_uploads_multipart_body(openapi: dict[str, Any]) -> None:
    form = _form(openapi, "/contributions")
    fields = {"file", "title", "description", "license", "modality", "language", "consent", "text_field", "topic"}
    assert set(form["properties"]) == fields
    assert form["properties"]["file"] == {**form["properties"]["file"], "type": "string", "format": "binary"}
    assert set(form["required"]) == {"file", "title", "license", "modality", "consent"}
    assert form["properties"]["modality"]["enum"] == ["text", "tabular", "image"]
    assert all(schema.get("description") for schema in form["properties"].values())
    preview = _form(openapi, "/scores/preview")
    assert preview["required"] == ["file"] and preview["properties"]["text_field"] == form["properties"]["text_field"]


@pytest.mark.parametrize("field", ["title", "license", "modality", "consent"])
def test_each_field_the_openapi_calls_required_is_required(contributor: PolyphonyClient, field: str) -> None:
    form = {name: value for name, value in FORM.items() if name != field}
    answer = contributor.http.post(
        "/contributions", data=form, files={"file": ("a.jsonl", b'{"a": 1}\n', "application/octet-stream")},
        headers={"Authorization": f"Bearer {contributor.token}"},
    )  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["error"]["message"].lower()
