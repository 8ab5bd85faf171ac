"""``python -m scalplab`` (and ``python -m src`` from the repository root) is the console script."""

from scalplab.cli import main

raise SystemExit(main())
