"""The application service layer: the queries and actions every front end calls.

The REST API (`scalplab.api`) and a chat bot are thin callers of these services
(freqtrade's RPC idea, with a public API). A service owns its database sessions,
returns typed records (frozen dataclasses or the domain's own records, never ORM
rows or JSON dicts) and raises the domain's errors (`scalplab.errors`); how a
record or an error looks on the wire is the front end's business.
`context.Services` builds every service at start-up and closes them at shutdown.
"""
