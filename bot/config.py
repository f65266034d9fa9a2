"""Typed settings, read once from config.toml with the environment taking priority."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.environment import (
    ENV_PREFIX,
    ENVIRON,
    MappingEnvSource,
    UnreadableVariableError,
    blame_environment,
    env_key,
)
from bot.phones import DEFAULT_REGION, DiallingPlan
from bot.problems import ConfigError, Problem, toml_problem, validation_problems
from desk.complaints import ComplaintPolicy, ComplaintStep
from desk.flood import FloodPolicy
from desk.hours import WEEKDAYS, OnDutyRota, Shift, WorkingHours, parse_days
from desk.people import Address, Manager, Supervisor, Team
from desk.policy import EscalationStep, Notify, Policy, parse_duration
from desk.ratings import RatingPolicy
from handlers.console.services import ConsoleSettings as ConsoleConfig
from handlers.wecom.api import DEFAULT_BASE_URL
from handlers.wecom.crypto import BadKeyError, aes_key
from reports.live import Figure
from storage.engine import async_url

# Telegram ids are signed 64-bit, as the database stores them; people's chats are positive.
LARGEST_TELEGRAM_ID = 2**63 - 1


def _to_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str | int):
        return parse_duration(value)
    raise ValueError("a duration is a number of seconds or text like '15m'")


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _to_clock_time(value: object) -> time:
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value) if isinstance(value, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"{value!r} is not a time of day; use 'HH:MM' like '09:00'")
    return time(int(match[1]), int(match[2]))


def _check_days(value: str) -> str:
    parse_days(value)
    return value


def _check_telegram_id(value: int) -> int:
    if not 0 < value <= LARGEST_TELEGRAM_ID:
        raise ValueError(
            f"{value} is not a Telegram user id; use the positive number of the person's chat "
            f"(at most {LARGEST_TELEGRAM_ID})"
        )
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_to_duration),
    PlainSerializer(_format_duration, return_type=str),
]


def _longer_than_zero(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0s")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_longer_than_zero)]
ClockTime = Annotated[
    time,
    BeforeValidator(_to_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]
Days = Annotated[str, AfterValidator(_check_days)]
TelegramId = Annotated[int, Field(strict=True), AfterValidator(_check_telegram_id)]
# A channel's name as the desk knows it ("telegram", "wecom"), and a chat id on it.
ChannelName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,15}$")]
ChatId = Annotated[str, Field(min_length=1, max_length=128)]
StaffId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")]
# A WeCom member's userid: letters, digits, and _ - . @, at most 64 (WeCom's own rule).
WecomUserId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
Lang = Literal["zh", "en"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bot_api_url(value: str | None) -> str | None:
    """Refuse a Bot API URL that would send the token (in every path) unencrypted off the host."""
    if value is None:
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is not None and host and parts.scheme == "https":
        return value
    if parts is not None and parts.scheme == "http" and _loopback(host):
        return value
    raise ValueError(
        "use https:// (plain http:// only to a loopback host: 127.0.0.0/8, ::1 or localhost), "
        "since the bot token travels in every request's path"
    )


class TelegramSettings(_Section):
    """How the bot reaches Telegram."""

    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str | None = None
    webhook_url: str | None = None
    secret_token: SecretStr | None = None
    poll_timeout: int = Field(default=25, ge=0)
    messages_per_second: float = Field(default=25.0, ge=0, allow_inf_nan=False)

    _bot_api = field_validator("base_url", "base_file_url")(bot_api_url)

    @field_validator("webhook_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError(f"{value!r} is not a URL; use https://HOST/PATH")
        return value


WECOM = "wecom"
WECHAT = "wechat"


def _check_aes_key(value: SecretStr) -> SecretStr:
    try:
        aes_key(value.get_secret_value())
    except BadKeyError as error:
        message = f"{error}; copy the EncodingAESKey from the app's callback settings"
        raise ValueError(message) from None
    return value


def _check_callback_token(value: SecretStr) -> SecretStr:
    # WeCom's own rule for the callback Token: 3 to 32 letters and digits.
    if not re.fullmatch(r"[A-Za-z0-9]{3,32}", value.get_secret_value()):
        raise ValueError("use 3 to 32 letters and digits, as in the app's callback settings")
    return value


class WecomSettings(_Section):
    """How the desk reaches WeCom: the self-built app for staff and the kf account for retailers."""

    corp_id: str = Field(pattern=r"^w[wx][A-Za-z0-9]{6,30}$")
    agent_id: int = Field(strict=True, ge=1, le=2**31 - 1)
    secret: SecretStr = SecretStr("")
    token: Annotated[SecretStr, AfterValidator(_check_callback_token)]
    encoding_aes_key: Annotated[SecretStr, AfterValidator(_check_aes_key)]
    open_kfid: str = Field(pattern=r"^wk[A-Za-z0-9_-]{2,62}$")
    link_secret: SecretStr = SecretStr("")
    api_base_url: str = DEFAULT_BASE_URL

    _api = field_validator("api_base_url")(bot_api_url)


class ServeSettings(_Section):
    """Where `retaildesk serve` listens: for Telegram's posts, and apart, for health and metrics."""

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8080, ge=0, le=65535)
    # Its own address, so a proxy that forwards every path to the webhook never publishes them;
    # the same host and port as the webhook serves them there.
    metrics_host: str = Field(default="127.0.0.1", min_length=1)
    metrics_port: int = Field(default=8081, ge=0, le=65535)

    @property
    def metrics_apart(self) -> bool:
        """Say whether /healthz and /metrics have a listen address of their own."""
        return (self.metrics_host, self.metrics_port) != (self.host, self.port)


