"""`scalplab serve`: migrate, import the bundled sample into an empty store, run the server."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scalplab.config import get_settings

log = logging.getLogger(__name__)


def register(commands: Any) -> None:
    """Add the `serve` command."""
    serve_parser = commands.add_parser(
        "serve",
        help="run the API and the built web UI on one port",
        description="Run the HTTP API (and web/dist, when built). HOST and PORT come from "
        "the settings unless given here.",
    )
    serve_parser.add_argument("--host", help="interface to bind (default: HOST, 127.0.0.1)")
    serve_parser.add_argument(
        "--port", type=int, help="TCP port (default: PORT, 8000)", metavar="PORT"
    )
    serve_parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    """Prepare the data directory and database, then serve until interrupted."""
    import uvicorn

    from scalplab.api.app import create_app
    from scalplab.api.logs import configure_logging
    from scalplab.data.samples import ensure_samples
    from scalplab.storage.db import migrate

    settings = get_settings()
    configure_logging(settings)
    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    migrate(settings)
    if ensure_samples(settings.data_dir):
        log.info("imported the bundled sample candles into %s", settings.data_dir)
    app = create_app(settings, warm_worker=True)
    log.info("serving on http://%s:%d", host, port)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    return 0
