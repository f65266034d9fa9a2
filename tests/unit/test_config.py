"""Tests for bot.config: the example loads, the environment wins, every mistake is named."""

from __future__ import annotations

import copy
import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import Settings, load_settings, missing_token, redacted
from bot.problems import ConfigError
from desk.people import Address
from desk.policy import Notify

REPO = Path(__file__).resolve().parents[2]

BASE: dict[str, Any] = {
    "supervisors": [{"id": "s1", "name": "陈主任", "telegram_id": 7001}],
    "managers": [
        {"id": "m1", "name": "李经理", "telegram_id": 5001, "backup": "m2", "supervisor": "s1"},
        {"id": "m2", "name": "王经理", "telegram_id": 5002, "backup": "m1", "supervisor": "s1"},
    ],
}


def config(**sections: Any) -> dict[str, Any]:
    """Return the base config with some top-level sections replaced."""
    return {**copy.deepcopy(BASE), **sections}


def problems_of(mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping(mapping, env={})
    return [str(p) for p in caught.value.problems]


def problems_of_env(mapping: dict[str, Any], env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings.from_mapping(mapping, env=env)
    return [str(p) for p in caught.value.problems]


def test_repo_config_loads() -> None:
    settings = load_settings(REPO / "config.toml", env={})

    team = settings.team()
    assert settings.zone().key == "Asia/Shanghai"
    assert sorted(team.managers) == ["m1", "m2"]
    assert team.managers["m1"].backup == "m2"
    assert team.managers["m1"].supervisor == "s1"
    assert list(team.supervisors) == ["s1"]
    assert [s.notify for s in settings.policy().steps] == [
        Notify.MANAGER,
        Notify.BACKUP,
        Notify.SUPERVISOR,
    ]
    assert settings.telegram.token.get_secret_value() == ""
    assert settings.storage.url == "sqlite:///retaildesk.db"
    assert settings.config_dir == REPO
    assert settings.roster_path() == REPO / "retailers.csv"
    assert settings.reports.weekly_at() == (0, time(9, 0))


def test_repo_rota_covers_weeknights_and_weekends() -> None:
    rota = load_settings(REPO / "config.toml", env={}).team().rota

    assert rota.on_duty(datetime(2026, 3, 2, 3, 0)) == "m2"  # Monday, small hours
    assert rota.on_duty(datetime(2026, 3, 4, 20, 0)) == "m2"  # Wednesday evening
    assert rota.on_duty(datetime(2026, 3, 7, 12, 0)) == "m1"  # Saturday noon
    assert rota.on_duty(datetime(2026, 3, 4, 11, 0)) is None  # office hours


def test_defaults_give_the_documented_ladder() -> None:
    settings = Settings.from_mapping({}, env={})

    policy = settings.policy()
    assert [s.after for s in policy.steps] == [timedelta(minutes=m) for m in (15, 30, 60)]
    assert policy.repeat_last_every is None
    assert settings.escalation.sweep_every == timedelta(seconds=30)
    assert settings.telegram.poll_timeout == 25
    assert settings.telegram.messages_per_second == 25.0


def test_durations_accept_text_and_seconds() -> None:
    steps = [{"after": 90, "notify": "manager"}, {"after": "2h", "notify": "supervisor"}]
    escalation = {"steps": steps, "repeat_last_every": "1d", "sweep_every": "10s"}

    settings = Settings.from_mapping({"escalation": escalation}, env={})

    assert [s.after for s in settings.policy().steps] == [timedelta(seconds=90), timedelta(hours=2)]
    assert settings.policy().repeat_last_every == timedelta(days=1)
    assert settings.escalation.sweep_every == timedelta(seconds=10)


def test_env_overrides_the_file_token() -> None:
    mapping = config(telegram={"token": "from-file", "poll_timeout": 5})

    settings = Settings.from_mapping(mapping, env={"RETAILDESK_TELEGRAM__TOKEN": "123:env"})

    assert settings.telegram.token.get_secret_value() == "123:env"
    assert settings.telegram.poll_timeout == 5  # the rest of the section survives the merge


def test_given_env_shuts_out_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETAILDESK_TELEGRAM__TOKEN", "leaked")

    isolated = Settings.from_mapping(config(), env={})
    default = Settings.from_mapping(config(), env=None)

    assert isolated.telegram.token.get_secret_value() == ""
    assert default.telegram.token.get_secret_value() == "leaked"


def test_empty_env_value_keeps_the_file_value() -> None:
    mapping = config(telegram={"token": "from-file"})

    settings = Settings.from_mapping(mapping, env={"RETAILDESK_TELEGRAM__TOKEN": ""})

    assert settings.telegram.token.get_secret_value() == "from-file"


def test_team_carries_hours_and_overnight_shifts() -> None:
    managers = copy.deepcopy(BASE["managers"])
    managers[0]["hours"] = {"days": "mon-sat", "start": "8:30", "end": "17:00"}
    on_duty = [{"staff": "m2", "days": "fri", "start": "22:00", "end": "06:00"}]

    team = Settings.from_mapping(config(managers=managers, on_duty=on_duty), env={}).team()

    hours = team.managers["m1"].hours
    assert (hours.days, hours.start, hours.end) == (frozenset(range(6)), time(8, 30), time(17))
    assert team.managers["m2"].hours.days == frozenset(range(5))
    assert team.rota.on_duty(datetime(2026, 3, 7, 5, 0)) == "m2"  # Saturday 05:00, Friday's shift
    assert team.rota.on_duty(datetime(2026, 3, 7, 7, 0)) is None


def test_backup_step_without_backups_is_allowed() -> None:
    managers = [{"id": "m1", "name": "李经理", "telegram_id": 5001}]

    settings = Settings.from_mapping(config(managers=managers), env={})

    assert settings.team().managers["m1"].backup is None


def steps(*pairs: tuple[object, str]) -> dict[str, Any]:
    return {"steps": [{"after": a, "notify": n} for a, n in pairs]}


def manager(**changes: Any) -> list[dict[str, Any]]:
    managers = copy.deepcopy(BASE["managers"])
    managers[0].update(changes)
    return managers


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        pytest.param(
            config(escalation=steps(("15m", "manager"), ("abc", "backup"))),
            "config.toml: escalation.steps[1].after: 'abc' is not a duration; "
            "use e.g. '90s', '15m', '2h' or 60",
            id="bad-duration",
        ),
        pytest.param(
            config(escalation=steps(("15m", "boss"))),
            "config.toml: escalation.steps[0].notify: Input should be 'manager', 'backup', "
            "'on_duty' or 'supervisor' (got 'boss')",
            id="bad-notify",
        ),
        pytest.param(
            config(escalation=steps(("30m", "manager"), ("30m", "backup"))),
            "config.toml: escalation.steps[1].after: 30m must be later than the step before it "
            "(30m)",
            id="steps-not-increasing",
        ),
        pytest.param(
            config(escalation={"repeat_last_every": 0}),
            "config.toml: escalation.repeat_last_every: must be longer than 0s",
            id="zero-repeat",
        ),
        pytest.param(
            config(escalation=steps(("15m", "manager"), ("30m", "on_duty"))),
            "config.toml: escalation.steps[1].notify: 'on_duty' needs at least one [[on_duty]] "
            "shift",
            id="on-duty-without-shifts",
        ),
        pytest.param(
            config(telegram={"tokn": "x"}),
            "config.toml: telegram.tokn: unknown key; did you mean 'token'?",
            id="typo-in-section",
        ),
        pytest.param(
            config(escalaton={}),
            "config.toml: escalaton: unknown key; did you mean 'escalation'?",
            id="typo-at-top",
        ),
        pytest.param(
            config(managers=manager(hourz={})),
            "config.toml: managers[0].hourz: unknown key; did you mean 'hours'?",
            id="typo-in-manager",
        ),
        pytest.param(
            config(timezone="Asia/Beijing"),
            "config.toml: timezone: unknown timezone 'Asia/Beijing'; use an IANA name like "
            "'Asia/Shanghai'",
            id="bad-timezone",
        ),
        pytest.param(
            config(managers=[*BASE["managers"], {"id": "m2", "name": "王二", "telegram_id": 5003}]),
            "config.toml: managers[2].id: duplicate staff id 'm2' (also managers[1])",
            id="duplicate-staff-id",
        ),
        pytest.param(
            config(managers=manager(telegram_id=7001)),
            "config.toml: managers[0].telegram_id: 7001 is also the Telegram id of "
            "supervisors[0] (s1)",
            id="duplicate-telegram-id",
        ),
        pytest.param(
            config(managers=manager(backup="m9")),
            "config.toml: managers[0].backup: unknown staff id 'm9' (known: s1, m1, m2)",
            id="unknown-backup",
        ),
        pytest.param(
            config(managers=manager(backup="m1")),
            "config.toml: managers[0].backup: a manager cannot be their own backup",
            id="own-backup",
        ),
        pytest.param(
            config(managers=manager(supervisor="s9")),
            "config.toml: managers[0].supervisor: unknown supervisor 's9' (known: s1)",
            id="unknown-supervisor",
        ),
        pytest.param(
            config(on_duty=[{"staff": "m7", "start": "18:00", "end": "09:00"}]),
            "config.toml: on_duty[0].staff: unknown staff id 'm7' (known: s1, m1, m2)",
            id="unknown-on-duty-staff",
        ),
        pytest.param(
            config(on_duty=[{"staff": "m1", "days": "weekdays", "start": "18:00", "end": "09:00"}]),
            "config.toml: on_duty[0].days: unknown weekday in 'weekdays'; use mon..sun, ranges "
            "or 'daily'",
            id="bad-days",
        ),
        pytest.param(
            config(managers=manager(hours={"start": "18:00", "end": "09:00"})),
            "config.toml: managers[0].hours.end: must be after start (18:00); use [[on_duty]] "
            "for night cover",
            id="hours-backwards",
        ),
        pytest.param(
            config(managers=[{"id": "m1", "name": "李经理"}]),
            "config.toml: managers[0]: has no chat on any channel: set telegram_id, wecom_userid, or chats",
            id="missing-key",
        ),
        pytest.param(
            config(storage={"url": "mysql://db/desk"}),
            "config.toml: storage.url: 'mysql://db/desk' is not a storage URL; use "
            "sqlite:///FILE or postgresql://...",
            id="bad-storage-url",
        ),
        pytest.param(
            config(reports={"weekly": "monday"}),
            "config.toml: reports.weekly: 'monday' is not a weekly slot; use a weekday and time "
            "like 'mon 09:00'",
            id="bad-weekly",
        ),
        pytest.param(
            config(_env_file=".env"),
            "config.toml: _env_file: unknown key",
            id="settings-option-smuggled-in",
        ),
        pytest.param(
            config(escalation=steps(("15m", "manager"), ("99999999999d", "supervisor"))),
            "config.toml: escalation.steps[1].after: '99999999999d' is too long; a duration is "
            "at most 3650d (ten years)",
            id="step-too-long",
        ),
        pytest.param(
            config(escalation={"repeat_last_every": 99999999999999999}),
            "config.toml: escalation.repeat_last_every: 99999999999999999 is too long; a duration "
            "is at most 3650d (ten years)",
            id="repeat-too-long",
        ),
        pytest.param(
            config(complaints={"steps": [{"after": a} for a in ("2h", "1h", "24h")]}),
            "config.toml: complaints.steps[1].after: 1h must be later than the step before it (2h)",
            id="complaint-steps-not-increasing",
        ),
        pytest.param(
            config(managers=manager(telegram_id=2**70)),
            f"config.toml: managers[0].telegram_id: {2**70} is not a Telegram user id; use the "
            "positive number of the person's chat (at most 9223372036854775807)",
            id="telegram-id-past-64-bits",
        ),
        pytest.param(
            config(managers=manager(telegram_id=True)),
            "config.toml: managers[0].telegram_id: Input should be a valid integer (got True)",
            id="telegram-id-boolean",
        ),
        pytest.param(
            config(roster={"default_region": "China"}),
            "config.toml: roster.default_region: 'China' is not a region of phone numbers; use a "
            "two-letter country code such as CN, HK, US or GB",
            id="unknown-phone-region",
        ),
    ],
)
def test_each_mistake_names_its_key(mapping: dict[str, Any], expected: str) -> None:
    assert problems_of(mapping) == [expected]


