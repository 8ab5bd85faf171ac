"""Pydantic request/response schemas, one module per resource.

Families follow `XCreate` (POST body), `XUpdate` (PUT body), `XPatch` (PATCH body)
and `XPublic` (what the API returns). Request bodies refuse unknown fields.
"""
