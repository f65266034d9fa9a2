"""Expose the user-side API over HTTP under /_standin/ for drivers in another process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from handlers.telegram.standin.records import JSON, Upload

if TYPE_CHECKING:
    from handlers.telegram.standin.standin import Standin


def _plain(value: Any) -> Any:
    """Make recorded params JSON-safe by describing uploads instead of embedding bytes."""
    if isinstance(value, Upload):
        return {"file_name": value.file_name, "mime_type": value.mime_type, "size": value.size}
    return value


def control_routes(tg: Standin) -> list[BaseRoute]:
    """Build the control routes for one stand-in."""

    async def stats(request: Request) -> Response:
        by_method: dict[str, dict[str, int]] = {}
        for (method, status), count in tg.world.call_counts.items():
            by_method.setdefault(method, {})[str(status)] = count
        delivered = tg.world.bot_message_count
        return JSONResponse(
            {
                "pending_updates": tg.pending_updates,
                "calls": len(tg.calls),
                "by_method": by_method,
                "bot_messages": delivered,
                "answered_callbacks": len(tg.answered_callbacks),
                "webhook_delivered": tg.world.webhook.delivered,
            }
        )

    async def users(request: Request) -> Response:
        body = await request.json()
        entries = body if isinstance(body, list) else [body]
        for entry in entries:
            tg.user(
                int(entry["user_id"]),
                str(entry["first_name"]),
                username=entry.get("username"),
                last_name=entry.get("last_name"),
                language_code=entry.get("language_code", "zh-hans"),
            )
        return JSONResponse({"ok": True, "count": len(entries)})

    def act(action: JSON) -> Any:
        user = tg.get_user(int(action["user_id"]))
        kind = action.get("action", "send")
        if kind == "send":
            return user.send(str(action["text"]), reply_to=action.get("reply_to"))
        if kind == "press":
            chat = {"id": int(action.get("chat_id", user.chat_id))}
            message = {"chat": chat, "message_id": int(action["message_id"])}
            return user.press(message, str(action["data"]), force=bool(action.get("force")))
        if kind == "block":
            return user.block()
        if kind == "unblock":
            return user.unblock()
        raise ValueError(f"unknown action {kind!r}")

    async def actions(request: Request) -> Response:
        body = await request.json()
        batch = body.get("actions", [body]) if isinstance(body, dict) else body
        try:
            results = [act(action) for action in batch]
        except (KeyError, LookupError, ValueError, RuntimeError) as error:
            return JSONResponse({"ok": False, "description": str(error)}, status_code=400)
        return JSONResponse({"ok": True, "results": results})

    async def inbox(request: Request) -> Response:
        return JSONResponse(tg.inbox(int(request.path_params["chat_id"])))

    async def calls(request: Request) -> Response:
        since = int(request.query_params.get("since", "0"))
        rows = [
            {
                "method": c.method,
                "status": c.status,
                "at": c.at,
                "params": {k: _plain(v) for k, v in c.params.items()},
            }
            for c in tg.calls[since:]
        ]
        return JSONResponse(rows)

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            tg.heal()
            return JSONResponse({"ok": True})
        spec = await request.json()
        kind, method = spec.get("kind", "fail"), spec.get("method", "*")
        if kind == "fail":
            tg.fail(
                method,
                int(spec.get("status", 500)),
                spec.get("times"),
                spec.get("seconds"),
                int(spec.get("retry_after", 1)),
            )
        elif kind == "stall":
            tg.stall(method, spec.get("times", 1), float(spec.get("seconds", 30.0)))
        else:
            tg.drop(method, spec.get("times", 1))
        return JSONResponse({"ok": True})

    async def wait(request: Request) -> Response:
        # One request that returns when the bot has sent enough, instead of a driver polling
        # /stats: a polling driver spends the CPU of the very process it is measuring.
        try:
            wanted = int(request.query_params["bot_messages"])
            timeout = float(request.query_params.get("timeout", "60"))
        except (KeyError, ValueError):
            message = "bot_messages (an integer) and timeout (seconds) are expected"
            return JSONResponse({"ok": False, "description": message}, status_code=400)
        try:
            await tg.wait_for(lambda: tg.world.bot_message_count >= wanted, timeout)
        except TimeoutError:
            count = tg.world.bot_message_count
            message = f"only {count} of {wanted} bot messages arrived in {timeout:g} s"
            return JSONResponse({"ok": False, "description": message}, status_code=504)
        return JSONResponse({"ok": True, "bot_messages": tg.world.bot_message_count})

    async def transcript(request: Request) -> Response:
        return JSONResponse(tg.transcript())

    return [
        Route("/_standin/stats", stats, methods=["GET"]),
        Route("/_standin/users", users, methods=["POST"]),
        Route("/_standin/actions", actions, methods=["POST"]),
        Route("/_standin/inbox/{chat_id:int}", inbox, methods=["GET"]),
        Route("/_standin/calls", calls, methods=["GET"]),
        Route("/_standin/faults", faults, methods=["POST", "DELETE"]),
        Route("/_standin/transcript", transcript, methods=["GET"]),
        Route("/_standin/wait", wait, methods=["GET"]),
    ]
