"""Telegram: the notifier fed by the engine's events, and the bot's commands.

`runtime.TelegramRuntime` runs both on one thread of their own (one asyncio loop): the
notifier (`notifier.Notifier`) drains a bounded outbox (`outbox.Outbox`) of typed message
records (`messages`) through Telegram's rate limits (`ratelimit`), and the bot
(`commands.CommandRouter`) answers an allow-list of user ids with the same typed services
the REST API calls. `fake_bot_api` is a local Bot API server for tests and demos.
"""
