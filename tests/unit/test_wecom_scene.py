"""A retailer's kf link names them, and nobody can make a link that names someone else."""

from __future__ import annotations

import re

import pytest

from handlers.wecom.scene import MAX_SCENE_PARAM, sign, verify

SECRET = "link-secret"


@pytest.mark.parametrize("retailer_id", ["r1", "r001", "零售户-7", "x" * 60])
def test_a_signed_scene_names_its_retailer_in_wecoms_alphabet(retailer_id: str) -> None:
    scene = sign(SECRET, retailer_id)

    assert re.fullmatch(r"[0-9A-Za-z_-]{1,128}", scene)
    assert verify(SECRET, scene) == retailer_id


def test_a_scene_signed_with_another_secret_or_edited_is_refused() -> None:
    scene = sign(SECRET, "r1")
    flipped = scene[:-1] + ("A" if scene[-1] != "A" else "B")
    forged = sign("guessed", "r2")

    assert verify("another", scene) is None
    assert verify(SECRET, flipped) is None
    assert verify(SECRET, forged) is None
    # Another retailer's id with r1's signature.
    assert verify(SECRET, sign(SECRET, "r2")[:-22] + scene[-22:]) is None


@pytest.mark.parametrize("scene", [None, "", "abc", "!" * 40, "a" * (MAX_SCENE_PARAM + 1)])
def test_a_missing_or_garbled_scene_names_nobody(scene: str | None) -> None:
    assert verify(SECRET, scene) is None


def test_an_id_too_long_for_a_link_is_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="too long"):
        sign(SECRET, "x" * 100)
