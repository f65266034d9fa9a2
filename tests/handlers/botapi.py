"""A Bot API that lives in memory: it records each call the bot makes and answers it."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]

BOT_ID = 4242
BOT_USER: JSONDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "RetailDesk",
    "username": "RetailDeskBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TOKEN = f"{BOT_ID}:handler-tier"
# Methods whose answer is the Message they posted; copyMessage answers only its id.
POSTING = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendLocation"}
)
# The fake store numbers delivered notices from 1 in each chat; the messages of this tier
# count from here, so a reply never lands on a notice by accident.
FIRST_MESSAGE_ID = 1001


class MessageNumbers:
    """Number messages per chat, as Telegram does: both sides of a chat share one count."""

    def __init__(self) -> None:
        self._last: dict[int, int] = defaultdict(lambda: FIRST_MESSAGE_ID - 1)

    def next_in(self, chat_id: int) -> int:
        """Return the id of the next message in a chat."""
        self._last[chat_id] += 1
        return self._last[chat_id]


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call: its method and its parameters, as the bot put them on the wire."""

    method: str
    params: JSONDict

    @property
    def chat_id(self) -> int | None:
        """Return the chat the call speaks to, if it names one."""
        chat = self.params.get("chat_id")
        return None if chat is None else int(chat)

    @property
    def text(self) -> str | None:
        """Return the text of a message sent, or of a button press's answer."""
        text = self.params.get("text", self.params.get("caption"))
        return None if text is None else str(text)

    @property
    def buttons(self) -> list[JSONDict]:
        """Return every button of the call's keyboard, row after row."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]


@dataclass(frozen=True)
class Refusal:
    """A Bot API error to answer with: the HTTP status and what Telegram says."""

    status: HTTPStatus
    description: str
    retry_after: int | None = None


class RecordingRequest(BaseRequest):
    """A BaseRequest that never opens a socket: it records calls and answers like Telegram."""

    def __init__(self, numbers: MessageNumbers, now: Callable[[], datetime]) -> None:
        self.calls: list[ApiCall] = []
        self._numbers = numbers
        self._now = now
        self._queued: dict[str, deque[JSONDict | bool | Refusal]] = defaultdict(deque)

    @property
    def read_timeout(self) -> float | None:
        """Return no timeout: nothing here waits."""
        return None

    async def initialize(self) -> None:
        """Open nothing: there is no connection to make."""

    async def shutdown(self) -> None:
        """Close nothing: there is no connection to close."""

    def answer_next(self, method: str, result: JSONDict | bool) -> None:
        """Answer the next call of `method` with this result instead of the usual one."""
        self._queued[method].append(result)

    def fail_next(
        self,
        method: str,
        status: HTTPStatus = HTTPStatus.FORBIDDEN,
        description: str = "Forbidden: bot was blocked by the user",
        *,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next call of `method` with a Bot API error."""
        self._queued[method].append(Refusal(status, description, retry_after))

    def called(self, method: str) -> list[ApiCall]:
        """Return the calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """Return the messages posted into one chat, in order."""
        return [c for c in self.calls if c.chat_id == chat_id and c.method in POSTING]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Record the call and return Telegram's answer to it, as status and body."""
        api_method = url.rsplit("/", 1)[-1]
        # What goes on the wire, before JSON: a keyboard is a dict, a flag a bool.
        call = ApiCall(api_method, dict(request_data.parameters) if request_data else {})
        self.calls.append(call)
        queued = self._queued[api_method]
        answer = queued.popleft() if queued else self._usual_answer(call)
        if isinstance(answer, Refusal):
            return answer.status, _refused(answer)
        return HTTPStatus.OK, json.dumps({"ok": True, "result": answer}).encode()

    def _usual_answer(self, call: ApiCall) -> JSONDict | bool:
        if call.method == "getMe":
            return BOT_USER
        if call.method == "copyMessage" and call.chat_id is not None:
            return {"message_id": self._numbers.next_in(call.chat_id)}
        if call.method in POSTING and call.chat_id is not None:
            return self._posted(call, call.chat_id)
        # answerCallbackQuery, setMyCommands, edits and the rest: Telegram says True.
        return True

    def _posted(self, call: ApiCall, chat_id: int) -> JSONDict:
        message: JSONDict = {
            "message_id": self._numbers.next_in(chat_id),
            "date": int(self._now().timestamp()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
        }
        if call.method == "sendMessage":
            message["text"] = call.text or ""
        elif call.text is not None:
            message["caption"] = call.text
        if call.method == "sendPhoto":
            message["photo"] = [_file(message["message_id"]) | {"width": 800, "height": 600}]
        elif call.method == "sendDocument":
            message["document"] = _file(message["message_id"])
        if "reply_markup" in call.params and "inline_keyboard" in call.params["reply_markup"]:
            message["reply_markup"] = call.params["reply_markup"]
        return message


def _file(message_id: int) -> JSONDict:
    return {"file_id": f"file-{message_id}", "file_unique_id": f"unique-{message_id}"}


def _refused(refusal: Refusal) -> bytes:
    body: JSONDict = {
        "ok": False,
        "error_code": int(refusal.status),
        "description": refusal.description,
    }
    if refusal.retry_after is not None:
        body["parameters"] = {"retry_after": refusal.retry_after}
    return json.dumps(body).encode()
