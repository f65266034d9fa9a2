"""Getting into the console: the one-time link's confirm page, WeCom's OAuth, and logout."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from desk.people import Address
from handlers.console.rendering import Pages, Viewer, browser_lang
from handlers.console.security import (
    LOGIN_COOKIE,
    OAUTH_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    same_secret,
)
from handlers.console.services import CodeRefused
from reports.scope import scope_of
from storage.console import SESSION_LIFETIME, LinkState, NewSession

log = logging.getLogger(__name__)

# The channel name staff are configured under for the WeCom app (as in desk contacts).
WECOM = "wecom"
NONCE_SECONDS = 600
# The page for a code WeCom named nobody by: a stale one is started over, an outage retried.
REFUSED_CODE_PAGES = {CodeRefused.EXPIRED: (403, "expired"), CodeRefused.FAILED: (502, "oauth")}


class Doors:
    """Let staff in by a spent link or WeCom's OAuth; tell who a request's session belongs to."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.console = pages.console

    async def viewer(self, request: Request) -> Viewer | None:
        """Return the signed-in staff member behind a request, or None."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        session = await self.console.access.session(cookie)
        if session is None:
            return None
        team = self.console.ctx.team
        staff, scope = team.staff(session.staff_id), scope_of(team, session.staff_id)
        if staff is None or scope is None:
            # Left the team since signing in: the session opens nothing any more.
            return None
        lang = await self.console.access.lang_of(staff.id, staff.lang)
        return Viewer(staff, scope, session, lang)

    async def confirm(self, request: Request) -> Response:
        """Show the confirm page of a login link; looking at it never spends it."""
        token = request.path_params["token"]
        state = await self.console.access.link_state(token)
        lang = browser_lang(request)
        if state is not LinkState.VALID:
            return self.pages.render("gone.html", lang, status=410, state=state.value)
        nonce = secrets.token_urlsafe(24)
        response = self.pages.render("confirm.html", lang, nonce=nonce, token=token)
        self._cookie(response, LOGIN_COOKIE, nonce, max_age=NONCE_SECONDS)
        return response

    async def sign_in(self, request: Request) -> Response:
        """Spend a login link (once, whatever races it) and open the browser's session."""
        form = await request.form()
        lang = browser_lang(request)
        if not same_secret(form.get("nonce"), request.cookies.get(LOGIN_COOKIE, "")):
            return self.pages.render("message.html", lang, status=403, key="csrf")
        opened = await self.console.access.spend_link(request.path_params["token"])
        if opened is None:
            return self.pages.render("gone.html", lang, status=410, state="spent")
        log.info("console: %s signed in by link", opened.session.staff_id)
        return self._signed_in(opened)

    async def sign_out(self, request: Request) -> Response:
        """End the session (a POST with its CSRF token) and go back to the signed-out page."""
        viewer = await self.viewer(request)
        if viewer is None:
            return RedirectResponse(PREFIX, status_code=303)
        form = await request.form()
        if not same_secret(form.get("csrf"), viewer.session.csrf):
            return self.pages.render("message.html", viewer.lang, status=403, key="csrf")
        await self.console.access.end_session(request.cookies[SESSION_COOKIE])
        log.info("console: %s signed out", viewer.staff.id)
        response = RedirectResponse(PREFIX, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    async def wecom_entry(self, request: Request) -> Response:
        """Send a WeCom app user to WeCom's OAuth page, with a nonce to check on the way back."""
        wecom = self.console.wecom
        if wecom is None:
            return self.pages.render("message.html", browser_lang(request), status=404, key="out")
        # WeCom passes state back only if it is letters and digits, at most 128 bytes.
        nonce = secrets.token_hex(16)
        query = urlencode(
            {
                "appid": wecom.corp_id,
                "redirect_uri": f"{self.console.settings.public_url}{PREFIX}/wecom/back",
                "response_type": "code",
                "scope": "snsapi_base",
                "state": nonce,
                "agentid": str(wecom.agent_id),
            }
        )
        response = RedirectResponse(f"{wecom.authorize_url}?{query}#wechat_redirect", 302)
        self._cookie(response, OAUTH_COOKIE, nonce, max_age=NONCE_SECONDS)
        return response

    async def wecom_back(self, request: Request) -> Response:
        """Sign in the WeCom member the code names, when they are configured staff."""
        wecom, lang = self.console.wecom, browser_lang(request)
        code = request.query_params.get("code", "")
        nonce = request.cookies.get(OAUTH_COOKIE, "")
        if wecom is None or not code or not same_secret(request.query_params.get("state"), nonce):
            return self.pages.render("message.html", lang, status=403, key="oauth")
        userid = await wecom.member(code)
        if isinstance(userid, CodeRefused):
            log.info("console: a WeCom OAuth code was refused (%s)", userid.value)
            status, key = REFUSED_CODE_PAGES[userid]
            return self.pages.render("message.html", lang, status=status, key=key)
        staff = None if userid is None else self.console.ctx.team.by_contact(Address(WECOM, userid))
        if staff is None:
            # Any corp member gets a userid; only the desk's own staff get in.
            log.info("console: a WeCom OAuth sign-in was refused (not staff)")
            return self.pages.render("message.html", lang, status=403, key="refused")
        log.info("console: %s signed in by WeCom", staff.id)
        response = self._signed_in(await self.console.access.open_session(staff.id))
        response.delete_cookie(OAUTH_COOKIE, path=PREFIX)
        return response

    def _signed_in(self, opened: NewSession) -> Response:
        response = RedirectResponse(PREFIX, status_code=303)
        self._cookie(
            response, SESSION_COOKIE, opened.cookie, max_age=int(SESSION_LIFETIME.total_seconds())
        )
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    def _cookie(self, response: Response, name: str, value: str, *, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=PREFIX,
            httponly=True,
            # Lax: sent when WeCom's OAuth page sends the browser back, never on a foreign POST.
            samesite="lax",
            secure=self.console.settings.secure,
        )
