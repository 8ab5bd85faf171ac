"""The fake Bot API's state: chats, messages, updates, callback queries, faults, records.

Thread-safe (the HTTP server answers each request on its own thread); `getUpdates`
long-polls on a condition variable. See `fake_bot_api` for the server and the list
of methods.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_POLL_S = 50.0
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer: HTTP status, Telegram's description, optional `retry_after`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """The JSON Telegram sends with the error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class Params:
    """A request's parameters (Telegram's form fields carry JSON for nested values)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def text(self, name: str, default: str = "") -> str:
        """A string field."""
        return self.values.get(name, default)

    def number(self, name: str, default: int | None = None) -> int | None:
        """An integer field (400 when it is not one)."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(float(raw))
        except ValueError:
            raise ApiError(400, f"Bad Request: field {name} must be a number") from None

    def flag(self, name: str) -> bool:
        """A boolean field."""
        return self.values.get(name, "").lower() in ("true", "1")

    def data(self, name: str) -> Any:
        """A JSON field (None when absent)."""
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None


@dataclass(frozen=True, slots=True)
class InlineButton:
    """A button as the bot sent it."""

    text: str
    callback_data: str


@dataclass
class SentMessage:
    """A message the bot sent (text and keyboard as they stand after any edit)."""

    message_id: int
    chat_id: int | str
    text: str
    buttons: list[list[InlineButton]]
    date: int
    sent_at: float
    edits: int = 0

    @property
    def callback_data(self) -> list[str]:
        """Every button's callback data, row by row."""
        return [button.callback_data for row in self.buttons for button in row]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """An `answerCallbackQuery` the bot made."""

    callback_query_id: str
    text: str
    show_alert: bool


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request the server received (after the token check)."""

    method: str
    params: dict[str, str]
    at: float


@dataclass
class Fault:
    """An error to answer instead of the method's result."""

    status: int
    description: str
    retry_after: int | None = None


@dataclass
class Chat:
    """A chat the fake knows (private chats are the user's own id)."""

    id: int | str
    kind: str = "private"

    def to_dict(self) -> dict[str, Any]:
        """Telegram's Chat object."""
        if self.kind == "private":
            return {"id": self.id, "type": "private", "first_name": f"User{self.id}"}
        return {"id": self.id, "type": self.kind, "title": f"Chat {self.id}"}


