"""Service settings, read once from LEGALAID_* environment variables and passed down."""

from __future__ import annotations

import base64
import binascii
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every field is documented in the README; defaults are the embedded (demo) ones."""

    model_config = SettingsConfigDict(env_prefix="LEGALAID_", env_nested_delimiter="__", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./legalaid.db"
    redis_url: str | None = None
    redis_prefix: str = "legalaid:"
    # Redis is an accelerator: a stalled server must fail a call in seconds, not hold a turn.
    redis_timeout_seconds: float = Field(default=2.0, gt=0, le=30.0)

    wechat_token: SecretStr = SecretStr("legalaid-demo-token")
    wechat_aes_key: SecretStr | None = None
    wechat_appid: str = "wxdemo0000000000"
    wechat_appsecret: SecretStr = SecretStr("demo-app-secret")
    wechat_api_base: str = "http://127.0.0.1:8081"
    wechat_timeout_seconds: float = 5.0
    wechat_max_retries: int = Field(default=3, ge=0, le=10)
    replay_window_seconds: int = Field(default=300, ge=1)
    # With an AES key, also accept plaintext callbacks (only while switching WeChat's mode over).
    wechat_accept_plaintext: bool = False
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    passive_reply_budget: float = Field(default=4.0, gt=0, le=4.4)

    nlu_backend: Literal["builtin", "rasa"] = "builtin"
    nlu_token: SecretStr | None = None
    rasa_url: str | None = None
    rasa_token: SecretStr | None = None
    nlu_timeout_seconds: float = Field(default=2.0, gt=0, le=4.0)
    nlu_config: Path = REPO_ROOT / "config.yml"
    nlu_data: Path = REPO_ROOT / "nlu_data"
    model_dir: Path = REPO_ROOT / ".models"

    # Keyed hashes (citizen aliases, lookups, the transcripts' word index) and the field cipher's
    # key ring: comma-separated keys, the newest first. Without one, development keeps a demo key
    # in `field_key_file`; production refuses to start.
    alias_key: SecretStr = SecretStr("legalaid-demo-alias-key")
    field_key: SecretStr | None = None
    field_key_file: Path = Path("legalaid-field.key")

    data_dir: Path = REPO_ROOT / "data"
    delivery_retry_seconds: float = Field(default=15.0, gt=0)
    # Handoff: how often every worker sweeps for due reminders and breaches, and the answer fallback.
    deadline_sweep_seconds: float = Field(default=5.0, gt=0)
    # Quality inspection: how often every worker scores closed consultations (data/quality.yml).
    quality_sweep_seconds: float = Field(default=60.0, gt=0)
    wechat_notice_template_id: str | None = None  # template notice when an answer is refused (45015)
    # An unfinished application intake is reminded once, on the next working day at this hour
    # (the center's time); between 08:00 and 20:00 so a reminder never comes at night.
    intake_reminder_at: time = time(10, 0)
    # Addresses of our own reverse proxies, whose X-Forwarded-For / -Proto are believed.
    # A comma-separated list (LEGALAID_TRUSTED_PROXIES=127.0.0.1,10.0.0.5).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Console: idle session expiry and login attempts allowed per 15 minutes.
    console_session_minutes: int = Field(default=60, gt=0, le=24 * 60)
    console_login_attempts: int = Field(default=5, gt=0)
    # A consultation the bot answered alone ends after this long without a message (the record).
    consultation_silence_minutes: int = Field(default=30, gt=0, le=24 * 60)
    # Consultation records closed more than this many days ago are anonymised by a scheduled job
    # (README, "Records retention"): 3 years, the general limitation period of civil claims.
    retention_days: int = Field(default=1095, ge=30)
    # Gone: reply deadlines now always follow data/service_hours.yml (README, "Human handoff").
    # A value still set stops the start rather than being silently ignored.
    deadline_counting: str | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"

    @field_validator("intake_reminder_at")
    @classmethod
    def _daytime(cls, value: time) -> time:
        if not time(8, 0) <= value <= time(20, 0):
            raise ValueError("the intake reminder must be between 08:00 and 20:00: never at night")
        return value

    @field_validator("wechat_aes_key")
    @classmethod
    def _aes_key_is_43_base64(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        raw = value.get_secret_value()
        if len(raw) != 43:
            raise ValueError("LEGALAID_WECHAT_AES_KEY must be exactly 43 characters (WeChat EncodingAESKey)")
        try:
            key = base64.b64decode(raw + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("LEGALAID_WECHAT_AES_KEY is not valid base64") from exc
        if len(key) != 32:
            raise ValueError("LEGALAID_WECHAT_AES_KEY must decode to 32 bytes")
        return value

    @field_validator("deadline_counting")
    @classmethod
    def _counting_is_gone(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(
                "LEGALAID_DEADLINE_COUNTING is no longer read: the reply time promised to a citizen is "
                "always within the standard's 5 h / 24 h and when consultants are on duty "
                "(data/service_hours.yml); remove the variable"
            )
        return None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "LEGALAID_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @model_validator(mode="after")
    def _production_needs_real_parts(self) -> Settings:
        if self.nlu_backend == "rasa" and not self.rasa_url:
            raise ValueError("LEGALAID_RASA_URL is required when LEGALAID_NLU_BACKEND=rasa")
        if self.environment != "production":
            return self
        missing = [
            name
            for name, value in (
                ("LEGALAID_REDIS_URL", self.redis_url),
                ("LEGALAID_FIELD_KEY", self.field_key),
                ("LEGALAID_NLU_TOKEN", self.nlu_token),
            )
            if not value
        ]
        demo = {
            "LEGALAID_WECHAT_TOKEN": self.wechat_token.get_secret_value() == "legalaid-demo-token",
            "LEGALAID_WECHAT_APPSECRET": self.wechat_appsecret.get_secret_value() == "demo-app-secret",
            "LEGALAID_ALIAS_KEY": self.alias_key.get_secret_value() == "legalaid-demo-alias-key",
        }
        if self.field_key is not None and any(
            part.strip().startswith("demo-") for part in self.field_key.get_secret_value().split(",")
        ):
            demo["LEGALAID_FIELD_KEY"] = True
        missing += [name for name, is_demo in demo.items() if is_demo]
        if missing:
            raise ValueError("production needs real values for: " + ", ".join(missing))
        return self


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning validation errors into one readable ConfigurationError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            lines.append(f"  {where}: {err['msg']}")
        raise ConfigurationError("invalid settings:\n" + "\n".join(lines)) from None
