"""HTTP API: the FastAPI app, its routers, schemas, middleware and the backtest worker.

Routers are thin: they parse requests into service calls and map results to
schemas. Domain errors (`src.errors`) become JSON `{"detail": ...}` responses in
`src.api.errors`; nothing below this package knows about HTTP.
"""