def _console_url(value: str | None) -> str | None:
    if value is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"{value!r} is not a base URL; use http(s)://HOST[:PORT][/PATH], as people open it"
        )
    return value.rstrip("/")


class ConsoleThresholds(_Section):
    """Past how many tickets each figure of the console's live strip turns red."""

    unanswered: int = Field(default=10, ge=0)
    at_risk: int = Field(default=3, ge=0)
    escalated: int = Field(default=3, ge=0)
    off_hours: int = Field(default=5, ge=0)


class ConsoleSettings(_Section):
    """The supervisors' web console: the address its links carry, and how it refreshes."""

    # What staff open; it defaults to the listener itself, http://HOST:PORT of [serve].
    public_url: str | None = None
    refresh: int = Field(default=15, ge=2, le=3600)
    thresholds: ConsoleThresholds = Field(default_factory=ConsoleThresholds)
    # WeCom's OAuth page; the stand-in serves its own in tests and the demo.
    wecom_authorize_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"

    _url = field_validator("public_url", "wecom_authorize_url")(_console_url)


class StorageSettings(_Section):
    """Where the desk keeps its state; relative SQLite paths are next to the config file."""

    url: str = "sqlite:///retaildesk.db"
    # Raw updates hold what people wrote and phone numbers shared by strangers; the tickets
    # keep what the desk needs, so the raw copy goes once handled and this old.
    keep_raw_updates: PositiveDuration = timedelta(days=7)

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            async_url(value)
        except (ValueError, ArgumentError):
            raise ValueError(
                f"{hide_password(value)!r} is not a storage URL; use sqlite:///FILE or "
                "postgresql://..."
            ) from None
        return value


class StepSettings(_Section):
    """One rung of the escalation ladder."""

    after: Duration
    notify: Notify


def _default_ladder() -> list[StepSettings]:
    return [
        StepSettings(after=timedelta(minutes=15), notify=Notify.MANAGER),
        StepSettings(after=timedelta(minutes=30), notify=Notify.BACKUP),
        StepSettings(after=timedelta(minutes=60), notify=Notify.SUPERVISOR),
    ]


class EscalationSettings(_Section):
    """The ladder an unanswered question climbs, and how often the engine sweeps."""

    steps: list[StepSettings] = Field(default_factory=_default_ladder)
    repeat_last_every: PositiveDuration | None = None
    sweep_every: PositiveDuration = timedelta(seconds=30)