def test_phones_without_a_country_code_are_chinese_unless_configured() -> None:
    assert Settings.from_mapping(config(), env={}).dialling().region == "CN"
    settings = Settings.from_mapping(config(roster={"default_region": "hk"}), env={})

    assert settings.dialling().roster_phone("9123 4567") == "+85291234567"


PLAIN_HTTP = (
    "use https:// (plain http:// only to a loopback host: 127.0.0.0/8, ::1 or localhost), "
    "since the bot token travels in every request's path"
)


@pytest.mark.parametrize("key", ["base_url", "base_file_url"])
@pytest.mark.parametrize(
    "url", ["http://api.example.com/bot", "http://10.0.0.8:8081/bot", "ftp://x/bot", "https:///bot"]
)
def test_a_bot_api_url_that_would_carry_the_token_in_the_clear_is_refused(
    key: str, url: str
) -> None:
    assert problems_of(config(telegram={key: url})) == [
        f"config.toml: telegram.{key}: {PLAIN_HTTP}"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telegram.org/bot",
        "http://127.0.0.1:8081/bot",
        "http://127.8.0.1/bot",
        "http://[::1]:8081/bot",
        "http://localhost:8081/bot",
    ],
)
def test_a_bot_api_url_may_be_plain_http_on_this_host_only(url: str) -> None:
    settings = Settings.from_mapping(config(telegram={"base_url": url, "base_file_url": url}), {})
    assert settings.telegram.base_url == url