class BotApiState:
    """Everything the fake Bot API knows and did."""

    def __init__(
        self, token: str, bot_id: int = 7_000_000_001, username: str = "scalplab_test_bot"
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.messages: list[SentMessage] = []
        self.answers: list[CallbackAnswer] = []
        self.calls: list[ApiCall] = []
        self.commands: list[dict[str, Any]] = []
        self.dropped_updates = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._queries: dict[str, bool] = {}
        self._faults: dict[str, deque[Fault]] = {}
        self._slow: dict[str, float] = {}
        self._closed = threading.Event()
        self._cond = threading.Condition()
        self._ids = itertools.count(1)

    # ----- people (what the test does) ---------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _chat(self, chat_id: int | str) -> Chat:
        if isinstance(chat_id, int) and chat_id > 0:
            return Chat(chat_id)
        return Chat(chat_id, "supergroup")

    def _push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update_id = next(self._ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
            return update_id

    def send_command(self, user_id: int, text: str, chat_id: int | str | None = None) -> int:
        """A person sends `text` (a `/command` gets its bot_command entity); the update id."""
        chat = self._chat(user_id if chat_id is None else chat_id)
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat.to_dict(),
            "from": self._user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            word = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(word)}]
        return self._push({"message": message})

    def press_button(self, user_id: int, message_id: int, data: str) -> str:
        """A person presses a button of the bot's message `message_id`; the query id."""
        message = self.message(message_id)
        query_id = f"cq{next(self._ids)}"
        with self._cond:
            self._queries[query_id] = False
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "chat_instance": "ci-1",
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )
        return query_id

    # ----- faults ------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error."""
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            400: "Bad Request: chat not found",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Error")
        with self._cond:
            queue = self._faults.setdefault(method, deque())
            queue.extend(Fault(status, text, retry_after) for _ in range(times))

    def slow(self, method: str, seconds: float) -> None:
        """Delay every answer of `method` by `seconds` (0: answer at once again)."""
        with self._cond:
            if seconds > 0:
                self._slow[method] = seconds
            else:
                self._slow.pop(method, None)

    # ----- reading the records -----------------------------------------------------------------

    def message(self, message_id: int) -> SentMessage:
        """The bot's message `message_id` (KeyError when unknown)."""
        with self._cond:
            for message in self.messages:
                if message.message_id == message_id:
                    return message
        raise KeyError(message_id)

    def sent(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """The bot's messages (to one chat), oldest first."""
        with self._cond:
            return [m for m in self.messages if chat_id is None or m.chat_id == chat_id]

    def calls_of(self, method: str) -> list[ApiCall]:
        """The requests of one method, oldest first."""
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by an offset."""
        with self._cond:
            return len(self._updates)

    def wait_for(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `check()` holds (AssertionError after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake Bot API did not see it within {timeout} s")
            time.sleep(0.01)

    def shutdown_state(self) -> None:
        """Release every waiting request."""
        self._closed.set()
        with self._cond:
            self._cond.notify_all()

    # ----- the API -----------------------------------------------------------------------------

    def call(self, token: str, method: str, params: Params) -> Any:
        """Answer one request (raises `ApiError` for an error answer)."""
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = METHODS.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        with self._cond:
            self.calls.append(ApiCall(method, dict(params.values), time.monotonic()))
            faults = self._faults.get(method)
            fault = faults.popleft() if faults else None
            delay = self._slow.get(method, 0.0)
        if delay:
            self._closed.wait(delay)
        if fault is not None:
            raise ApiError(fault.status, fault.description, fault.retry_after)
        return handler(self, params)

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "ScalpLab Test",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message_json(self, message: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat(message.chat_id).to_dict(),
            "from": self._bot_user(),
            "text": message.text,
        }
        if message.buttons:
            data["reply_markup"] = {
                "inline_keyboard": [
                    [{"text": b.text, "callback_data": b.callback_data} for b in row]
                    for row in message.buttons
                ]
            }
        if message.edits:
            data["edit_date"] = int(time.time())
        return data

    def get_me(self, params: Params) -> Any:
        """`getMe`."""
        return self._bot_user()

    def get_updates(self, params: Params) -> Any:
        """`getUpdates`: confirm below `offset`, then wait up to `timeout` for new ones."""
        offset = params.number("offset", 0) or 0
        limit = max(1, min(100, params.number("limit", 100) or 100))
        wait = min(MAX_POLL_S, float(params.number("timeout", 0) or 0))
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                while self._updates and offset > 0 and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
                if self._updates or self._closed.is_set():
                    return list(itertools.islice(self._updates, limit))
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)

    def delete_webhook(self, params: Params) -> Any:
        """`deleteWebhook`: with `drop_pending_updates`, what waits is dropped."""
        if params.flag("drop_pending_updates"):
            with self._cond:
                self.dropped_updates += len(self._updates)
                self._updates.clear()
        return True

    def set_my_commands(self, params: Params) -> Any:
        """`setMyCommands`."""
        commands = params.data("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be a list")
        with self._cond:
            self.commands = commands
        return True

    def send_message(self, params: Params) -> Any:
        """`sendMessage` (text and an optional inline keyboard)."""
        chat_id = _chat_id(params)
        text = params.text("text")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        message = SentMessage(
            message_id=next(self._ids),
            chat_id=chat_id,
            text=text,
            buttons=_keyboard(params),
            date=int(time.time()),
            sent_at=time.monotonic(),
        )
        with self._cond:
            self.messages.append(message)
        return self._message_json(message)

    def _editable(self, params: Params) -> SentMessage:
        chat_id = _chat_id(params)
        message_id = params.number("message_id")
        with self._cond:
            for message in self.messages:
                if message.message_id == message_id and message.chat_id == chat_id:
                    return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def edit_message_text(self, params: Params) -> Any:
        """`editMessageText` (no `reply_markup`: the keyboard goes)."""
        message = self._editable(params)
        text, buttons = params.text("text"), _keyboard(params)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        with self._cond:
            if text == message.text and buttons == message.buttons:
                raise ApiError(400, NOT_MODIFIED)
            message.text, message.buttons = text, buttons
            message.edits += 1
        return self._message_json(message)

    def edit_message_reply_markup(self, params: Params) -> Any:
        """`editMessageReplyMarkup` (no `reply_markup`: the keyboard goes)."""
        message = self._editable(params)
        buttons = _keyboard(params)
        with self._cond:
            if buttons == message.buttons:
                raise ApiError(400, NOT_MODIFIED)
            message.buttons = buttons
            message.edits += 1
        return self._message_json(message)

    def answer_callback_query(self, params: Params) -> Any:
        """`answerCallbackQuery`: once per query."""
        query_id = params.text("callback_query_id")
        with self._cond:
            if self._queries.get(query_id, True):
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID "
                    "is invalid",
                )
            self._queries[query_id] = True
            self.answers.append(
                CallbackAnswer(query_id, params.text("text"), params.flag("show_alert"))
            )
        return True

    def plain_true(self, params: Params) -> Any:
        """`close`, `logOut`."""
        return True


def _chat_id(params: Params) -> int | str:
    raw = params.text("chat_id").strip()
    if not raw:
        raise ApiError(400, "Bad Request: chat_id is empty")
    return int(raw) if raw.lstrip("-").isdigit() else raw


def _keyboard(params: Params) -> list[list[InlineButton]]:
    markup = params.data("reply_markup")
    if markup is None:
        return []
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button")
    keyboard = []
    for row in rows:
        buttons = []
        for button in row:
            data = str(button.get("callback_data", ""))
            if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            buttons.append(InlineButton(str(button.get("text", "")), data))
        keyboard.append(buttons)
    return keyboard


METHODS: dict[str, Callable[[BotApiState, Params], Any]] = {
    "getMe": BotApiState.get_me,
    "getUpdates": BotApiState.get_updates,
    "deleteWebhook": BotApiState.delete_webhook,
    "setMyCommands": BotApiState.set_my_commands,
    "sendMessage": BotApiState.send_message,
    "editMessageText": BotApiState.edit_message_text,
    "editMessageReplyMarkup": BotApiState.edit_message_reply_markup,
    "answerCallbackQuery": BotApiState.answer_callback_query,
    "close": BotApiState.plain_true,
    "logOut": BotApiState.plain_true,
}
"""The methods the fake answers (every other name is a 404, as on Telegram)."""