class HoursSettings(_Section):
    """A manager's working hours; outside them questions still escalate."""

    days: Days = "mon-fri"
    start: ClockTime = time(9, 0)
    end: ClockTime = time(18, 0)

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if isinstance(start, time) and value <= start:
            raise ValueError(
                f"must be after start ({start:%H:%M}); use [[on_duty]] for night cover"
            )
        return value


class StaffSettings(_Section):
    """Fields every staff member has."""

    id: StaffId
    name: str = Field(min_length=1, max_length=200)
    telegram_id: TelegramId | None = None
    # The staff member in the WeCom app (the "wecom" channel): their member userid.
    wecom_userid: WecomUserId | None = None
    # Chats on other channels, by channel name: chats = { wecom = "LiJingLi" }.
    chats: dict[ChannelName, ChatId] = Field(default_factory=dict)
    # The channel the desk's messages reach them on; by default Telegram, else the first chat.
    reach_on: ChannelName | None = None
    lang: Lang = "zh"

    @model_validator(mode="after")
    def _reachable(self) -> StaffSettings:
        if not self.contacts():
            raise ValueError("has no chat on any channel: set telegram_id, wecom_userid, or chats")
        if self.reach_on is not None and self.reach_on not in {c.channel for c in self.contacts()}:
            raise ValueError(f"reach_on = {self.reach_on!r}, but they have no chat there")
        return self

    def contacts(self) -> tuple[Address, ...]:
        """Return the chats this staff member is reached on, the preferred first."""
        chats = [Address("telegram", str(self.telegram_id))] if self.telegram_id is not None else []
        if self.wecom_userid is not None:
            chats.append(Address(WECOM, self.wecom_userid))
        chats += [Address(channel, chat) for channel, chat in self.chats.items()]
        # A stable sort: the chosen channel first, the rest as written.
        return tuple(sorted(chats, key=lambda c: c.channel != self.reach_on))


class SupervisorSettings(StaffSettings):
    """A supervisor from [[supervisors]]."""


class ManagerSettings(StaffSettings):
    """An account manager from [[managers]]."""

    backup: str | None = None
    supervisor: str | None = None
    hours: HoursSettings = Field(default_factory=HoursSettings)


class ShiftSettings(_Section):
    """One on-duty slot from [[on_duty]]; an end not after the start runs past midnight."""

    staff: str
    days: Days = "daily"
    start: ClockTime
    end: ClockTime


class FloodSettings(_Section):
    """How often a busy ticket may notify its manager, and when a retailer is asked to slow down."""

    notify_every: Duration = timedelta(seconds=30)
    slow_down_after: int = Field(default=20, ge=1)

    @field_validator("notify_every")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("cannot be negative")
        return value


class GuideSettings(_Section):
    """Where the guidance library's text file is (docs/GUIDE_FORMAT.md); none: no library."""

    file: str | None = None


class RatingsSettings(_Section):
    """When retailers are asked to rate an answered ticket, and which scores alert."""

    ask_after: Duration = timedelta(hours=24)
    low: int = Field(default=2, ge=1, le=4)


class ComplaintStepSettings(_Section):
    """One reminder of a waiting complaint: to the manager's supervisor, or to every one."""

    after: Duration
    notify: Literal["supervisor", "supervisors"] = "supervisor"


def _default_complaint_ladder() -> list[ComplaintStepSettings]:
    return [
        ComplaintStepSettings(after=timedelta(hours=2)),
        ComplaintStepSettings(after=timedelta(hours=8)),
        ComplaintStepSettings(after=timedelta(hours=24), notify="supervisors"),
    ]


class ComplaintsSettings(_Section):
    """The ladder of a confidential complaint; it only ever reaches supervisors."""

    steps: list[ComplaintStepSettings] = Field(default_factory=_default_complaint_ladder)
    repeat_last_every: Duration | None = None
    # How long a retailer may stay silent and still be writing the complaint: long enough for
    # someone who types slowly or goes to fetch a photo.
    quiet_period: PositiveDuration = timedelta(hours=2)


class RosterSettings(_Section):
    """Where the retailers come from, and the country of phones written without a code."""

    retailers_csv: str | None = None
    default_region: str = DEFAULT_REGION

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"{value!r} is not a region of phone numbers; use a two-letter country code "
                "such as CN, HK, US or GB"
            )
        return region