def test_check_names_a_plain_http_bot_api_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\ntoken = "1:x"\nbase_url = "http://bots.example.com/bot"\n')

    assert main(["check", "--config", str(path)]) == 2

    assert f"{path}: telegram.base_url: {PLAIN_HTTP}" in capsys.readouterr().err


def test_telegram_ids_end_at_64_bits() -> None:
    settings = Settings.from_mapping(config(managers=manager(telegram_id=2**63 - 1)), env={})

    assert settings.team().managers["m1"].contacts == (Address("telegram", str(2**63 - 1)),)
    assert [p.split(": ")[1] for p in problems_of(config(managers=manager(telegram_id=2**63)))] == [
        "managers[0].telegram_id"
    ]


def test_a_mistake_in_an_environment_value_names_the_variable() -> None:
    env = {"RETAILDESK_SERVE__PORT": "abc", "RETAILDESK_TELEGRAM__TOKN": "x"}

    assert sorted(problems_of_env(config(), env)) == [
        "RETAILDESK_SERVE__PORT: serve.port: Input should be a valid integer, unable to parse "
        "string as an integer (got 'abc')",
        "RETAILDESK_TELEGRAM__TOKN: telegram.tokn: unknown key; did you mean 'token'?",
    ]


def test_a_variable_that_is_not_json_is_named_beside_the_other_mistakes() -> None:
    env = {"RETAILDESK_ESCALATION__STEPS": "15m", "RETAILDESK_COMPLAINTS__STEPS": "[{]"}

    assert problems_of_env(config(timezone="Nowhere"), env) == [
        "RETAILDESK_ESCALATION__STEPS: escalation.steps: '15m' is not JSON; this key takes a "
        "JSON list or table",
        "RETAILDESK_COMPLAINTS__STEPS: complaints.steps: '[{]' is not JSON; this key takes a "
        "JSON list or table (Expecting property name enclosed in double quotes at column 3)",
        "config.toml: timezone: unknown timezone 'Nowhere'; use an IANA name like 'Asia/Shanghai'",
    ]


