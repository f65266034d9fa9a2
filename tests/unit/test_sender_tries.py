"""Rows are recorded as tried a window ahead of their send, in the order chats take turns."""

from __future__ import annotations

import asyncio

import pytest

from bot.tries import Tries, first_window, likely_order
from desk.notices import Notice, NoticeKind
from desk.people import Address
from storage.outbox import Parcel


def parcel(row: int, chat: int, *, repeat: bool = False) -> Parcel:
    notice = Notice("m1", Address("telegram", str(chat)), NoticeKind.QUESTION, "zh")
    return Parcel(row, notice, attempts=1, repeat=repeat)


class Marks:
    """The outbox write: records each window it is given."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.windows: list[list[int]] = []
        self.fail = fail

    async def __call__(self, ids: list[int]) -> None:
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        self.windows.append(ids)


def test_chats_take_turns_in_the_likely_order():
    # A manager's chat holds three rows, two retailers one each.
    parcels = [parcel(1, 5001), parcel(2, 5001), parcel(3, 9001), parcel(4, 5001), parcel(5, 9002)]
    assert [p.id for p in likely_order(parcels)] == [1, 3, 5, 2, 4]


async def test_one_write_records_a_window_and_the_next_waits_until_needed():
    parcels = [parcel(row, 9000 + row) for row in range(1, 11)]
    marks = Marks()
    tries = Tries(marks, parcels, window=4)

    for row in (1, 2, 3, 4):
        await tries.before(parcels[row - 1])
    assert marks.windows == [[1, 2, 3, 4]]
    await tries.before(parcels[4])
    assert marks.windows == [[1, 2, 3, 4], [5, 6, 7, 8]]


async def test_a_parcel_out_of_the_likely_order_starts_its_own_window():
    parcels = [parcel(row, 9000 + row) for row in range(1, 11)]
    marks = Marks()
    tries = Tries(marks, parcels, window=3)
    await tries.before(parcels[6])
    await tries.before(parcels[0])
    assert marks.windows == [[7, 1, 2]]
    await tries.before(parcels[2])
    # Row 2 still waits, recorded: two more keep the window at three.
    assert marks.windows == [[7, 1, 2], [3, 4]]


async def test_senders_waiting_together_share_one_write():
    parcels = [parcel(row, 9000 + row) for row in range(1, 9)]
    marks = Marks()
    tries = Tries(marks, parcels, window=8)
    await asyncio.gather(*(tries.before(p) for p in parcels))
    assert marks.windows == [[1, 2, 3, 4, 5, 6, 7, 8]]


async def test_the_claim_records_the_first_window_and_writes_of_outcomes_top_it_up():
    parcels = [parcel(row, 9000 + row % 3) for row in range(1, 11)]
    ahead = first_window(parcels, 4)
    assert ahead == [1, 2, 3, 4]
    marks = Marks()
    tries = Tries(marks, parcels, window=4, tried=ahead)
    await tries.before(parcels[0])
    await tries.before(parcels[1])
    async with tries.carried() as topped:
        assert topped == [5, 6]
    for row in range(3, 7):
        await tries.before(parcels[row - 1])
    assert marks.windows == [], "no write of its own while the window keeps ahead"


async def test_rows_of_a_failed_write_are_recorded_by_the_send_that_needs_them():
    parcels = [parcel(row, 9000 + row) for row in range(1, 5)]
    marks = Marks()
    tries = Tries(marks, parcels, window=2, tried=[1, 2])
    await tries.before(parcels[0])
    with pytest.raises(OSError, match="locked"):
        async with tries.carried() as topped:
            assert topped == [3]
            raise OSError("database is locked")
    await tries.before(parcels[2])
    assert marks.windows == [[3]]
    assert tries.tried == {1, 2, 3}


async def test_a_possible_repeat_is_already_recorded_as_tried():
    parcels = [parcel(1, 9001, repeat=True), parcel(2, 9002)]
    marks = Marks()
    tries = Tries(marks, parcels, window=8)
    await tries.before(parcels[0])
    assert marks.windows == []
    await tries.before(parcels[1])
    assert marks.windows == [[2]]


async def test_a_failed_write_stops_the_send():
    marks = Marks(fail=OSError("disk I/O error"))
    tries = Tries(marks, [parcel(1, 9001), parcel(2, 9002)], window=8)
    with pytest.raises(OSError, match="disk I/O"):
        await tries.before(parcel(1, 9001))
    assert 1 not in tries.tried
