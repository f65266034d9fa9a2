"""The [wecom] section and staff on WeCom: the issue's contract loads, each mistake is named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import Settings, channel_problems, channels_on, redacted
from bot.problems import ConfigError
from desk.people import Address

AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WECOM: dict[str, Any] = {
    "corp_id": "ww0123456789abcdef",
    "agent_id": 1000002,
    "secret": "app-secret-value",
    "token": "CallbackToken123",
    "encoding_aes_key": AES_KEY,
    "open_kfid": "wkAbCdEf",
    "link_secret": "link-secret-value",
    "api_base_url": "https://qyapi.weixin.qq.com/cgi-bin",
}
STAFF: dict[str, Any] = {
    "supervisors": [{"id": "s1", "name": "陈主任", "wecom_userid": "ChenZhuRen"}],
    "managers": [
        {"id": "m1", "name": "李经理", "wecom_userid": "LiJingLi", "supervisor": "s1"},
        {"id": "m2", "name": "王经理", "telegram_id": 5002, "wecom_userid": "WangJingLi"},
    ],
}


def mapping(**wecom: Any) -> dict[str, Any]:
    return {"wecom": {**WECOM, **wecom}, **copy.deepcopy(STAFF)}


def problems_of(given: dict[str, Any], env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping(given, env=env or {})
    return [str(p) for p in caught.value.problems]


def test_the_issue_s_contract_loads_and_staff_are_reached_on_wecom() -> None:
    settings = Settings.from_mapping(mapping(), env={})
    assert settings.wecom is not None and settings.wecom.agent_id == 1000002
    team = settings.team()
    assert team.by_contact(Address("wecom", "LiJingLi")) is team.managers["m1"]
    # Telegram first when someone has both, as before; WeCom where it is all they have.
    assert team.managers["m2"].contacts[0] == Address("telegram", "5002")
    assert team.managers["m1"].contacts == (Address("wecom", "LiJingLi"),)


def test_telegram_is_optional_when_wecom_is_set() -> None:
    settings = Settings.from_mapping(mapping(), env={})
    assert channels_on(settings) == {"wecom", "wechat"}
    assert channel_problems(settings) == []
    with_token = Settings.from_mapping({**mapping(), "telegram": {"token": "1:abc"}}, env={})
    assert channels_on(with_token) == {"wecom", "wechat", "telegram"}


def test_secrets_come_from_the_environment_and_are_never_shown() -> None:
    given = mapping(secret="", link_secret="")
    env = {"RETAILDESK_WECOM__SECRET": "from-env", "RETAILDESK_WECOM__LINK_SECRET": "link-env"}
    settings = Settings.from_mapping(given, env=env)
    assert settings.wecom is not None
    assert settings.wecom.secret.get_secret_value() == "from-env"
    shown = redacted(settings)
    for secret in ("from-env", "link-env", "CallbackToken123", AES_KEY):
        assert secret not in shown
    assert 'secret = "***"' in shown


def test_a_missing_secret_is_named_with_its_variable() -> None:
    settings = Settings.from_mapping(mapping(secret=""), env={})
    assert [str(p) for p in channel_problems(settings)] == [
        "config.toml: wecom.secret: missing; set it in the file or in RETAILDESK_WECOM__SECRET"
    ]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("encoding_aes_key", AES_KEY[:-1], "43 characters"),
        ("encoding_aes_key", AES_KEY[:-1] + "!", "not base64"),
        ("corp_id", "0123456789", "wecom.corp_id"),
        ("open_kfid", "kf-1", "wecom.open_kfid"),
        ("token", "has spaces in it", "3 to 32 letters and digits"),
        ("agent_id", 0, "wecom.agent_id"),
        ("api_base_url", "http://qyapi.weixin.qq.com/cgi-bin", "https://"),
    ],
)
def test_each_wecom_mistake_names_file_and_key(key: str, value: object, says: str) -> None:
    found = problems_of(mapping(**{key: value}))
    assert len(found) == 1
    assert found[0].startswith(f"config.toml: wecom.{key}: ") and says in found[0]
    assert str(value) not in found[0] or key not in {"encoding_aes_key", "token"}


def test_a_bad_staff_userid_is_named() -> None:
    given = mapping()
    given["managers"][0]["wecom_userid"] = "Li Jing Li"
    assert [p.split(": ")[1] for p in problems_of(given)] == ["managers[0].wecom_userid"]


def test_two_staff_with_one_userid_are_named() -> None:
    given = mapping()
    given["managers"][1]["wecom_userid"] = "LiJingLi"
    found = problems_of(given)
    assert found == [
        "config.toml: managers[1].wecom_userid: LiJingLi is also the wecom chat of managers[0] (m1)"
    ]


def test_staff_only_on_a_channel_the_config_does_not_run_are_named() -> None:
    without = {**copy.deepcopy(STAFF), "telegram": {"token": "1:abc"}}
    settings = Settings.from_mapping(without, env={})
    found = [str(p) for p in channel_problems(settings)]
    assert len(found) == 2
    assert found[0].startswith("config.toml: supervisors[0]: s1 has chats only on wecom")
    assert found[1].startswith("config.toml: managers[0]: m1 has chats only on wecom")


def test_check_names_the_file_and_key_of_a_bad_aes_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[wecom]\n"
        + "".join(
            f"{k} = {v!r}\n".replace("'", '"')
            for k, v in {**WECOM, "encoding_aes_key": "short"}.items()
        )
        + '[[managers]]\nid = "m1"\nname = "李经理"\nwecom_userid = "LiJingLi"\n',
        encoding="utf-8",
    )
    assert main(["check", "--config", str(config)]) != 0
    err = capsys.readouterr().err
    assert f"{config}: wecom.encoding_aes_key" in err and "43 characters" in err
