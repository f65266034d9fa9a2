"""Render the console's templates in the viewer's language and the desk's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from desk.people import Staff
from handlers.catalog.filling import humanize
from handlers.console.board import SORTS, score, share
from handlers.console.cells import moved
from handlers.console.details import Details
from handlers.console.services import ConsoleServices
from handlers.console.words import label, say
from reports.scope import Scope
from reports.text import duration_text
from storage.console import Session

HERE = Path(__file__).resolve().parent


def browser_lang(request: Request) -> str:
    """Return the language for someone not signed in: English if their browser asks first."""
    return "en" if request.headers.get("accept-language", "").startswith("en") else "zh"


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member a page is for: who, what they see, their session, language."""

    staff: Staff
    scope: Scope
    session: Session
    lang: str


class Pages:
    """Fill the console's templates; every value is escaped unless the template says otherwise."""

    def __init__(self, console: ConsoleServices) -> None:
        self.console = console
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(columns=list(SORTS), share=share, score=score)

    def signed_out(self, request: Request) -> HTMLResponse:
        """Return the page that asks someone who is not signed in to sign in."""
        return self.render("message.html", browser_lang(request), status=401, key="out")

    def render(
        self,
        name: str,
        lang: str,
        *,
        status: int = 200,
        viewer: Viewer | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """Return a template as an HTML response."""
        ctx = self.console.ctx
        now = ctx.clock.now()

        def when(moment: datetime | None) -> str:
            return "" if moment is None else ctx.local(moment).strftime("%m-%d %H:%M")

        def exact(moment: datetime | str | None) -> str:
            if not isinstance(moment, datetime):
                return moment or ""
            return ctx.local(moment).strftime("%m-%d %H:%M:%S")

        def ago(moment: datetime | None) -> str:
            return "" if moment is None else humanize((now - moment).total_seconds(), lang)

        def span(seconds: float | None) -> str:
            return "—" if seconds is None else duration_text(seconds, lang)

        def t(key: str, **given: object) -> str:
            return say(lang, key, **given)

        page = self.env.get_template(name).render(
            lang=lang,
            viewer=viewer,
            t=t,
            when=when,
            exact=exact,
            ago=ago,
            span=span,
            moved=lambda value, kind="count": moved(value, kind, span),
            name_of=ctx.team.name_of,
            detail=Details(lang, ctx.team.name_of, exact, span),
            label=lambda source, kind: label(lang, source, kind),
            refresh=self.console.settings.refresh,
            **values,
        )
        return HTMLResponse(page, status_code=status)