class ReportsSettings(_Section):
    """When supervisors get their weekly summary, in the desk's timezone."""

    weekly: str = "mon 09:00"

    @field_validator("weekly")
    @classmethod
    def _weekday_and_time(cls, value: str) -> str:
        day, _, clock = value.strip().lower().partition(" ")
        if day not in WEEKDAYS:
            raise ValueError(
                f"{value!r} is not a weekly slot; use a weekday and time like 'mon 09:00'"
            )
        _to_clock_time(clock)
        return value

    def weekly_at(self) -> tuple[int, time]:
        """Return the weekday (0 = Monday) and local time of the weekly report."""
        day, _, clock = self.weekly.strip().lower().partition(" ")
        return WEEKDAYS.index(day), _to_clock_time(clock)


class Settings(BaseSettings):
    """Everything config.toml says, checked once; build it with load_settings."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", env_ignore_empty=True, extra="forbid"
    )

    timezone: str = "Asia/Shanghai"
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    wecom: WecomSettings | None = None
    serve: ServeSettings = Field(default_factory=ServeSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    escalation: EscalationSettings = Field(default_factory=EscalationSettings)
    supervisors: list[SupervisorSettings] = Field(default_factory=list)
    managers: list[ManagerSettings] = Field(default_factory=list)
    on_duty: list[ShiftSettings] = Field(default_factory=list)
    roster: RosterSettings = Field(default_factory=RosterSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    flood: FloodSettings = Field(default_factory=FloodSettings)
    guide: GuideSettings = Field(default_factory=GuideSettings)
    ratings: RatingsSettings = Field(default_factory=RatingsSettings)
    complaints: ComplaintsSettings = Field(default_factory=ComplaintsSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)

    _config_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _config_file: str = PrivateAttr(default="config.toml")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let the environment override the file; ignore .env and secrets folders."""
        environ = ENVIRON.get()
        env = MappingEnvSource(settings_cls, os.environ if environ is None else environ)
        return env, init_settings

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name like 'Asia/Shanghai'"
            ) from None
        return value

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, Any],
        env: Mapping[str, str] | None = None,
        *,
        file: str = "config.toml",
        config_dir: Path | None = None,
    ) -> Settings:
        """Validate a parsed config (env None reads os.environ); raise ConfigError listing all."""
        # Underscore keys would reach BaseSettings as its own options, not as config.
        hidden = [k for k in mapping if k.startswith("_")]
        problems = [Problem(file, k, "unknown key") for k in hidden]
        values = {k: v for k, v in mapping.items() if k not in hidden}
        environ = dict(os.environ if env is None else env)
        settings, found = _build(cls, values, environ, file)
        problems += found
        # Cross-checks also run beside other errors, on whatever sections are readable.
        checked = settings.model_dump() if settings else values
        problems += [Problem(file, key, message) for key, message in _cross_check(checked)]
        if problems or settings is None:
            raise ConfigError(blame_environment(problems, environ, file))
        settings._config_dir = config_dir or Path.cwd()
        settings._config_file = file
        return settings

    @property
    def config_dir(self) -> Path:
        """Return the folder relative paths in the config are resolved against."""
        return self._config_dir

    @property
    def config_file(self) -> str:
        """Return the config file's name as problems report it."""
        return self._config_file

    def zone(self) -> ZoneInfo:
        """Return the desk's timezone."""
        return ZoneInfo(self.timezone)

    def policy(self) -> Policy:
        """Return the escalation policy new tickets open under."""
        return Policy(
            steps=tuple(EscalationStep(s.after, s.notify) for s in self.escalation.steps),
            repeat_last_every=self.escalation.repeat_last_every,
        )

    def flood_policy(self) -> FloodPolicy:
        """Return how often a busy ticket may notify its manager."""
        return FloodPolicy(self.flood.notify_every, self.flood.slow_down_after)

    def team(self) -> Team:
        """Return the managers, supervisors and on-duty rota as desk objects."""
        managers = [
            Manager(
                id=m.id,
                name=m.name,
                contacts=m.contacts(),
                lang=m.lang,
                backup=m.backup,
                supervisor=m.supervisor,
                hours=WorkingHours(parse_days(m.hours.days), m.hours.start, m.hours.end),
            )
            for m in self.managers
        ]
        supervisors = [Supervisor(s.id, s.name, s.contacts(), s.lang) for s in self.supervisors]
        shifts = [Shift(s.staff, parse_days(s.days), s.start, s.end) for s in self.on_duty]
        return Team(managers, supervisors, OnDutyRota(shifts))

    def rating_policy(self) -> RatingPolicy:
        """Return when ratings are asked for and which scores alert."""
        return RatingPolicy(self.ratings.ask_after, self.ratings.low)

    def complaint_policy(self) -> ComplaintPolicy:
        """Return the ladder new complaints open under."""
        return ComplaintPolicy(
            steps=tuple(
                ComplaintStep(s.after, everyone=s.notify == "supervisors")
                for s in self.complaints.steps
            ),
            repeat_last_every=self.complaints.repeat_last_every,
            quiet_period=self.complaints.quiet_period,
        )

    def console_url(self) -> str:
        """Return the console's public base URL, the listener's own address by default."""
        if self.console.public_url is not None:
            return self.console.public_url
        host = self.serve.host
        # An IPv6 literal needs its brackets in a URL.
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.serve.port}"

    def guide_path(self) -> Path | None:
        """Return the guidance library file, resolved against the config file's folder."""
        return self.config_dir / self.guide.file if self.guide.file else None

    def dialling(self) -> DiallingPlan:
        """Return how phones are read: the roster's default region for numbers without a code."""
        return DiallingPlan(self.roster.default_region)

    def roster_path(self) -> Path | None:
        """Return the retailers CSV, resolved against the config file's folder."""
        if not self.roster.retailers_csv:
            return None
        return self.config_dir / self.roster.retailers_csv


