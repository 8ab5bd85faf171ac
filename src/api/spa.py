"""Serving the built SPA (`web/dist`) beside the API on the same port.

- Files of the build are served as they are; `/assets/*` (content-hashed by Vite)
  with a one-year immutable cache, everything else revalidated.
- History fallback: any other GET path that no API route handles returns
  `index.html`, so client-side routes survive a reload.
- The API lives at root paths (`/pairs`, `/backtests`, ...). A browser *navigation*
  to such a path (`Accept: text/html`, as a reload of the SPA's `/backtests` tab
  sends) gets `index.html` as well; the SPA's `fetch` calls (`Accept: */*` or
  `application/json`) reach the API. `/docs`, `/redoc`, `/openapi.json` and
  `/status/*` always answer as the API.
- Without a build, `/` answers a JSON 503 saying so; the API works regardless.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"
"""`web/dist` of the source checkout (override with `create_app(..., web_dist=...)`)."""

API_ONLY_PATHS = ("/docs", "/redoc", "/openapi.json", "/status")
"""Always answered by the API, browser or not (docs, health checks)."""
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def _inside(root: Path, relative: str) -> Path | None:
    """The file `relative` under `root`, or None if absent or outside it."""
    if not relative or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    try:
        candidate.relative_to(root)
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


class Spa:
    """The build directory and how to answer from it."""

    def __init__(self, dist: Path, api_prefixes: tuple[str, ...] = ()) -> None:
        self.dist = dist.resolve()
        self.api_prefixes = api_prefixes

    def is_api(self, path: str) -> bool:
        """True for a path (with its leading slash) owned by the API."""
        return any(path == p or path.startswith(p + "/") for p in self.api_prefixes)

    @property
    def built(self) -> bool:
        """True when `index.html` exists."""
        return (self.dist / "index.html").is_file()

    def index(self) -> Response:
        """`index.html`, never cached (it names the current assets)."""
        return FileResponse(self.dist / "index.html", headers={"Cache-Control": REVALIDATE})

    def not_built(self) -> Response:
        """The JSON 503 shown while there is no build."""
        return JSONResponse(
            {
                "detail": "the web UI is not built: run `npm ci && npm run build` in web/ "
                "(the API works without it; see /docs)"
            },
            status_code=503,
        )

    def respond(self, path: str) -> Response:
        """A build file, the history fallback, or a JSON 404/503."""
        if self.is_api("/" + path):
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        if not self.built:
            if path in ("", "index.html"):
                return self.not_built()
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        found = _inside(self.dist, path)
        if found is not None:
            cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
            return FileResponse(found, headers={"Cache-Control": cache})
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return self.index()


def spa_router(spa: Spa) -> APIRouter:
    """The catch-all GET route; include it after every API router."""
    router = APIRouter(include_in_schema=False)

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def serve_spa(path: str) -> Response:
        return spa.respond(path)

    return router


class SpaNavigationMiddleware:
    """Answers browser navigations to API paths with `index.html` (see module docstring)."""

    def __init__(self, app: ASGIApp, spa: Spa) -> None:
        self.app = app
        self.spa = spa

    def _is_navigation(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return False
        path: str = scope.get("path", "")
        if path.startswith(API_ONLY_PATHS):
            return False
        if not self.spa.is_api(path):
            return False
        for name, value in scope.get("headers", ()):
            if name == b"accept":
                return b"text/html" in value
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route navigations to the SPA, everything else to the app."""
        if self._is_navigation(scope) and self.spa.built:
            await self.spa.index()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_spa(app: FastAPI, dist: Path, api_prefixes: tuple[str, ...]) -> Spa:
    """Add the catch-all route and the navigation middleware to `app`."""
    spa = Spa(dist, api_prefixes)
    app.include_router(spa_router(spa))
    app.add_middleware(SpaNavigationMiddleware, spa=spa)
    return spa
