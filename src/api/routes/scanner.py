"""`/scanner`: the market scan (seed 002 §2). `GET` the latest, `POST /scanner/refresh` to
scan now, `PATCH` to switch the auto universe. Plain `def` handlers: they run in a thread."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from scalplab.api.deps import ScannerDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.scanner import ScannerPatch, ScannerPublic

router = APIRouter(prefix="/scanner", tags=["scanner"])

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorPublic},
    503: {"model": ErrorPublic, "description": "Binance could not be read (try again)"},
}


@router.get("", response_model=ScannerPublic)
def get_scanner(scanner: ScannerDep) -> ScannerPublic:
    """The latest scan, whether the scanner refreshes, and the auto universe."""
    return ScannerPublic.of(scanner.state())


@router.post("/refresh", response_model=ScannerPublic, responses=ERRORS)
def refresh_scanner(scanner: ScannerDep) -> ScannerPublic:
    """Scan now (and apply the auto universe when it is on); a failure keeps the previous
    scan and answers 503 (Binance unreachable) or 422 (a malformed answer)."""
    return ScannerPublic.of(scanner.refresh())


@router.patch("", response_model=ScannerPublic, responses=ERRORS)
def patch_scanner(body: ScannerPatch, scanner: ScannerDep) -> ScannerPublic:
    """Switch the auto universe (on: the latest scan is applied at once)."""
    return ScannerPublic.of(scanner.set_auto_universe(body.auto_universe))
