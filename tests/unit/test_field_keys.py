"""Where the field keys come from: production names them, the demo keeps its own file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.privacy.field_cipher import new_field_key
from bot.settings import Settings, load_settings
from bot.store.field_keys import protection_for

PRODUCTION = {
    "environment": "production",
    "redis_url": "redis://127.0.0.1:6379/0",
    "nlu_token": "n" * 24,
    "wechat_token": "real-token",
    "wechat_appsecret": "real-secret",
    "alias_key": "real-alias-key",
}


def test_the_demo_makes_a_key_file_once_and_keeps_using_it(tmp_path: Path):
    key_file = tmp_path / "state" / "legalaid-field.key"
    first = protection_for(Settings(field_key_file=key_file))
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    sealed = first.cipher.seal("张三 13800138000", "message.text")
    again = protection_for(Settings(field_key_file=key_file))
    assert again.cipher.open(sealed, "message.text") == "张三 13800138000"
    assert again.cipher.uses_demo_key


def test_production_refuses_to_start_without_a_field_key():
    with pytest.raises(ConfigurationError, match="LEGALAID_FIELD_KEY"):
        load_settings(**PRODUCTION)


def test_production_refuses_a_demo_key():
    with pytest.raises(ConfigurationError, match="LEGALAID_FIELD_KEY"):
        load_settings(**PRODUCTION, field_key=new_field_key(demo=True))
    with pytest.raises(ConfigurationError, match="LEGALAID_FIELD_KEY"):
        load_settings(**PRODUCTION, field_key=f"{new_field_key()},{new_field_key(demo=True)}")


def test_production_with_a_real_key_ring_seals_with_the_first_key(tmp_path: Path):
    new, old = new_field_key(), new_field_key()
    settings = load_settings(**PRODUCTION, field_key=f"{new},{old}", field_key_file=tmp_path / "never.key")
    protection = protection_for(settings)
    assert len(protection.cipher.keys) == 2
    assert not protection.cipher.uses_demo_key
    assert not (tmp_path / "never.key").exists()


def test_a_malformed_key_in_the_settings_stops_the_service_with_a_hint():
    with pytest.raises(ConfigurationError, match="legalaid keys new"):
        protection_for(Settings(field_key="not-a-key"))
