"""`/pairs`: the followed pairs (CRUD). Plain `def` handlers: the session work runs in a thread."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from scalplab.api.deps import PairsDep, SessionDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.pairs import PairCreate, PairPatch, PairPublic, PairUpdate
from scalplab.storage.models import Pair

router = APIRouter(prefix="/pairs", tags=["pairs"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.get("", response_model=list[PairPublic])
def list_pairs(session: SessionDep, pairs: PairsDep) -> list[Pair]:
    """Every followed pair, oldest first."""
    return pairs.list(session)


@router.post("", response_model=PairPublic, status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_pair(body: PairCreate, session: SessionDep, pairs: PairsDep, response: Response) -> Pair:
    """Follow a pair: the symbol needs stored candles or exchange rules; params are checked."""
    pair = pairs.create(
        session, body.symbol, body.strategy, body.timeframe, body.params, body.enabled
    )
    response.headers["Location"] = f"/pairs/{pair.symbol}"
    return pair


@router.get("/{symbol}", response_model=PairPublic, responses=ERRORS)
def get_pair(symbol: str, session: SessionDep, pairs: PairsDep) -> Pair:
    """One followed pair."""
    return pairs.get(session, symbol)


@router.put("/{symbol}", response_model=PairPublic, responses=ERRORS)
def replace_pair(symbol: str, body: PairUpdate, session: SessionDep, pairs: PairsDep) -> Pair:
    """Set strategy, timeframe, params and enabled of a pair."""
    return pairs.replace(session, symbol, body.strategy, body.timeframe, body.params, body.enabled)


@router.patch("/{symbol}", response_model=PairPublic, responses=ERRORS)
def update_pair(symbol: str, body: PairPatch, session: SessionDep, pairs: PairsDep) -> Pair:
    """Change some fields of a pair."""
    return pairs.update(session, symbol, body.strategy, body.timeframe, body.params, body.enabled)


@router.delete("/{symbol}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_pair(symbol: str, session: SessionDep, pairs: PairsDep) -> None:
    """Stop following a pair."""
    pairs.delete(session, symbol)
