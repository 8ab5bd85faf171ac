"""The bot's commands and buttons through the fake Bot API, on the real services.

People are played by the fake (`send_command`, `press_button`); what the bot answered
is read back from it; what the bot did is read from the same services the REST API uses.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import pytest

from scalplab.notify.fake_bot_api import FakeBotApi, SentMessage
from scalplab.notify.messages import CLOSE_ALL, CLOSE_CANCEL, CONFIRM, REJECT
from scalplab.notify.replies import EXPIRED, NOT_ALLOWED
from scalplab.notify.runtime import TelegramRuntime
from scalplab.orders.models import Bar
from scalplab.services.context import Services
from scalplab.simulation.runner import StepExecutor
from tests.notify.conftest import (
    FAST,
    GROUP,
    OWNER,
    STRANGER,
    TOKEN,
    MakeRuntime,
    long_signal,
    step,
    trade_pair,
    wait_until,
)


@pytest.fixture
def bot(make_runtime: MakeRuntime) -> MakeRuntime:
    """Runtimes whose notifications go to the group `GROUP`: the private chats of the
    people hold only the bot's replies to them."""

    def make(**kwargs: Any) -> TelegramRuntime:
        return make_runtime(**{"TELEGRAM_CHAT_ID": str(GROUP), **kwargs})

    return make


def ask(fake: FakeBotApi, user_id: int, text: str, replies: int = 1) -> list[SentMessage]:
    """Send `text` as `user_id` and return the bot's next `replies` messages to that chat."""
    before = len(fake.sent(user_id))
    fake.send_command(user_id, text)
    wait_until(lambda: len(fake.sent(user_id)) >= before + replies, what=f"a reply to {text}")
    return fake.sent(user_id)[before:]


def press(fake: FakeBotApi, user_id: int, message: SentMessage, data: str) -> str:
    """Press a button as `user_id`; the text of the bot's answer to the press."""
    query = fake.press_button(user_id, message.message_id, data)
    wait_until(lambda: any(a.callback_query_id == query for a in fake.answers), what="an answer")
    return next(a.text for a in fake.answers if a.callback_query_id == query)


def awaiting_confirmation(services: Services, bars: list[Bar]) -> StepExecutor:
    """Confirmation on, 20 plain bars, a long signal on bar 20: one order waits."""
    services.runtime_settings.update({"confirm_orders": True})
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    return ex


