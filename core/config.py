"""Staffroom's configuration: a TOML file, overridden by ``STAFFROOM_<SECTION>__<KEY>`` variables.

Secrets (tokens, signing secrets) come only from the environment; a secret written in the file is
refused, so a config file can be committed or shared safely. ``config.example.toml`` documents every key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.config_section import Section
from core.cpd.settings import CpdSettings
from core.delivery.settings import DeliverySettings
from core.mentoring.settings import MentoringSettings
from core.params import DateOrder
from core.reflection.settings import ReflectionSettings

DEFAULT_CONFIG_FILE = Path("staffroom.toml")
ENV_PREFIX = "STAFFROOM_"


class GeneralSettings(Section):
    name: str = "Staffroom"
    language: str = "en"
    """Language of replies unless a member chooses another (gettext catalogue name)."""
    admins: list[str] = Field(default_factory=list)
    """Accounts allowed to run admin commands, as ``platform:tenant:user_id``."""
    date_order: DateOrder = "DMY"
    """How a date typed in digits reads: ``DMY`` (03/11/2026 is 3 November; UK and Europe),
    ``MDY`` (US) or ``YMD``. A date that could be read both ways is echoed in words."""


class DatabaseSettings(Section):
    url: str = "sqlite:///staffroom.db"
    """SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``."""
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value


class LimitSettings(Section):
    commands_per_minute: int = Field(default=30, ge=1, le=10000)
    text_length: int = Field(default=2000, ge=50, le=40000)
    title_length: int = Field(default=200, ge=10, le=1000)
    tags_per_item: int = Field(default=10, ge=1, le=50)


class ServerSettings(Section):
    host: str = "127.0.0.1"
    """Local only by default: put a reverse proxy or load balancer in front (README), or set
    0.0.0.0 to listen on every interface."""
    port: int = Field(default=8080, ge=0, le=65535)
    """HTTP server for Slack HTTP mode, Telegram webhooks, /healthz and /metrics."""
    metrics_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    """How long the outbox gauges of /metrics are reused: many scrapers, one query."""
    metrics_token: SecretStr | None = None
    """When set, /metrics asks for ``Authorization: Bearer <token>`` (environment only)."""


class SlackSettings(Section):
    mode: Literal["socket", "http"] = "socket"
    install: Literal["single", "oauth"] = "single"
    """``single``: one workspace, with ``bot_token``. ``oauth``: any number of workspaces (and
    Enterprise Grid organisations) add Staffroom through "Add to Slack"; HTTP mode only."""
    command: str = "/staffroom"
    api_base_url: str = "https://slack.com/api/"
    authorize_url: str = "https://slack.com/oauth/v2/authorize"
    """Where "Add to Slack" sends the installer (oauth install)."""
    events_path: str = "/slack/events"
    install_path: str = "/slack/install"
    redirect_path: str = "/slack/oauth_redirect"
    allowed_teams: list[str] = Field(default_factory=list)
    """Team (``T...``) or Enterprise Grid organisation (``E...``) ids allowed to install; empty:
    anyone may (a public app)."""
    token_refresh_minutes: int = Field(default=120, ge=1, le=720)
    """Rotating tokens are refreshed this long before they expire, on requests and before sends."""
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    token_key: SecretStr | None = None
    """Fernet key(s) the workspaces' tokens are encrypted with; several, comma-separated, to
    rotate the key: the first encrypts, any decrypts."""

    @property
    def configured(self) -> bool:
        if self.install == "oauth":
            return self.client_id is not None and self.client_secret is not None
        return self.bot_token is not None


class TelegramSettings(Section):
    mode: Literal["polling", "webhook"] = "polling"
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str | None = None
    """Public URL Telegram posts updates to (webhook mode)."""
    webhook_path: str = "/telegram"
    token: SecretStr | None = None
    webhook_secret: SecretStr | None = None

    @property
    def configured(self) -> bool:
        return self.token is not None


class DiscordSettings(Section):
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    shard_count: int = Field(default=0, ge=0, le=1024)
    """0: one connection; N > 0: AutoShardedClient with N shards."""
    token: SecretStr | None = None

    @property
    def configured(self) -> bool:
        return self.token is not None


SECRET_KEYS = {
    "slack": (
        "bot_token",
        "app_token",
        "signing_secret",
        "client_id",
        "client_secret",
        "token_key",
    ),
    "telegram": ("token", "webhook_secret"),
    "discord": ("token",),
}


class Settings(BaseSettings):
    """Every setting, by section."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
        env_ignore_empty=True,  # STAFFROOM_SLACK__BOT_TOKEN= left empty is not a token
    )

    staffroom: GeneralSettings = Field(default_factory=GeneralSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    cpd: CpdSettings = Field(default_factory=CpdSettings)
    reflection: ReflectionSettings = Field(default_factory=ReflectionSettings)
    mentoring: MentoringSettings = Field(default_factory=MentoringSettings)

    def secret_values(self) -> list[str]:
        """Every configured secret (tokens, signing secrets, the database password), for logs
        to be cleaned of (:mod:`core.redaction`)."""
        found: list[str] = []
        for section in (self.slack, self.telegram, self.discord, self.server):
            for value in section.__dict__.values():
                if isinstance(value, SecretStr):
                    found.append(value.get_secret_value())
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            password = make_url(self.database.url).password
        except ArgumentError:
            password = None
        if password:
            found.append(str(password))
        return found

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file (passed in as init values).
        return env_settings, init_settings

    def platforms(self) -> list[str]:
        """Platforms that have credentials configured."""
        found: list[tuple[str, SlackSettings | TelegramSettings | DiscordSettings]] = [
            ("slack", self.slack),
            ("telegram", self.telegram),
            ("discord", self.discord),
        ]
        return [name for name, section in found if section.configured]


class ConfigError(Exception):
    """The configuration is invalid; the message names each bad key and what it expects."""


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (``path``, else ``staffroom.toml`` if present) and the environment."""
    file_data: dict[str, Any] = {}
    source = (
        path
        if path is not None
        else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    )
    if source is not None:
        try:
            file_data = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {source} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source} is not valid TOML: {exc}") from None
        for section, keys in SECRET_KEYS.items():
            for key in keys:
                if key in file_data.get(section, {}):
                    env = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
                    raise ConfigError(
                        f"{section}.{key} is a secret: remove it from {source} and set the "
                        f"environment variable {env} instead"
                    )
    try:
        return Settings(**file_data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc)) from None


def describe_errors(exc: ValidationError) -> str:
    """One line per bad key: ``cpd.cycle_start_month: Input should be less than or equal to 12``."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        got = error.get("input")
        shown = "" if isinstance(got, dict) else f" (got {got!r})"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"{key}: {message}{shown}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
