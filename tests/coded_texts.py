"""The SPA's English dictionary (`web/src/i18n/en.ts`) for the coded server texts: a
message's placeholders must be params the server sends (else the SPA falls back to the
English text), and the English message filled with the params says what the server said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

EN_TS = Path(__file__).resolve().parents[1] / "web" / "src" / "i18n" / "en.ts"
_ENTRY = re.compile(r'^\s*"([\w.]+)":\s*"((?:[^"\\]|\\.)*)",?\s*$')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def en_messages() -> dict[str, str]:
    """The English dictionary, key → message (one entry a line, as en.ts writes them)."""
    found: dict[str, str] = {}
    for line in EN_TS.read_text(encoding="utf-8").splitlines():
        match = _ENTRY.match(line)
        if match:
            found[match.group(1)] = match.group(2).replace('\\"', '"')
    return found


def english(prefix: str, code: str, params: Mapping[str, object]) -> str:
    """The SPA's English for `code` (parts joined by `+`, see `web/src/lib/reasons.ts`),
    numbers as `{:g}`; fails when a part has no message or names a param not sent."""
    said = ""
    for part in code.split("+"):
        key = f"{prefix}.{part}"
        assert key in en_messages(), f"no message {key}"
        message = en_messages()[key]
        missing = set(_PLACEHOLDER.findall(message)) - set(params)
        assert not missing, f"{key} names {sorted(missing)}, not in the params {sorted(params)}"
        text = _PLACEHOLDER.sub(lambda m: _shown(params[m.group(1)]), message)
        said = text if not said else f"{said}{' ' if said.endswith(':') else '; '}{text}"
    return said


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)
