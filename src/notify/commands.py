"""The bot's commands and buttons, for an allow-list of Telegram user ids only.

Every message that is a command and every button press (callback query) goes through
ONE handler each, and each checks the sender's user id against the allow-list before
anything else (deny by default: an empty list lets nobody command). A stranger is
logged by user id only and refused with a reply (an alert for a button); nothing is
acted on. Commands call the same typed services as the REST API, in a worker thread
so the bot's loop never blocks on the engine or the database:

- `/status`, `/positions`, `/stats`, `/daily [YYYY-MM-DD]`, `/help` (`/start`) read;
- `/heat [strategy]`, `/pnl [YYYY-MM-DD]`, `/winrate`, `/drawdown` read the books'
  risk and results (`PortfolioService`; seed 002 §10.2, DECISIONS.md §8);
- `/pending` lists each open confirmation with Confirm / Reject buttons;
- `/pause` and `/resume` drive the kill switch (`TradingControl`, source `telegram`);
- `/close_all` first asks, with a button holding a one-time ticket valid for
  `close_ttl_s`; only that press closes the positions (and halts new entries).

A button for a confirmation that is unknown or no longer open (expired, resolved) and a
close-all ticket that expired answer "expired", remove the stale buttons and do nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from scalplab.errors import ConflictError, NotFoundError, ScalpLabError
from scalplab.notify.formatting import utc_day
from scalplab.notify.messages import (
    CLOSE_ALL,
    CLOSE_CANCEL,
    CONFIRM,
    REJECT,
    confirmation_buttons,
    pending_text,
)
from scalplab.notify.notifier import Notifier, keyboard
from scalplab.notify.portfolio_replies import drawdown_text, heat_text, pnl_text, winrate_text
from scalplab.notify.redact import scrub
from scalplab.notify.rendered import Button, Rendered
from scalplab.notify.replies import (
    EXPIRED,
    NOT_ALLOWED,
    close_all_prompt,
    closed_all_text,
    help_text,
    paused_text,
    positions_text,
    resumed_text,
    stats_text,
    status_text,
)
from scalplab.notify.reports import daily_report
from scalplab.services.orders import OrderService
from scalplab.services.portfolio import PortfolioService
from scalplab.services.simulation import SimulationService
from scalplab.services.status import HealthService
from scalplab.services.trading import TradingControl

log = logging.getLogger(__name__)

SOURCE = "telegram"
"""The kill switch's `source` for actions taken from Telegram."""
CLOSE_TTL_S = 60.0
Context = ContextTypes.DEFAULT_TYPE


@dataclass(frozen=True, slots=True)
class BotServices:
    """The typed services the commands call (the REST API's own)."""

    simulation: SimulationService
    orders: OrderService
    trading: TradingControl
    health: HealthService
    portfolio: PortfolioService


def command_of(text: str, bot_username: str | None) -> str | None:
    """`/status@my_bot args` → `status`; None when addressed to another bot."""
    word = text.split(maxsplit=1)[0] if text.strip() else ""
    if not word.startswith("/"):
        return None
    name, _, target = word[1:].partition("@")
    if target and bot_username and target.lower() != bot_username.lower():
        return None
    return name.lower()


