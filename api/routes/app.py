"""The web app (`web/`, built into `web/dist/` by `make setup`), served on the API's own origin so its sign-in
messages name this server's domain.

`/` redirects to `/app/`. `/app/assets/...` are the built bundles, named by their content hash, so a browser
keeps them for a year; every other `/app/...` path answers `index.html`, never cached, and the app shows the
page that path names, so a reload or a shared link works. Until the app is built, `/app/` answers a 503 that
says to run `make setup`.
"""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from polyphony.errors import NotFound, Unavailable

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
APP_PATH = "/app"

_IMMUTABLE = "public, max-age=31536000, immutable"  # the file name changes whenever the content does
_REVALIDATE = "no-cache"  # index.html names the current bundles: always check it is the latest
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

router = APIRouter(include_in_schema=False)


class AppNotBuilt(Unavailable):
    code = "app_not_built"


class NoSuchAsset(NotFound):
    code = "asset_not_found"


def _index(dist: Path) -> Path:
    index = dist / "index.html"
    if not index.is_file():
        raise AppNotBuilt("the web app is not built on this server: run `make setup` (it builds web/ into web/dist)")
    return index


def _asset(dist: Path, name: str) -> Path:
    assets = (dist / "assets").resolve()
    found = (assets / name).resolve()
    if not found.is_relative_to(assets) or not found.is_file():
        _index(dist)  # a missing build says so, rather than "no such file"
        raise NoSuchAsset(f"the web app has no asset {name!r}: reload the page to get the current bundles")
    return found


@router.api_route("/", methods=["GET", "HEAD"])
def root() -> RedirectResponse:
    """The web app is the front door."""
    return RedirectResponse(f"{APP_PATH}/", status_code=302)


@router.api_route(APP_PATH, methods=["GET", "HEAD"])
def app_without_slash() -> RedirectResponse:
    return RedirectResponse(f"{APP_PATH}/", status_code=308)


@router.api_route(APP_PATH + "/assets/{name:path}", methods=["GET", "HEAD"])
def asset(name: str) -> FileResponse:
    """One built bundle or style sheet."""
    return FileResponse(_asset(WEB_DIST, name), headers={"Cache-Control": _IMMUTABLE, **_HEADERS})


@router.api_route(APP_PATH + "/{page:path}", methods=["GET", "HEAD"])
def page(page: str) -> FileResponse:
    """Any page of the app: the app itself, which shows the page its path names."""
    return FileResponse(_index(WEB_DIST), media_type="text/html", headers={"Cache-Control": _REVALIDATE, **_HEADERS})
