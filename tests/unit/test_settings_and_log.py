"""Settings refuse bad production values clearly; logs never carry personal data."""

from __future__ import annotations

import base64
import json

import pytest
import structlog

from bot.errors import ConfigurationError
from bot.log import configure_logging
from bot.settings import load_settings


def test_embedded_defaults_need_nothing():
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.redis_url is None
    assert settings.nlu_backend == "builtin"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"wechat_aes_key": "short"}, "43 characters"),
        ({"wechat_aes_key": "!" * 43}, "base64"),
        ({"database_url": "mysql://x"}, "LEGALAID_DATABASE_URL"),
        ({"nlu_backend": "rasa"}, "LEGALAID_RASA_URL"),
        ({"environment": "production"}, "LEGALAID_REDIS_URL"),
        ({"passive_reply_budget": 9}, "passive_reply_budget"),
    ],
)
def test_malformed_settings_are_refused_with_the_reason(overrides, named):
    with pytest.raises(ConfigurationError) as err:
        load_settings(**overrides)
    assert named in str(err.value)


def test_settings_come_from_the_environment(monkeypatch):
    key = base64.b64encode(bytes(range(32))).decode().rstrip("=")
    monkeypatch.setenv("LEGALAID_WECHAT_AES_KEY", key)
    monkeypatch.setenv("LEGALAID_REPLAY_WINDOW_SECONDS", "60")
    settings = load_settings()
    assert settings.wechat_aes_key is not None and settings.wechat_aes_key.get_secret_value() == key
    assert settings.replay_window_seconds == 60
    monkeypatch.setenv("LEGALAID_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.5")
    assert load_settings().trusted_proxies == ["127.0.0.1", "10.0.0.5"]


def test_the_removed_deadline_counting_stops_the_start(monkeypatch):
    """A deployment that chose how deadlines count must learn that the choice is gone."""
    monkeypatch.setenv("LEGALAID_DEADLINE_COUNTING", "service_hours")
    with pytest.raises(ConfigurationError, match="LEGALAID_DEADLINE_COUNTING is no longer read"):
        load_settings()


def test_production_needs_the_nlu_token(monkeypatch):
    for name, value in {
        "LEGALAID_REDIS_URL": "redis://127.0.0.1:6379/0",
        "LEGALAID_FIELD_KEY": "k" * 32,
        "LEGALAID_WECHAT_TOKEN": "t",
        "LEGALAID_WECHAT_APPSECRET": "s",
        "LEGALAID_ALIAS_KEY": "a",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="LEGALAID_NLU_TOKEN"):
        load_settings(environment="production")
    assert load_settings(environment="production", nlu_token="n").nlu_token is not None


@pytest.fixture
def json_logging():
    configure_logging("json", "INFO")
    yield
    structlog.reset_defaults()  # the captured stderr closes after the test


def test_log_redaction_drops_text_and_masks_long_digit_runs(capsys, json_logging):
    structlog.get_logger("t").info(
        "inbound_recorded", text="我叫张三 电话13812345678", openid="oABC", note="身份证110101199003071234"
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["text"] == "[redacted]" and record["openid"] == "[redacted]"
    assert "110101199003071234" not in line and "[digits]" in record["note"]