class CommandRouter:
    """Installs the command and button handlers on an `Application`."""

    def __init__(
        self,
        services: BotServices,
        notifier: Notifier,
        allowed_users: frozenset[int],
        close_ttl_s: float = CLOSE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self.notifier = notifier
        self.allowed_users = allowed_users
        self.close_ttl_s = close_ttl_s
        self._clock = clock
        self._wall = wall
        self._tickets: dict[str, float] = {}
        self.refused = 0
        """Commands and button presses refused to users outside the allow-list."""

    def install(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """One handler for every command, one for every button, and an error handler."""
        app.add_handler(MessageHandler(filters.COMMAND, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)

    def allowed(self, user_id: int | None) -> bool:
        """Deny by default: only ids on the allow-list."""
        return user_id is not None and user_id in self.allowed_users

    # ----- commands ------------------------------------------------------------------------

    async def on_command(self, update: Update, context: Context) -> None:
        """Check the sender, then run the command."""
        message = update.effective_message
        user = update.effective_user
        if message is None or message.text is None:
            return
        name = command_of(message.text, context.bot.username)
        if name is None:
            return
        if user is None or not self.allowed(user.id):
            self.refused += 1
            log.warning(
                "refused a Telegram command from user id %s (not in TELEGRAM_ALLOWED_USERS)",
                None if user is None else user.id,
            )
            await message.reply_text(NOT_ALLOWED)
            return
        args = message.text.split()[1:]
        try:
            await self._run(name, args, update, user.id)
        except ScalpLabError as exc:
            await message.reply_text(f"⚠️ {exc.message}")

    async def _run(self, name: str, args: list[str], update: Update, user_id: int) -> None:
        message = update.effective_message
        assert message is not None
        s = self.services
        if name in ("help", "start"):
            await message.reply_text(help_text())
        elif name == "status":
            await message.reply_text(await asyncio.to_thread(self._status))
        elif name == "positions":
            await message.reply_text(positions_text(s.simulation.positions()))
        elif name == "pending":
            await self._pending(update)
        elif name == "pause":
            state = await asyncio.to_thread(
                s.trading.halt, f"paused from Telegram by user {user_id}", SOURCE
            )
            log.info("trading halted from Telegram by user id %d", user_id)
            await message.reply_text(paused_text(state.state))
        elif name == "resume":
            resumed = await asyncio.to_thread(s.trading.resume, SOURCE)
            log.info("trading resumed from Telegram by user id %d", user_id)
            await message.reply_text(resumed_text(resumed))
        elif name == "close_all":
            await self._ask_close_all(update)
        elif name == "stats":
            await message.reply_text(stats_text(await asyncio.to_thread(s.simulation.performance)))
        elif name == "daily":
            day = args[0] if args else utc_day(self._wall())
            report = await asyncio.to_thread(daily_report, s.simulation, day, True)
            await message.reply_text(report.render().text)
        elif name == "heat":
            strategy = args[0] if args else None
            heat = await asyncio.to_thread(s.portfolio.heat, strategy)
            await message.reply_text(heat_text(heat, strategy))
        elif name == "pnl":
            day = args[0] if args else utc_day(self._wall())
            await message.reply_text(pnl_text(await asyncio.to_thread(s.portfolio.pnl, day)))
        elif name == "winrate":
            await message.reply_text(winrate_text(await asyncio.to_thread(s.portfolio.win_rates)))
        elif name == "drawdown":
            await message.reply_text(drawdown_text(await asyncio.to_thread(s.portfolio.drawdown)))
        else:
            await message.reply_text(f"Unknown command /{name}.\n\n{help_text()}")

    def _status(self) -> str:
        s = self.services
        return status_text(
            s.simulation.status(),
            s.health.check(),
            s.trading.state(),
            s.simulation.portfolio(),
            len(s.orders.pending()),
            self.notifier.health(),
        )

    async def _pending(self, update: Update) -> None:
        message = update.effective_message
        assert message is not None
        views = await asyncio.to_thread(self.services.orders.pending)
        if not views:
            await message.reply_text("No confirmation is waiting.")
            return
        for view in views:
            rendered = Rendered(pending_text(view, "open"), confirmation_buttons(view.pending.id))
            sent = await message.reply_text(rendered.text, reply_markup=keyboard(rendered))
            self.notifier.remember_prompt(view.pending.id, sent.chat_id, sent.message_id)

    async def _ask_close_all(self, update: Update) -> None:
        message = update.effective_message
        assert message is not None
        positions = self.services.simulation.positions()
        self._forget_expired()
        ticket = secrets.token_hex(8)
        self._tickets[ticket] = self._clock() + self.close_ttl_s
        rendered = Rendered(
            close_all_prompt(positions),
            (
                (
                    Button("🛑 Yes, close all", CLOSE_ALL + ticket),
                    Button("Cancel", CLOSE_CANCEL + ticket),
                ),
            ),
        )
        await message.reply_text(rendered.text, reply_markup=keyboard(rendered))

    def _forget_expired(self) -> None:
        now = self._clock()
        for ticket, expires in list(self._tickets.items()):
            if expires <= now:
                del self._tickets[ticket]

    # ----- buttons -------------------------------------------------------------------------

    async def on_button(self, update: Update, context: Context) -> None:
        """Check the presser, then act on the button (once)."""
        query = update.callback_query
        if query is None:
            return
        user_id = query.from_user.id
        if not self.allowed(user_id):
            self.refused += 1
            log.warning(
                "refused a Telegram button press from user id %d (not in TELEGRAM_ALLOWED_USERS)",
                user_id,
            )
            await query.answer(NOT_ALLOWED, show_alert=True)
            return
        data = query.data or ""
        try:
            if data.startswith((CONFIRM, REJECT)):
                await self._resolve(update, data, user_id)
            elif data.startswith(CLOSE_ALL):
                await self._close_all(update, data.removeprefix(CLOSE_ALL), user_id)
            elif data.startswith(CLOSE_CANCEL):
                self._tickets.pop(data.removeprefix(CLOSE_CANCEL), None)
                await query.answer("Cancelled: nothing was closed.")
                await query.edit_message_text("Close all cancelled: nothing was closed.")
            else:
                await self._expired(update)
        except ScalpLabError as exc:
            await query.answer(f"⚠️ {exc.message}"[:200], show_alert=True)

    async def _resolve(self, update: Update, data: str, user_id: int) -> None:
        query = update.callback_query
        assert query is not None
        confirm = data.startswith(CONFIRM)
        pending_id = data[len(CONFIRM) :]
        message = query.message
        if message is not None:  # the event of the resolution edits this prompt
            self.notifier.remember_prompt(pending_id, message.chat.id, message.message_id)
        action = self.services.orders.confirm if confirm else self.services.orders.reject
        try:
            order = await asyncio.to_thread(action, pending_id)
        except (NotFoundError, ConflictError) as exc:
            log.info("Telegram button for confirmation %s: %s", pending_id, exc.message)
            await self._expired(update)
            return
        verb = "confirmed" if confirm else "rejected"
        log.info("confirmation %s %s from Telegram by user id %d", pending_id, verb, user_id)
        await query.answer(f"{'✅' if confirm else '❌'} {verb.capitalize()}: order {order.status}")

    async def _close_all(self, update: Update, ticket: str, user_id: int) -> None:
        query = update.callback_query
        assert query is not None
        self._forget_expired()
        if self._tickets.pop(ticket, None) is None:
            await self._expired(update)
            return
        result = await asyncio.to_thread(
            self.services.trading.halt,
            f"close all from Telegram by user {user_id}",
            SOURCE,
            True,
        )
        log.warning(
            "close all confirmed from Telegram by user id %d: %d positions",
            user_id,
            len(result.closed),
        )
        await query.answer(f"Closing {len(result.closed)} position(s)")
        await query.edit_message_text(closed_all_text(result, user_id))

    async def _expired(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(EXPIRED, show_alert=True)
        with contextlib.suppress(BadRequest):  # no buttons left to remove
            await query.edit_message_reply_markup(reply_markup=None)

    # ----- errors --------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log a handler's failure without the token (and without the update's content)."""
        error = context.error
        text = "unknown error" if error is None else f"{type(error).__name__}: {error}"
        log.error("Telegram handler failed: %s", scrub(text))
