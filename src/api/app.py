"""The application factory: `create_app(settings) -> FastAPI`.

The lifespan starts the application services (`scalplab.services.context.Services`:
migrations, crash recovery, strategy discovery, the engine and the backtest worker)
and closes them at shutdown; the app itself is HTTP only. Around the routes, from the
outside in: the request id and access log, the `Host` check, CORS, the token /
non-simple-request guard (`scalplab.api.auth`), the body-size limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware

from scalplab import __version__
from scalplab.api.auth import install_security
from scalplab.api.body_limit import BodySizeLimitMiddleware
from scalplab.api.errors import install_error_handlers
from scalplab.api.logs import configure_logging, install_request_id_stamping
from scalplab.api.middleware import RequestContextMiddleware
from scalplab.api.routes import API_PREFIXES, api_router
from scalplab.api.spa import DEFAULT_DIST, install_spa
from scalplab.config import Settings
from scalplab.services.context import Services

GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 6


def create_app(
    settings: Settings, web_dist: Path | None = None, warm_worker: bool = False
) -> FastAPI:
    """A configured app; `web_dist` is the SPA build (default: the checkout's `web/dist`);
    `warm_worker` starts the backtest worker process at start-up (`scalplab serve`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await run_in_threadpool(Services.start, settings, configure_logging)
        app.state.services = services
        if warm_worker:
            services.worker.warm()
        try:
            yield
        finally:
            await run_in_threadpool(services.close)

    app = FastAPI(
        title="ScalpLab",
        version=__version__,
        description="Backtests, market data and paper trading for Binance USDT-M perpetuals.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_request_id_stamping()
    install_error_handlers(app)
    app.include_router(api_router)
    install_spa(app, web_dist or DEFAULT_DIST, API_PREFIXES)
    app.add_middleware(BodySizeLimitMiddleware)  # inside the request-id / access-log layer
    # Results are megabytes of JSON and the SPA's bundle ~0.4 MB: sent gzip-encoded to a
    # client that accepts it (6-8× smaller); the event stream is never buffered by it.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    install_security(app, settings)  # the token / non-simple guard, CORS, the Host check
    app.add_middleware(RequestContextMiddleware)
    return app