def _build(
    cls: type[Settings], values: Mapping[str, Any], environ: dict[str, str], file: str
) -> tuple[Settings | None, list[Problem]]:
    """Validate values under the environment; a variable that is not JSON is dropped and named."""
    problems: list[Problem] = []
    while True:
        reset = ENVIRON.set(environ)
        try:
            return cls(**values), problems
        except ValidationError as error:
            return None, problems + validation_problems(file, error, cls)
        except SettingsError as error:
            unreadable = error.__cause__
            if not isinstance(unreadable, UnreadableVariableError):
                return None, [*problems, Problem("environment", "", str(error))]
            variable = unreadable.variable
            problems.append(Problem(variable, env_key(variable) or "", unreadable.reason))
            # Read the rest without it, so its other problems are reported in the same run.
            environ.pop(variable, None)
        finally:
            ENVIRON.reset(reset)


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a config file; raise ConfigError with every problem in it."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([Problem(file, "", "file not found")]) from None
    except UnicodeDecodeError as error:
        line = error.object[: error.start].count(b"\n") + 1
        problem = Problem(file, "", "not UTF-8 text; save it as UTF-8", line)
        raise ConfigError([problem]) from None
    except OSError as error:
        raise ConfigError([Problem(file, "", f"cannot read: {error.strerror}")]) from None
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([toml_problem(file, error)]) from None
    return Settings.from_mapping(mapping, env, file=file, config_dir=path.resolve().parent)


def console_settings(settings: Settings) -> ConsoleConfig:
    """Return the console's part of the config, as the console takes it."""
    given = settings.console.thresholds
    thresholds = {
        Figure.UNANSWERED: given.unanswered,
        Figure.AT_RISK: given.at_risk,
        Figure.BACKUP: given.escalated,
        Figure.SUPERVISOR: given.escalated,
        Figure.OFF_HOURS: given.off_hours,
    }
    return ConsoleConfig(settings.console_url(), settings.console.refresh, thresholds)


def missing_token(settings: Settings) -> list[Problem]:
    """Return the problem of a bot without a token, which cannot reach Telegram at all."""
    if settings.telegram.token.get_secret_value() or settings.wecom is not None:
        # With [wecom] set, Telegram is optional: no token means no Telegram channel.
        return []
    message = "missing; set it in the file or in RETAILDESK_TELEGRAM__TOKEN"
    return [Problem(settings.config_file, "telegram.token", message)]


