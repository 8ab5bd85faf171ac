"""The API's service layer: the queries and actions routers call (no HTTP here)."""
