"""Configuration: file, environment overrides, secrets only from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings, load_settings


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database.url == "sqlite:///staffroom.db"
    assert settings.platforms() == []
    assert settings.slack.api_base_url == "https://slack.com/api/"
    assert settings.discord.gateway_url.startswith("wss://")


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "staffroom.toml"
    config.write_text('[database]\nurl = "sqlite:///a.db"\n[cpd]\nyearly_target_hours = 30\n')
    monkeypatch.setenv("STAFFROOM_DATABASE__URL", "sqlite:///b.db")
    monkeypatch.setenv("STAFFROOM_TELEGRAM__TOKEN", "123:abc")
    settings = load_settings(config)
    assert settings.database.url == "sqlite:///b.db"
    assert settings.cpd.yearly_target_hours == 30
    assert settings.platforms() == ["telegram"]
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == "123:abc"


def test_secret_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "staffroom.toml"
    config.write_text('[slack]\nbot_token = "xoxb-oops"\n')
    with pytest.raises(ConfigError, match="STAFFROOM_SLACK__BOT_TOKEN"):
        load_settings(config)


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "staffroom.toml"
    config.write_text('[cpd]\ncycle_start_month = 13\n[slack]\nmode = "carrier-pigeon"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert "cpd.cycle_start_month" in str(error.value)
    assert "slack.mode" in str(error.value)


def test_unknown_key_and_bad_toml(tmp_path: Path) -> None:
    config = tmp_path / "staffroom.toml"
    config.write_text("[database]\nurll = 1\n")
    with pytest.raises(ConfigError, match=r"database\.urll: unknown key"):
        load_settings(config)
    config.write_text("[database\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_example_config_is_valid_and_documents_every_key() -> None:
    from core.config import Settings

    example = Path(__file__).parents[2] / "config.example.toml"
    load_settings(example)
    text = example.read_text()
    for section, field in Settings.model_fields.items():
        assert f"[{section}]" in text, section
        model = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        for key in type(model).model_fields:
            documented = (
                f"\n{key} =" in text or f"# {key} =" in text or f"[{section}.{key}]" in text
            )
            assert documented, f"{section}.{key} undocumented"


def test_an_empty_secret_is_not_a_configured_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFROOM_SLACK__BOT_TOKEN", "")
    assert not Settings().slack.configured
