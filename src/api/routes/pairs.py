"""`/pairs`: the followed pairs (CRUD by id). Plain `def` handlers: they run in a thread."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from scalplab.api.deps import PairsDep
from scalplab.api.schemas.common import ErrorPublic
from scalplab.api.schemas.pairs import PairCreate, PairPatch, PairPublic, PairUpdate

router = APIRouter(prefix="/pairs", tags=["pairs"])

ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorPublic},
    409: {"model": ErrorPublic},
    422: {"model": ErrorPublic},
}


@router.get("", response_model=list[PairPublic])
def list_pairs(pairs: PairsDep) -> list[PairPublic]:
    """Every followed pair, oldest first."""
    return [PairPublic.model_validate(pair, from_attributes=True) for pair in pairs.list()]


@router.post("", response_model=PairPublic, status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_pair(body: PairCreate, pairs: PairsDep, response: Response) -> PairPublic:
    """Follow a symbol with a strategy: the symbol needs stored candles or exchange rules,
    params are checked; 409 when that (symbol, strategy) pair is followed already."""
    pair = pairs.create(body.symbol, body.strategy, body.timeframe, body.params, body.enabled)
    response.headers["Location"] = f"/pairs/{pair.id}"
    return PairPublic.model_validate(pair, from_attributes=True)


@router.get("/{pair_id}", response_model=PairPublic, responses=ERRORS)
def get_pair(pair_id: int, pairs: PairsDep) -> PairPublic:
    """One followed pair."""
    return PairPublic.model_validate(pairs.get(pair_id), from_attributes=True)


@router.put("/{pair_id}", response_model=PairPublic, responses=ERRORS)
def replace_pair(pair_id: int, body: PairUpdate, pairs: PairsDep) -> PairPublic:
    """Set strategy, timeframe, params and enabled of a pair."""
    pair = pairs.replace(pair_id, body.strategy, body.timeframe, body.params, body.enabled)
    return PairPublic.model_validate(pair, from_attributes=True)


@router.patch("/{pair_id}", response_model=PairPublic, responses=ERRORS)
def update_pair(pair_id: int, body: PairPatch, pairs: PairsDep) -> PairPublic:
    """Change some fields of a pair."""
    pair = pairs.update(pair_id, body.strategy, body.timeframe, body.params, body.enabled)
    return PairPublic.model_validate(pair, from_attributes=True)


@router.delete("/{pair_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete_pair(pair_id: int, pairs: PairsDep) -> None:
    """Stop following a pair."""
    pairs.delete(pair_id)
