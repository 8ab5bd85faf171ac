"""Followed pairs: CRUD with validation of symbol, strategy, timeframe and params."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scalplab.api.services.references import ParamValue, References
from scalplab.data.symbols import normalize_symbol
from scalplab.errors import ConflictError, NotFoundError
from scalplab.storage.models import Pair, utc_now


class PairService:
    """The `pairs` table behind validated operations; callers pass the session."""

    def __init__(self, references: References) -> None:
        self.references = references

    def list(self, session: Session) -> list[Pair]:
        """Every pair, oldest first."""
        return list(session.scalars(select(Pair).order_by(Pair.created_at, Pair.id)))

    def get(self, session: Session, symbol: str) -> Pair:
        """One pair by symbol; `NotFoundError` if it is not followed."""
        name = normalize_symbol(symbol)
        pair = session.scalar(select(Pair).where(Pair.symbol == name))
        if pair is None:
            raise NotFoundError(f"pair {name} is not in the list")
        return pair

    def create(
        self,
        session: Session,
        symbol: str,
        strategy: str,
        timeframe: str,
        params: Mapping[str, object],
        enabled: bool = True,
    ) -> Pair:
        """Add a pair; `ConflictError` if the symbol is already followed."""
        name = self.references.known_symbol(symbol)
        checked = self._validated(strategy, timeframe, params)
        if session.scalar(select(Pair.id).where(Pair.symbol == name)) is not None:
            raise ConflictError(f"pair {name} is already in the list")
        pair = Pair(
            symbol=name,
            strategy=strategy,
            timeframe=timeframe,
            params=checked,
            enabled=enabled,
            created_at=utc_now(),
        )
        session.add(pair)
        self._commit(session, name)
        return pair

    def replace(
        self,
        session: Session,
        symbol: str,
        strategy: str,
        timeframe: str,
        params: Mapping[str, object],
        enabled: bool,
    ) -> Pair:
        """Set every mutable field of a pair (PUT)."""
        pair = self.get(session, symbol)
        checked = self._validated(strategy, timeframe, params)
        pair.strategy, pair.timeframe, pair.params, pair.enabled = (
            strategy,
            timeframe,
            checked,
            enabled,
        )
        self._commit(session, pair.symbol)
        return pair

    def update(
        self,
        session: Session,
        symbol: str,
        strategy: str | None = None,
        timeframe: str | None = None,
        params: Mapping[str, object] | None = None,
        enabled: bool | None = None,
    ) -> Pair:
        """Change the given fields (PATCH); params are re-checked against the strategy."""
        pair = self.get(session, symbol)
        new_strategy = strategy if strategy is not None else pair.strategy
        new_timeframe = timeframe if timeframe is not None else pair.timeframe
        new_params = params if params is not None else pair.params
        checked = self._validated(new_strategy, new_timeframe, new_params)
        pair.strategy, pair.timeframe, pair.params = new_strategy, new_timeframe, checked
        if enabled is not None:
            pair.enabled = enabled
        self._commit(session, pair.symbol)
        return pair

    def delete(self, session: Session, symbol: str) -> None:
        """Stop following a pair."""
        pair = self.get(session, symbol)
        session.delete(pair)
        session.commit()

    def _validated(
        self, strategy: str, timeframe: str, params: Mapping[str, object]
    ) -> dict[str, ParamValue]:
        info = self.references.strategy(strategy)
        self.references.timeframe(timeframe)
        return self.references.params(info, params)

    @staticmethod
    def _commit(session: Session, symbol: str) -> None:
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ConflictError(f"pair {symbol} is already in the list") from None