def test_a_mistake_inside_a_json_variable_names_the_variable() -> None:
    env = {
        "RETAILDESK_ESCALATION__STEPS": '[{"after": "2h", "notify": "manager"}, {"after": "1h"}]'
    }

    assert problems_of_env(config(), env) == [
        "RETAILDESK_ESCALATION__STEPS: escalation.steps[1].notify: required key is missing",
    ]


def test_a_file_value_beside_a_json_table_stays_on_the_file() -> None:
    # The variable's table is merged with the file's section: sweep_every is still the file's.
    env = {"RETAILDESK_ESCALATION": '{"repeat_last_every": "0s"}'}

    found = problems_of_env(config(escalation={"sweep_every": "5x"}), env)

    assert found == [
        "RETAILDESK_ESCALATION: escalation.repeat_last_every: must be longer than 0s",
        "config.toml: escalation.sweep_every: '5x' is not a duration; use e.g. '90s', '15m', "
        "'2h' or 60",
    ]


def test_a_missing_token_is_a_problem_on_its_key() -> None:
    assert [str(p) for p in missing_token(Settings.from_mapping(config(), env={}))] == [
        "config.toml: telegram.token: missing; set it in the file or in RETAILDESK_TELEGRAM__TOKEN"
    ]
    env = {"RETAILDESK_TELEGRAM__TOKEN": "123:abc"}
    assert missing_token(Settings.from_mapping(config(), env=env)) == []


def test_several_mistakes_are_reported_together() -> None:
    mapping = config(
        timezone="Nowhere",
        escalation=steps(("15m", "manager"), ("5x", "backup")),
        managers=manager(backup="m9", hours={"start": "25:00"}),
    )

    found = problems_of(mapping)

    assert [p.split(": ")[1] for p in found] == [
        "timezone",
        "escalation.steps[1].after",
        "managers[0].hours.start",
        "managers[0].backup",
    ]