def channels_on(settings: Settings) -> set[str]:
    """Return the channels this config runs: Telegram with a token, WeChat with [wecom]."""
    names = {WECOM, WECHAT} if settings.wecom is not None else set()
    if settings.telegram.token.get_secret_value() or settings.wecom is None:
        names.add("telegram")
    return names


def channel_problems(settings: Settings) -> list[Problem]:
    """Return what keeps the configured channels from running: secrets, unreachable staff."""
    file = settings.config_file
    problems = missing_token(settings)
    wecom = settings.wecom
    if wecom is not None:
        for key in ("secret", "link_secret"):
            if not getattr(wecom, key).get_secret_value():
                message = f"missing; set it in the file or in RETAILDESK_WECOM__{key.upper()}"
                problems.append(Problem(file, f"wecom.{key}", message))
    running = channels_on(settings)
    staff: list[tuple[str, StaffSettings]] = [("supervisors", s) for s in settings.supervisors]
    staff += [("managers", m) for m in settings.managers]
    counts = {"supervisors": 0, "managers": 0}
    for section, person in staff:
        index = counts[section]
        counts[section] += 1
        # Only chats on a running channel reach them; the staff "wecom" chat needs [wecom].
        if not {c.channel for c in person.contacts()} & (running | _other_channels(person)):
            have = ", ".join(sorted({c.channel for c in person.contacts()}))
            problems.append(
                Problem(
                    file,
                    f"{section}[{index}]",
                    f"{person.id} has chats only on {have}, which this config does not run; "
                    "set telegram_id with [telegram] token, or wecom_userid with [wecom]",
                )
            )
    return problems


def _other_channels(person: StaffSettings) -> set[str]:
    """Return channels a staff member has chats on that no section here turns on or off."""
    return {c.channel for c in person.contacts()} - {"telegram", WECOM, WECHAT}


def redacted(settings: Settings) -> str:
    """Render the effective config as TOML, with secrets shown as ***."""
    data = settings.model_dump(mode="json")
    telegram = settings.telegram
    data["telegram"]["token"] = "***" if telegram.token.get_secret_value() else ""
    if telegram.secret_token is not None:
        data["telegram"]["secret_token"] = "***"
    data["storage"]["url"] = hide_password(settings.storage.url)
    if settings.wecom is not None:
        for key in ("secret", "token", "encoding_aes_key", "link_secret"):
            data["wecom"][key] = "***" if getattr(settings.wecom, key).get_secret_value() else ""
    header = f"# effective config from {settings.config_file} (environment applied, secrets hidden)"
    return "\n".join([header, *_toml_lines(data)]) + "\n"


def hide_password(url: str) -> str:
    """Return a storage URL fit to print: any password shown as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Unreadable: only text before an '@' could be a password.
        return url if "@" not in url else "***"


_Entries = list[tuple[str, Mapping[str, Any]]]


def _cross_check(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield (key, message) for wrong references and orderings; skip unreadable sections."""
    supervisors = _entries(config, "supervisors", "id")
    managers = _entries(config, "managers", "id")
    shifts = _entries(config, "on_duty", "staff")
    if supervisors is not None and managers is not None:
        yield from _check_staff(supervisors, managers)
        known = list(dict.fromkeys(entry["id"] for _, entry in [*supervisors, *managers]))
        for key, shift in shifts or []:
            if shift["staff"] not in known:
                yield f"{key}.staff", _unknown("staff id", shift["staff"], known)
    yield from _check_ladder(config.get("escalation", {}), no_shifts=shifts == [])
    yield from _check_order("complaints", _steps(config.get("complaints", {})))


def _entries(config: Mapping[str, Any], section: str, name: str) -> _Entries | None:
    items = config.get(section, [])
    if not isinstance(items, list):
        return None
    if not all(isinstance(i, Mapping) and isinstance(i.get(name), str) for i in items):
        return None
    return [(f"{section}[{i}]", item) for i, item in enumerate(items)]