def test_a_stranger_is_refused_on_every_command_and_nothing_is_done(
    bot: MakeRuntime,
    services: Services,
    fake: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = bot()
    caplog.set_level(logging.INFO)
    for command in ("/status", "/pause", "/close_all", "/pending", "/resume", "/nonsense"):
        [reply] = ask(fake, STRANGER, command)
        assert reply.text == NOT_ALLOWED and reply.buttons == []
    assert not services.trading.state().halted
    assert runtime.router.refused == 6
    refusals = [
        r.getMessage() for r in caplog.records if "refused a Telegram command" in r.getMessage()
    ]
    assert (
        refusals
        == [f"refused a Telegram command from user id {STRANGER} (not in TELEGRAM_ALLOWED_USERS)"]
        * 6
    )


def test_an_empty_allow_list_lets_nobody_command(
    bot: MakeRuntime, services: Services, fake: FakeBotApi
) -> None:
    bot(TELEGRAM_ALLOWED_USERS="")
    [reply] = ask(fake, OWNER, "/pause")
    assert reply.text == NOT_ALLOWED
    assert not services.trading.state().halted


def test_read_commands_answer_from_the_services(
    bot: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    bot()
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    step(ex, bars[21])  # the entry fills at bar 21's open

    [status] = ask(fake, OWNER, "/status")
    assert status.text.startswith("📟 STATUS")
    assert "Mode: simulation" in status.text and "Trading: active" in status.text
    assert "open positions: 1" in status.text
    [positions] = ask(fake, OWNER, "/positions")
    assert positions.text.splitlines()[:3] == [
        "📂 OPEN POSITIONS (1)",
        "",
        "🟢 LONG BTCUSDT (sma_cross)",
    ]
    [stats] = ask(fake, OWNER, "/stats")
    assert stats.text.startswith("📈 STATS (paper trading)")
    for bar in bars[22:40]:
        step(ex, bar)  # the stop-loss fills on 2025-06-17
    [daily] = ask(fake, OWNER, "/daily 2025-06-17")
    [trade] = services.simulation.trades(10, 0)
    assert daily.text.splitlines()[:2] == [
        "📊 DAILY REPORT — 2025-06-17 (so far)",
        "Trades: 1 | Wins: 0 | Losses: 1",
    ]
    assert f"NET: -${-trade.trade.pnl:,.2f}" in daily.text
    [bad_day] = ask(fake, OWNER, "/daily yesterday")
    assert bad_day.text == "⚠️ 'yesterday' is not a date: use YYYY-MM-DD"
    [help_] = ask(fake, OWNER, "/help")
    assert "/close_all — close every position" in help_.text
    assert {c["command"] for c in fake.commands} >= {"status", "pending", "pause", "close_all"}


def test_pending_lists_buttons_and_confirm_confirms_through_the_order_service(
    bot: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    bot()
    ex = awaiting_confirmation(services, bars)
    [pending] = services.orders.pending()
    pid = pending.pending.id
    wait_until(lambda: any(CONFIRM + pid in m.callback_data for m in fake.sent()), what="prompt")
    pushed = next(m for m in fake.sent() if CONFIRM + pid in m.callback_data)

    [listed] = ask(fake, OWNER, "/pending")
    assert listed.callback_data == [CONFIRM + pid, REJECT + pid]
    assert listed.text.startswith("⏳ CONFIRM ORDER — BTCUSDT LONG")

    assert press(fake, STRANGER, listed, CONFIRM + pid) == NOT_ALLOWED  # a stranger's press
    assert [p.pending.id for p in services.orders.pending()] == [pid]

    assert press(fake, OWNER, listed, CONFIRM + pid) == "✅ Confirmed: order accepted"
    assert services.orders.pending() == []
    assert services.orders.get(pending.pending.order.id).status == "accepted"
    # both prompts (pushed and listed) lose their buttons and show the outcome
    for prompt in (listed, pushed):
        wait_until(lambda p=prompt: fake.message(p.message_id).buttons == [], what="the edit")
        assert fake.message(prompt.message_id).text.startswith("✅ CONFIRMED — BTCUSDT LONG")
    step(ex, bars[21])
    assert len(services.simulation.positions()) == 1


def test_a_button_of_a_resolved_or_unknown_confirmation_answers_expired_and_does_nothing(
    bot: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    bot()
    awaiting_confirmation(services, bars)
    [pending] = services.orders.pending()
    pid = pending.pending.id
    [listed] = ask(fake, OWNER, "/pending")
    services.orders.reject(pid)  # resolved elsewhere (the REST API)
    orders = [o.to_dict() for o in services.orders.list(100, 0)]

    assert press(fake, OWNER, listed, CONFIRM + pid) == EXPIRED
    assert press(fake, OWNER, listed, CONFIRM + "p-ord-unknown") == EXPIRED
    assert press(fake, OWNER, listed, "garbage") == EXPIRED
    assert [o.to_dict() for o in services.orders.list(100, 0)] == orders
    assert services.orders.get(pending.pending.order.id).status == "rejected"
    wait_until(lambda: fake.message(listed.message_id).buttons == [], what="stale buttons gone")


def test_pause_and_resume_drive_the_kill_switch(
    bot: MakeRuntime, services: Services, fake: FakeBotApi
) -> None:
    bot()
    [paused] = ask(fake, OWNER, "/pause")
    state = services.trading.state()
    assert state.halted and state.source == "telegram"
    assert state.reason == f"paused from Telegram by user {OWNER}"
    assert paused.text.startswith("⏸ New entries halted.")
    wait_until(
        lambda: any(m.text.startswith("⏸ TRADING HALTED") for m in fake.sent()), what="alert"
    )
    [resumed] = ask(fake, OWNER, "/resume")
    assert not services.trading.state().halted
    assert resumed.text.startswith("▶️ New entries allowed again.")


def test_close_all_asks_first_and_only_the_confirmation_closes(
    bot: MakeRuntime, services: Services, fake: FakeBotApi, bars: list[Bar]
) -> None:
    bot()
    ex = trade_pair(services)
    for bar in bars[:20]:
        step(ex, bar)
    step(ex, bars[20], long_signal(bars[20]))
    step(ex, bars[21])
    assert len(services.simulation.positions()) == 1

    [question] = ask(fake, OWNER, "/close_all")
    assert question.text.startswith("🛑 Close ALL positions (1: BTCUSDT (sma_cross))")
    yes, cancel = question.callback_data
    assert yes.startswith(CLOSE_ALL) and cancel.startswith(CLOSE_CANCEL)
    assert not services.trading.state().halted  # asking did nothing

    assert press(fake, STRANGER, question, yes) == NOT_ALLOWED
    assert press(fake, OWNER, question, cancel) == "Cancelled: nothing was closed."
    assert press(fake, OWNER, question, yes) == EXPIRED  # its ticket went with the cancel
    assert not services.trading.state().halted

    [again] = ask(fake, OWNER, "/close_all")
    confirm = again.callback_data[0]
    assert press(fake, OWNER, again, confirm) == "Closing 1 position(s)"
    assert services.trading.state().halted
    wait_until(
        lambda: fake.message(again.message_id).text.startswith(
            f"🛑 CLOSE ALL — confirmed by user {OWNER}"
        ),
        what="the question edited into the answer",
    )
    assert press(fake, OWNER, again, confirm) == EXPIRED  # one use only
    step(ex, bars[22])  # the close fills at the next bar's open
    assert services.simulation.positions() == []
    [trade] = services.simulation.trades(10, 0)
    assert trade.trade.exit_reason == "manual"


def test_a_close_all_confirmation_expires(
    bot: MakeRuntime, services: Services, fake: FakeBotApi
) -> None:
    bot(options=dataclasses.replace(FAST, close_ttl_s=0.05))
    [question] = ask(fake, OWNER, "/close_all")
    time.sleep(0.1)
    assert press(fake, OWNER, question, question.callback_data[0]) == EXPIRED
    assert not services.trading.state().halted


def test_updates_sent_while_the_bot_was_down_are_dropped(
    bot: MakeRuntime, services: Services, fake: FakeBotApi
) -> None:
    fake.send_command(OWNER, "/pause")  # sent before the bot runs
    fake.send_command(OWNER, "/close_all")
    bot()
    assert fake.dropped_updates == 2
    [reply] = ask(fake, OWNER, "/status")
    assert reply.text.startswith("📟 STATUS")
    assert not services.trading.state().halted
    replies = [m.text for m in fake.sent(OWNER)]
    assert not any(t.startswith(("⏸", "🛑")) for t in replies)
    assert [c.params.get("drop_pending_updates") for c in fake.calls_of("deleteWebhook")] == [
        "true"
    ]
    assert TOKEN not in "".join(replies)
