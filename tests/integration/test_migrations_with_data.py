"""A database kept since any earlier revision upgrades to head with every row intact and readable.

The rows are what today's code writes (a ticket with its conversation and history, the outbox,
a complaint, a rating, a supply request, a guide draft, a leave), taken from a database at head
and put into one built at each earlier revision, in the columns that revision has. Upgrading to
head must keep every value and let today's store read them back. Revisions added later are
covered by the same loop: each one is a new starting point, and "head" moves with them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Column, MetaData, Table, insert, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from desk.complaints import Complaint, ComplaintMessage, ComplaintPolicy, ComplaintStep
from desk.content import Content, ContentKind
from desk.guide import GuideDraft
from desk.notices import Notice, NoticeKind
from desk.people import Address, Leave
from desk.policy import EscalationStep, Notify, Policy
from desk.ratings import Rating
from desk.supply import OrderLine, SupplyOutcome, SupplyRequest
from desk.tickets import Event, EventKind, Ticket, TicketMessage
from storage import codec
from storage.ledger import SqlLedger
from storage.migrate import alembic_config, upgrade
from storage.store import SqlStore
from storage.tables import contacts, metadata, outbox, retailers
from tests.databases import BACKENDS, migrated_engine

T0 = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
# Bookkeeping no reader of the desk's own records looks at, and whose rows a revision may recast.
SKIPPED = {"alembic_version"}
# Records whose table gained columns the upgrade fills, so today's read must match exactly.
SAME_READ = {"retailers", "messages", "outbox", "guide_drafts", "complaint_messages"}
M1 = Address("telegram", "5001")
SENT_AS = "77"


def earlier_revisions() -> list[str]:
    """Return every revision but head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision != head]


class StillClock:
    """A clock that stays where the test puts it."""

    def now(self) -> datetime:
        return T0


async def fill(store: SqlStore) -> dict[str, Any]:
    """Write a week's worth of everything through today's store; return the ids it made."""
    policy = Policy((EscalationStep(timedelta(minutes=15), Notify.MANAGER),))
    async with store.transaction() as ledger:
        ticket = await ledger.create_ticket(
            Ticket(0, "r1", "m1", "m1", T0, policy, waiting_since=T0, next_due_at=T0)
        )
        asked = Content(ContentKind.TEXT, "软中华还有货吗？", Address("telegram", "9001"), "7")
        await ledger.add_message(TicketMessage(ticket.id, "r1", True, asked, T0))
        answer = Content(ContentKind.PHOTO, "有的", Address("telegram", "5001"), "8")
        await ledger.add_message(TicketMessage(ticket.id, "m1", False, answer, T0))
        await ledger.record(Event(ticket.id, EventKind.ANSWERED, T0, actor="m1", seconds=42.5))
        question = Notice(
            "m1", M1, NoticeKind.QUESTION, "zh", {"text": "中华"}, ticket_id=ticket.id
        )
        await ledger.post(question)
        # The question was delivered as message 77 of m1's chat; a reminder still waits to go.
        await ledger.conn.execute(update(outbox).values(state="sent", message_id=SENT_AS))
        await ledger.post(Notice("m1", M1, NoticeKind.REMINDER, "zh", ticket_id=ticket.id))
        await ledger.start_leave(Leave("m1", "m2", T0 + timedelta(days=3), T0))
        complaint = await ledger.create_complaint(
            Complaint(
                0, "r1", "m1", "s1", T0, ComplaintPolicy((ComplaintStep(timedelta(hours=2)),))
            )
        )
        said = Content(ContentKind.TEXT, "经理态度很差", Address("telegram", "9001"), "41")
        await ledger.add_complaint_message(ComplaintMessage(complaint.id, "r1", True, said, T0))
        await ledger.save_rating(Rating(ticket.id, "r1", "m1", score=4, comment="快", rated_at=T0))
        line = OrderLine("软中华", "2条", "明早送")
        supply = await ledger.create_supply(SupplyRequest(0, ticket.id, "r1", "m1", line, T0))
        await ledger.save_supply(
            supply.evolve(outcome=SupplyOutcome.FULFILLED, answered_by="m1", answered_at=T0)
        )
        draft = await ledger.create_draft(
            GuideDraft(
                0, ticket.id, "m1", "烟怎么防潮？", "放除湿盒", "zh", T0, "telegram", "5001", "8"
            )
        )
        await ledger.set_staff_lang("m1", "en", T0)
    assert draft is not None
    return {"ticket": ticket.id, "complaint": complaint.id, "supply": supply.id, "draft": draft.id}


async def outbox_reads(ledger: SqlLedger, ids: dict[str, Any]) -> tuple[Any, ...]:
    """Return what a reply to the delivered message finds, and the notices still to send."""
    pending = select(outbox).where(outbox.c.state == "pending").order_by(outbox.c.id)
    return (
        await ledger.ticket_of_message(M1, SENT_AS),
        [codec.notice_from_row(row) for row in await ledger.conn.execute(pending)],
    )


# Today's reads of each kind of record, by the table the record lives in.
READS: dict[str, Callable[[SqlLedger, dict[str, Any]], Awaitable[Any]]] = {
    "outbox": outbox_reads,
    "tickets": lambda ledger, ids: ledger.ticket(ids["ticket"]),
    "messages": lambda ledger, ids: ledger.conversation(ids["ticket"]),
    "retailers": lambda ledger, ids: ledger.retailer("r1"),
    "leaves": lambda ledger, ids: ledger.leave_of("m1", T0),
    "complaints": lambda ledger, ids: ledger.complaint(ids["complaint"]),
    "complaint_messages": lambda ledger, ids: ledger.complaint_messages(ids["complaint"], T0),
    "ratings": lambda ledger, ids: ledger.rating(ids["ticket"]),
    "supply_requests": lambda ledger, ids: ledger.supply(ids["supply"]),
    "guide_drafts": lambda ledger, ids: ledger.guide_draft(ids["draft"]),
    "staff_langs": lambda ledger, ids: ledger.staff_langs(),
}