def _chats_of(person: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, str]]]:
    """Yield each chat a staff entry gives, with the key that gives it."""
    account = person.get("telegram_id")
    if isinstance(account, int):
        yield "telegram_id", ("telegram", str(account))
    userid = person.get("wecom_userid")
    if isinstance(userid, str):
        yield "wecom_userid", (WECOM, userid)
    chats = person.get("chats")
    if isinstance(chats, Mapping):
        for channel, chat in chats.items():
            if isinstance(channel, str) and isinstance(chat, str):
                yield f"chats.{channel}", (channel, chat)


def _check_staff(supervisors: _Entries, managers: _Entries) -> Iterator[tuple[str, str]]:
    ids: dict[str, str] = {}
    accounts: dict[tuple[str, str], str] = {}
    for key, person in [*supervisors, *managers]:
        staff_id = person["id"]
        if staff_id in ids:
            yield f"{key}.id", f"duplicate staff id {staff_id!r} (also {ids[staff_id]})"
        ids.setdefault(staff_id, key)
        for where, chat in _chats_of(person):
            if chat in accounts:
                what = "Telegram id" if chat[0] == "telegram" else f"{chat[0]} chat"
                yield f"{key}.{where}", f"{chat[1]} is also the {what} of {accounts[chat]}"
            accounts.setdefault(chat, f"{key} ({staff_id})")
    bosses = [entry["id"] for _, entry in supervisors]
    for key, manager in managers:
        backup, boss = manager.get("backup"), manager.get("supervisor")
        if backup == manager["id"]:
            yield f"{key}.backup", "a manager cannot be their own backup"
        elif isinstance(backup, str) and backup not in ids:
            yield f"{key}.backup", _unknown("staff id", backup, list(ids))
        if isinstance(boss, str) and boss not in bosses:
            yield f"{key}.supervisor", _unknown("supervisor", boss, bosses)


def _check_ladder(escalation: object, *, no_shifts: bool) -> Iterator[tuple[str, str]]:
    steps = _steps(escalation)
    yield from _check_order("escalation", steps)
    for i, step in enumerate(steps):
        if isinstance(step, Mapping) and step.get("notify") == Notify.ON_DUTY and no_shifts:
            yield f"escalation.steps[{i}].notify", "'on_duty' needs at least one [[on_duty]] shift"


def _steps(section: object) -> list[Any]:
    steps = section.get("steps", []) if isinstance(section, Mapping) else []
    return steps if isinstance(steps, list) else []


def _check_order(section: str, steps: list[Any]) -> Iterator[tuple[str, str]]:
    """Yield a problem for each step of a ladder that is not later than the one before it."""
    earlier: timedelta | None = None
    for i, step in enumerate(steps):
        after = _readable_duration(step.get("after") if isinstance(step, Mapping) else None)
        if after is not None and earlier is not None and after <= earlier:
            yield (
                f"{section}.steps[{i}].after",
                f"{_format_duration(after)} must be later than the step before it"
                f" ({_format_duration(earlier)})",
            )
        earlier = after


def _readable_duration(value: object) -> timedelta | None:
    try:
        return _to_duration(value)
    except ValueError:
        return None


def _unknown(what: str, value: str, known: Sequence[str]) -> str:
    listed = ", ".join(known) if known else "none configured"
    return f"unknown {what} {value!r} (known: {listed})"


def _toml_lines(data: Mapping[str, Any]) -> Iterator[str]:
    def is_tables(value: object) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)

    tables = {k: v for k, v in data.items() if isinstance(v, dict) or is_tables(v)}
    yield from (
        f"{k} = {_toml_value(v)}" for k, v in data.items() if k not in tables and v is not None
    )
    for name, value in tables.items():
        for table in value if isinstance(value, list) else [value]:
            yield ""
            yield f"[[{name}]]" if isinstance(value, list) else f"[{name}]"
            for key, item in table.items():
                if is_tables(item):
                    yield f"{key} = ["
                    yield from (f"  {_toml_value(v)}," for v in item)
                    yield "]"
                elif item is not None:
                    yield f"{key} = {_toml_value(item)}"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{k} = {_toml_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + ", ".join(pairs) + " }"
    # A JSON string is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=False)
