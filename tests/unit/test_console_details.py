"""A ticket page's details read in words: names for ids, rungs from 1, an event's parts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from handlers.console.details import Details

NAMES = {"m1": "李经理", "m2": "王经理"}


def details(lang: str) -> Details:
    def exact(moment: datetime | str | None) -> str:
        return moment.strftime("%H:%M") if isinstance(moment, datetime) else moment or ""

    return Details(lang, lambda staff: NAMES.get(staff, staff), exact, lambda s: f"{s:.0f}s")


@pytest.mark.parametrize(
    ("lang", "key", "value", "shown"),
    [
        ("zh", "target", "m2", "对象: 王经理"),
        ("en", "target", "m9", "to: m9"),
        ("zh", "step", "1", "级: 2"),
        ("en", "round", "0", "round: 1"),
        ("zh", "delivered", "True", "已送达: 是"),
        ("en", "delivered", "False", "delivered: no"),
        ("zh", "state", "sent", "状态: 已送出"),
        ("en", "state", "somethingnew", "state: somethingnew"),
        ("zh", "channel", "wecom", "渠道: 企业微信"),
        ("en", "seconds", "2700", "took: 2700s"),
        ("en", "sent_at", datetime(2026, 12, 7, 1, 56, tzinfo=UTC), "sent at: 01:56"),
        ("en", "unknown_key", "x", "unknown_key: x"),
    ],
)
def test_a_detail_reads_as_label_and_value(
    lang: str, key: str, value: str | datetime, shown: str
) -> None:
    assert details(lang)(key, value) == shown


def test_an_events_own_detail_reads_as_its_parts() -> None:
    climbed = json.dumps({"notify": "backup", "repeat": False, "taken_from": "m1"})
    promised = json.dumps({"eta": "2026-12-07T01:56:00+00:00", "minutes": 30})

    assert details("zh")("detail", climbed) == "通知: 备岗 · 重复提醒: 否 · 已从其手中收回: 李经理"
    assert details("en")("detail", promised) == "promised by: 01:56 · minutes: 30"
    # Stored text that is no JSON object is shown as it is.
    assert details("en")("detail", "[1, 2]") == "detail: [1, 2]"