async def rows(engine: AsyncEngine, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Return the given columns of every given table, in primary-key order, as today's code reads them."""
    found: dict[str, list[tuple]] = {}
    async with engine.connect() as conn:
        for name, names in columns.items():
            table = metadata.tables[name]
            query = select(*[table.c[c] for c in names]).order_by(*table.primary_key.columns)
            found[name] = [tuple(row) for row in await conn.execute(query)]
    return found


def shape(connection: Connection) -> dict[str, list[str]]:
    """Return the columns of each table the database has."""
    schema = inspect(connection)
    return {
        name: [c["name"] for c in schema.get_columns(name)]
        for name in schema.get_table_names()
        if name not in SKIPPED
    }


@asynccontextmanager
async def built_at(backend: str, folder: Path, revision: str) -> AsyncIterator[AsyncEngine]:
    """Yield a database of its own, migrated to the given revision."""
    folder.mkdir()  # noqa: ASYNC240  (before anything runs)
    async with migrated_engine(backend, folder, revision) as engine:
        yield engine


async def seed_retailer(engine: AsyncEngine) -> None:
    """Add the retailer the records belong to, as the roster import does (phones as E.164)."""
    async with engine.begin() as conn:
        await conn.execute(
            insert(retailers).values(
                id="r1",
                name="张老板",
                shop="张记烟酒",
                phone="+8613800000001",
                manager_id="m1",
                lang="en",
                updated_at=T0,
            )
        )
        await conn.execute(
            insert(contacts).values(channel="telegram", chat="9001", retailer_id="r1", linked_at=T0)
        )


# Before revision 0007 chat and message ids were numbers, and a retailer's chat was on their row.
NUMERIC_IDS = {"chat_id", "message_id"}


def as_before(
    row: dict[str, Any], names: list[str], chats: dict[str, str], numeric: bool
) -> dict[str, Any]:
    """Return a row of today's in the columns and types an earlier revision has."""
    old = {k: row.get(k) for k in names}
    if "telegram_id" in names:
        chat = chats.get(row["id"])
        old["telegram_id"] = int(chat) if chat is not None else None
    if numeric:
        for k in NUMERIC_IDS & set(names):
            old[k] = int(old[k]) if old[k] is not None else None
    return old


def old_table(table: Table, names: list[str], numeric: bool) -> Table:
    """Return a table with just the columns an earlier revision has, typed as it types them."""
    columns = [
        Column(c.name, BigInteger if numeric and c.name in NUMERIC_IDS else c.type)
        for c in table.columns
        if c.name in names
    ]
    if "telegram_id" in names:
        columns.append(Column("telegram_id", BigInteger))
    return Table(table.name, MetaData(), *columns)


def _types(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("revision", earlier_revisions())
@pytest.mark.parametrize("backend", BACKENDS)
async def test_rows_kept_since_an_earlier_revision_survive_the_upgrade(
    backend: str, revision: str, tmp_path: Path
) -> None:
    async with built_at(backend, tmp_path / "today", "head") as today:
        await seed_retailer(today)
        ids = await fill(SqlStore(today, StillClock()))
        async with today.connect() as conn:
            head_shape = await conn.run_sync(shape)
        written = await rows(today, head_shape)
        async with SqlStore(today, StillClock()).peek() as ledger:
            expected = {name: await read(ledger, ids) for name, read in READS.items()}

        async with built_at(backend, tmp_path / "kept", revision) as kept:
            async with kept.begin() as conn:
                old_shape = await conn.run_sync(shape)
                numeric = "telegram_id" in old_shape["retailers"]
                chats = {row[2]: row[1] for row in written["contacts"]}
                # Parents before children, as the foreign keys require.
                for table in [t for t in metadata.sorted_tables if t.name in old_shape]:
                    name, names = table.name, old_shape[table.name]
                    values = [
                        dict(zip(head_shape[name], row, strict=True)) for row in written[name]
                    ]
                    old = [as_before(row, names, chats, numeric) for row in values]
                    if old:
                        await conn.execute(insert(old_table(table, names, numeric)), old)
            await upgrade(kept)

            # Every value kept, in the columns the earlier revision had and head still has;
            # ids that were numbers are the same digits as text, as today's code writes them.
            kept_columns = {
                name: [c for c in names if c in head_shape[name]]
                for name, names in old_shape.items()
            }
            assert await rows(kept, kept_columns) == {
                name: [
                    tuple(dict(zip(head_shape[name], row, strict=True))[c] for c in names)
                    for row in written[name]
                ]
                for name, names in kept_columns.items()
            }
            # Every chat link, whether it lived on the retailer's row or in contacts.
            links = {"contacts": head_shape["contacts"]}
            assert await rows(kept, links) == {"contacts": written["contacts"]}
            # Readable by today's store; the same as written where the table had every column.
            async with SqlStore(kept, StillClock()).peek() as ledger:
                for name, read in READS.items():
                    if name not in old_shape:
                        continue
                    found = await read(ledger, ids)
                    assert found, f"{name} not found after the upgrade from {revision}"
                    if old_shape[name] == head_shape[name] or name in SAME_READ:
                        assert found == expected[name], name
            # And the upgraded columns have the types a fresh database gets.
            async with kept.connect() as conn:
                assert await conn.run_sync(_types) == []
