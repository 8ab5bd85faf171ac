"""Write the backend's OpenAPI schema to a file (input of the SPA's generated API types).

Usage, from `web/`: `../.venv/bin/python scripts/dump_openapi.py openapi.json`.
Builds the FastAPI app without starting it, so nothing is read or written in DATA_DIR.
The output is byte-for-byte reproducible (LF line ends on every platform), so
`scripts/check_api.sh` can compare it with the committed copy.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    """Dump the schema to `argv[0]` (stdout when absent)."""
    from scalplab.api.app import create_app
    from scalplab.config import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(DATA_DIR=data_dir))  # type: ignore[call-arg]
        text = json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8", newline="\n")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
