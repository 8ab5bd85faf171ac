"""Followed pairs: a strategy on a symbol, with its timeframe and params.

A symbol may be followed by several strategies (one book each), but a (symbol,
strategy) pair only once. Pairs are addressed by their id. The service opens its
own database session per call and returns `PairRecord`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scalplab.errors import ConflictError, NotFoundError
from scalplab.services.references import ParamValue, References
from scalplab.storage.db import Database
from scalplab.storage.models import Pair, utc_now


@dataclass(frozen=True, slots=True)
class PairRecord:
    """A followed pair as stored."""

    id: int
    symbol: str
    strategy: str
    timeframe: str
    params: Mapping[str, ParamValue]
    enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Pair) -> PairRecord:
        """The record of a `pairs` row."""
        return cls(
            id=row.id,
            symbol=row.symbol,
            strategy=row.strategy,
            timeframe=row.timeframe,
            params=dict(row.params),
            enabled=row.enabled,
            created_at=row.created_at,
        )


class PairService:
    """The `pairs` table behind validated operations."""

    def __init__(self, database: Database, references: References) -> None:
        self.database = database
        self.references = references

    def list(self) -> list[PairRecord]:
        """Every pair, oldest first."""
        with self.database.session() as session:
            rows = session.scalars(select(Pair).order_by(Pair.created_at, Pair.id))
            return [PairRecord.of(row) for row in rows]

    def get(self, pair_id: int) -> PairRecord:
        """One pair by id; `NotFoundError` if there is none."""
        with self.database.session() as session:
            return PairRecord.of(_row(session, pair_id))

    def create(
        self,
        symbol: str,
        strategy: str,
        timeframe: str,
        params: Mapping[str, object],
        enabled: bool = True,
    ) -> PairRecord:
        """Follow `symbol` with `strategy`; `ConflictError` if that pair is followed already."""
        name = self.references.known_symbol(symbol)
        checked = self._validated(strategy, timeframe, params)
        with self.database.session() as session:
            _check_free(session, name, strategy)
            row = Pair(
                symbol=name,
                strategy=strategy,
                timeframe=timeframe,
                params=checked,
                enabled=enabled,
                created_at=utc_now(),
            )
            session.add(row)
            _flush(session, name, strategy)
            return PairRecord.of(row)

    def replace(
        self,
        pair_id: int,
        strategy: str,
        timeframe: str,
        params: Mapping[str, object],
        enabled: bool,
    ) -> PairRecord:
        """Set every mutable field of a pair (PUT)."""
        checked = self._validated(strategy, timeframe, params)
        with self.database.session() as session:
            row = _row(session, pair_id)
            _check_free(session, row.symbol, strategy, pair_id)
            row.strategy, row.timeframe, row.params, row.enabled = (
                strategy,
                timeframe,
                checked,
                enabled,
            )
            _flush(session, row.symbol, strategy)
            return PairRecord.of(row)

    def update(
        self,
        pair_id: int,
        strategy: str | None = None,
        timeframe: str | None = None,
        params: Mapping[str, object] | None = None,
        enabled: bool | None = None,
    ) -> PairRecord:
        """Change the given fields (PATCH); params are re-checked against the strategy."""
        with self.database.session() as session:
            row = _row(session, pair_id)
            new_strategy = strategy if strategy is not None else row.strategy
            new_timeframe = timeframe if timeframe is not None else row.timeframe
            new_params = params if params is not None else row.params
            checked = self._validated(new_strategy, new_timeframe, new_params)
            _check_free(session, row.symbol, new_strategy, pair_id)
            row.strategy, row.timeframe, row.params = new_strategy, new_timeframe, checked
            if enabled is not None:
                row.enabled = enabled
            _flush(session, row.symbol, new_strategy)
            return PairRecord.of(row)

    def delete(self, pair_id: int) -> None:
        """Stop following a pair."""
        with self.database.session() as session:
            session.delete(_row(session, pair_id))

    def _validated(
        self, strategy: str, timeframe: str, params: Mapping[str, object]
    ) -> dict[str, ParamValue]:
        info = self.references.strategy(strategy)
        self.references.timeframe(timeframe)
        return self.references.params(info, params)


def _row(session: Session, pair_id: int) -> Pair:
    row = session.get(Pair, pair_id)
    if row is None:
        raise NotFoundError(f"no pair with id {pair_id}")
    return row


def _taken(symbol: str, strategy: str) -> ConflictError:
    return ConflictError(f"pair {symbol} with strategy {strategy} is already in the list")


def _check_free(session: Session, symbol: str, strategy: str, pair_id: int | None = None) -> None:
    """`ConflictError` when another pair already follows `symbol` with `strategy`."""
    query = select(Pair.id).where(Pair.symbol == symbol, Pair.strategy == strategy)
    if pair_id is not None:
        query = query.where(Pair.id != pair_id)
    if session.scalar(query) is not None:
        raise _taken(symbol, strategy)


def _flush(session: Session, symbol: str, strategy: str) -> None:
    """Write the change now, so a concurrent duplicate is a conflict, not a database error."""
    try:
        session.flush()
    except IntegrityError:
        raise _taken(symbol, strategy) from None
