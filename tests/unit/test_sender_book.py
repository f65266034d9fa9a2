"""The sender's book: sends are recorded as they happen, with only a few ever in doubt."""

from __future__ import annotations

import asyncio

import pytest

from bot.sender import Book
from desk.notices import Notice, NoticeKind
from desk.people import Address
from handlers.channel import Delivery
from storage.outbox import Parcel


def parcel(row: int) -> Parcel:
    notice = Notice("m1", Address("telegram", "5001"), NoticeKind.QUESTION, "zh")
    return Parcel(row, notice, attempts=1, repeat=False)


def sent(row: int) -> tuple[Parcel, Delivery]:
    return parcel(row), Delivery("sent", message_id=str(row))


class SlowWriter:
    """A database write that finishes only when the test lets it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.go = asyncio.Event()
        self.fail: Exception | None = None

    async def __call__(self, outcomes: list[tuple[Parcel, Delivery]]) -> None:
        await self.go.wait()
        if self.fail is not None:
            raise self.fail
        self.batches.append([p.id for p, _ in outcomes])


async def test_outcomes_that_finish_together_share_a_write():
    write = SlowWriter()
    book = Book(write, in_doubt=10)

    await book.add([sent(1)])
    await asyncio.sleep(0)  # the first write starts, and waits for the database
    await book.add([sent(2)])
    await book.add([sent(3)])
    write.go.set()
    await book.close()

    assert write.batches == [[1], [2, 3]]
    assert book.written == {1, 2, 3}


async def test_outcomes_wait_for_a_write_worth_making_and_closing_writes_the_rest():
    write = SlowWriter()
    write.go.set()
    book = Book(write, in_doubt=10, least=3)

    for row in (1, 2):
        await book.add([sent(row)])
    await asyncio.sleep(0)
    assert write.batches == [], "two outcomes wait for a third"
    await book.add([sent(3)])
    await asyncio.sleep(0)  # the write of three runs
    assert write.batches == [[1, 2, 3]]
    await book.add([sent(4)])
    await book.close()

    assert write.batches == [[1, 2, 3], [4]]
    assert book.written == {1, 2, 3, 4}


async def test_sending_waits_while_too_many_sends_are_unrecorded():
    write = SlowWriter()
    book = Book(write, in_doubt=2)
    await book.add([sent(1)])
    await book.add([sent(2)])

    third = asyncio.create_task(book.add([sent(3)]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not third.done(), "three unrecorded sends are one too many"

    write.go.set()
    await third
    await book.close()
    assert book.written == {1, 2, 3}


async def test_a_failed_write_stops_the_batch():
    write = SlowWriter()
    write.fail = RuntimeError("database is locked")
    book = Book(write, in_doubt=1)
    await book.add([sent(1)])
    write.go.set()

    with pytest.raises(RuntimeError, match="locked"):
        await book.add([sent(2)])
    assert book.written == set()
