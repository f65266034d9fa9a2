"""`retaildesk guide`: the admin lists the guide drafts managers saved, and decides them."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bot.config import load_settings
from desk.clock import SystemClock
from desk.commands import Outcome
from desk.context import DeskContext
from desk.guide import DraftState
from desk.guiding import Decide, decide
from storage.engine import make_engine
from storage.guide import draft_from_row
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import guide_drafts

ADMIN = "admin"


async def guide(args: argparse.Namespace) -> int:
    """List pending drafts, or approve or reject one by number."""
    settings = load_settings(args.config)
    store = SqlStore(make_engine(settings.storage.url, settings.config_dir), SystemClock())
    try:
        await upgrade(store.engine)
        if args.action == "drafts":
            return await _list(store)
        if args.draft is None:
            print(f"give the draft's number: retaildesk guide {args.action} 12")
            return 2
        ctx = DeskContext(
            store,
            settings.team(),
            store.clock,
            settings.policy(),
            settings.zone(),
            settings.dialling().shared_phone,
        )
        approve = args.action == "approve"
        cmd = Decide(ADMIN, args.draft, approve, admin=True, question=args.question)
        outcome = await decide(ctx, cmd)
    finally:
        await store.dispose()
    told = {
        Outcome.DONE: f"draft {args.draft} {args.action}d",
        Outcome.NO_ENTRY: f"there is no draft {args.draft}",
        Outcome.DECIDED: f"draft {args.draft} was decided already",
        Outcome.NEEDS_WORDING: f"the guide never shows a retailer's words as they are; "
        f"reword the retailer's question: --question 'QUESTION' (draft {args.draft} is kept)",
    }
    print(told.get(outcome, outcome.value))
    return 0 if outcome is Outcome.DONE else 1


async def _list(store: SqlStore) -> int:
    query = select(guide_drafts).where(guide_drafts.c.state == DraftState.DRAFT.value)
    async with store.reading() as conn:
        rows = await conn.execute(query.order_by(guide_drafts.c.id))
        drafts = [draft_from_row(row) for row in rows]
    for draft in drafts:
        print(f"#{draft.id} by {draft.author_id} on {draft.created_at:%Y-%m-%d}")
        print(f"  Q: {' '.join(draft.question.split())}")
        print(f"  A: {' '.join(draft.answer.split())}")
    print(f"{len(drafts)} draft(s) waiting; retaildesk guide approve|reject NUMBER")
    return 0
