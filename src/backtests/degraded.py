"""A degraded run's substitutions as the backtest index keeps them.

A result lists them twice: `degraded`, one English line each (the CLI's and the JSON's
contract since degraded mode came), and `degraded_codes`, the same in the same order as
a code and its params (`scalplab.data.features.pipeline.Substitution`), for front ends
that translate them; a result stored before codes has only the lines. The index row's
`degraded` column keeps a line as text, or, when the result has its code, as
`{"text", "code", "params"}`; `split` reads either back.
"""

from __future__ import annotations

from dataclasses import dataclass

from scalplab.errors import DataError

DegradedParams = dict[str, float | str]


@dataclass(frozen=True, slots=True)
class DegradedCode:
    """One substitution as a code (`kline_flow`, `funding_missing`, …) and its params
    (`data`, `days`, `first`, `last`, `count`)."""

    code: str
    params: DegradedParams


def index_items(lines: object, codes: object) -> list[str | dict[str, object]]:
    """The index column's items for a result's `degraded` and `degraded_codes` (codes are
    kept only when there is one per line, each with a text code)."""
    if lines is None:
        return []
    if not isinstance(lines, list):
        raise DataError("backtest result is malformed: degraded is not a list")
    texts = [str(line) for line in lines]
    found = _codes(codes)
    if found is None or len(found) != len(texts):
        return list(texts)
    return [
        {"text": text, "code": code.code, "params": dict(code.params)}
        for text, code in zip(texts, found, strict=True)
    ]


def split(items: object) -> tuple[list[str], list[DegradedCode]]:
    """An index column's lines and their codes (no codes unless every line has one)."""
    if not isinstance(items, list):
        return [], []
    texts = [str(item.get("text", "")) if isinstance(item, dict) else str(item) for item in items]
    found = _codes(items)
    return texts, (found if found is not None and len(found) == len(texts) else [])


def _codes(value: object) -> list[DegradedCode] | None:
    """The items' codes, None when any item has none (or it is not a list)."""
    if not isinstance(value, list):
        return None
    found: list[DegradedCode] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            return None
        params = item.get("params")
        found.append(
            DegradedCode(
                item["code"],
                {
                    str(k): v if isinstance(v, str) else float(v)
                    for k, v in (params.items() if isinstance(params, dict) else ())
                    if isinstance(v, (str, int, float))
                },
            )
        )
    return found
