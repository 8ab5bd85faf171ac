"""``python -m src`` is the ``scalplab`` console script."""

from src.cli import main

raise SystemExit(main())
