"""HTTP API: the FastAPI app, its routers, schemas, middleware and the backtest worker.

Routers are thin: they parse requests into service calls and map results to
schemas. Domain errors (`scalplab.errors`) become JSON `{"detail": ...}` responses in
`scalplab.api.errors`; nothing below this package knows about HTTP.
"""