def test_bad_toml_gives_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Asia/Shanghai"\n\n[telegram\ntoken = ""\n', encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    [problem] = caught.value.problems
    assert problem.line == 3
    assert str(problem).startswith(f"{path}:3: invalid TOML: ")
    assert "at column" in str(problem)


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value) == f"{path}: file not found"


def test_file_problems_carry_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    path.write_text('\ufefftimezone = "Mars/Olympus"\n', encoding="utf-8")  # BOM from Notepad

    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})

    assert str(caught.value).startswith(f"{path}: timezone: unknown timezone 'Mars/Olympus'")


def test_redacted_hides_secrets_and_reads_back() -> None:
    mapping = config(telegram={"token": "123:SECRET", "secret_token": "hook-SECRET"})
    settings = Settings.from_mapping(mapping, env={})

    text = redacted(settings)

    assert "SECRET" not in text
    shown = tomllib.loads(text)
    assert shown["telegram"]["token"] == "***"
    assert shown["telegram"]["secret_token"] == "***"
    assert shown["escalation"]["steps"][0] == {"after": "15m", "notify": "manager"}
    assert shown["managers"][0]["hours"] == {"days": "mon-fri", "start": "09:00", "end": "18:00"}
    assert Settings.from_mapping(shown, env={}).policy() == settings.policy()


def test_redacted_shows_an_unset_token_as_empty() -> None:
    text = redacted(Settings.from_mapping(config(), env={}))

    assert tomllib.loads(text)["telegram"]["token"] == ""


def test_a_config_saved_in_gbk_names_the_line_to_look_at(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('timezone = "Asia/Shanghai"\n\n[[managers]]\nname = "李经理"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}:4: not UTF-8 text; save it as UTF-8"


def test_raw_updates_are_kept_a_week_unless_configured() -> None:
    assert Settings.from_mapping(config(), {}).storage.keep_raw_updates == timedelta(days=7)
    given = config(storage={"keep_raw_updates": "36h"})
    assert Settings.from_mapping(given, {}).storage.keep_raw_updates == timedelta(hours=36)
    assert problems_of(config(storage={"keep_raw_updates": "0s"})) == [
        "config.toml: storage.keep_raw_updates: must be longer than 0s"
    ]


def test_health_and_metrics_listen_apart_on_loopback_by_default() -> None:
    serve = Settings.from_mapping(config(), {}).serve
    assert (serve.metrics_host, serve.metrics_port, serve.metrics_apart) == (
        "127.0.0.1",
        8081,
        True,
    )
    same = Settings.from_mapping(config(serve={"port": 8443, "metrics_port": 8443}), {}).serve
    assert not same.metrics_apart


def test_a_staff_member_may_be_reached_on_another_channel_by_choice() -> None:
    mapping = config(managers=manager(chats={"wecom": "LiJingLi"}, reach_on="wecom"))

    team = Settings.from_mapping(mapping, env={}).team()

    assert team.managers["m1"].contacts[0] == Address("wecom", "LiJingLi")
    assert (
        Address("telegram", str(BASE["managers"][0]["telegram_id"])) in team.managers["m1"].contacts
    )
    assert team.by_contact(Address("wecom", "LiJingLi")) == team.managers["m1"]


def test_by_default_telegram_comes_first_and_a_chat_elsewhere_is_kept() -> None:
    team = Settings.from_mapping(config(managers=manager(chats={"wecom": "Li"})), env={}).team()

    assert [c.channel for c in team.managers["m1"].contacts] == ["telegram", "wecom"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"reach_on": "wecom"},
            "config.toml: managers[0]: reach_on = 'wecom', but they have no chat there",
            id="reach-on-without-chat",
        ),
        pytest.param(
            {"chats": {"WeCom!": "Li"}},
            "config.toml: managers[0].chats.WeCom!.[key]: String should match pattern "
            "'^[a-z][a-z0-9_]{0,15}$' (got 'WeCom!')",
            id="channel-name",
        ),
    ],
)
def test_a_wrong_chat_elsewhere_is_named(changes: dict[str, Any], expected: str) -> None:
    assert problems_of(config(managers=manager(**changes))) == [expected]


def test_two_staff_members_cannot_share_a_chat_on_any_channel() -> None:
    managers = copy.deepcopy(BASE["managers"])
    managers[0]["chats"] = {"wecom": "Li"}
    managers[1]["chats"] = {"wecom": "Li"}

    assert [p for p in problems_of(config(managers=managers)) if "chats" in p] == [
        "config.toml: managers[1].chats.wecom: Li is also the wecom chat of managers[0] (m1)"
    ]
