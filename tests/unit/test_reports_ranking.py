"""The report's sort keys: a group number above the latency, within a signed 64-bit integer."""

from __future__ import annotations

import pytest

from reports.ranking import Numbering, seconds_of


def test_a_province_of_500_managers_fits_the_keys() -> None:
    numbering = Numbering(tuple(f"m{i}" for i in range(500)), tuple(f"s{i}" for i in range(25)))

    cuts = numbering.cuts(per_manager=True)

    assert [cut.end for cut in cuts] == [1000, 2000, 2050, 2100]


def test_too_many_managers_are_refused_rather_than_ranked_wrong() -> None:
    numbering = Numbering(tuple(str(i) for i in range(600_000)), ("s1",))

    with pytest.raises(ValueError, match="600000 managers"):
        numbering.cuts(per_manager=True)
    # The week before ranks teams only, which always fit.
    assert numbering.cuts(per_manager=False)[-1].end == 4


def test_a_key_gives_back_the_latency_it_was_built_from() -> None:
    span, bias = 2**42, 2**41
    for group, micros in [(0, 0), (7, 1), (2099, 604_800_000_000), (3, -3_600_000_000)]:
        key = group * span + bias + micros
        assert seconds_of(key) == micros / 1_000_000
        assert key < 2**63
