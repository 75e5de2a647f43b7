"""The API key: environment first, config.toml only when private, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from reap_tui.apikey import ApiKey, ApiKeyError
from reap_tui.config import Settings, load_settings, resolve_api_key

SECRET = "rk_test_8f2b9c1d4e5a6f70"


def _config_with_key(tmp_path: Path, mode: int) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(f'[api]\napi_key = "{SECRET}"\n')
    path.chmod(mode)
    return load_settings(path)


def test_the_environment_variable_comes_first(tmp_path: Path) -> None:
    settings = _config_with_key(tmp_path, 0o644)  # not even looked at
    key = resolve_api_key(settings, {"REAP_API_KEY": " env-key-123456789 \n"})
    assert key.reveal() == "env-key-123456789"


def test_the_configured_variable_name_is_used(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[api]\napi_key_env = "MY_REAP_KEY"\n')
    settings = load_settings(path)
    assert resolve_api_key(settings, {"MY_REAP_KEY": SECRET}).reveal() == SECRET
    with pytest.raises(ApiKeyError, match="MY_REAP_KEY"):
        resolve_api_key(settings, {"REAP_API_KEY": SECRET})


def test_a_key_in_a_private_config_file_is_used(tmp_path: Path) -> None:
    settings = _config_with_key(tmp_path, 0o600)
    assert resolve_api_key(settings, {}).reveal() == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_in_a_config_file_others_can_read_is_refused_with_the_fix(
    tmp_path: Path, mode: int
) -> None:
    settings = _config_with_key(tmp_path, mode)
    with pytest.raises(ApiKeyError) as caught:
        resolve_api_key(settings, {})
    message = str(caught.value)
    assert f"chmod 600 {tmp_path / 'config.toml'}" in message
    assert f"{mode:04o}" in message
    assert SECRET not in message


def test_no_key_anywhere_says_how_to_provide_one(tmp_path: Path) -> None:
    settings = Settings(config_path=tmp_path / "config.toml")
    with pytest.raises(ApiKeyError) as caught:
        resolve_api_key(settings, {"REAP_API_KEY": "  "})
    message = str(caught.value)
    assert "REAP_API_KEY" in message and str(tmp_path / "config.toml") in message
    assert "chmod 600" in message


def test_the_key_never_shows_itself() -> None:
    key = ApiKey(SECRET)
    assert key.masked == "••••6f70"
    for shown in (str(key), repr(key), f"{key}", f"{key!r}", repr([key]), repr(Settings())):
        assert SECRET not in shown
    assert ApiKey("short-key").masked == "••••"
    assert ApiKey("exactly12chr").masked == "••••2chr"
    assert ApiKey("elevenchars").masked == "••••"


def test_settings_holding_a_key_do_not_show_it(tmp_path: Path) -> None:
    settings = _config_with_key(tmp_path, 0o600)
    assert SECRET not in repr(settings) and SECRET not in str(settings)


@pytest.mark.parametrize(
    "bad", ["secretpart1\nsecretpart2", "secret\u00a0key-12345", "sk key 12345"]
)
def test_a_key_no_header_can_carry_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ApiKeyError) as refused:
        resolve_api_key(Settings(), {"REAP_API_KEY": bad})
    message = str(refused.value)
    assert "REAP_API_KEY" in message and "control character" in message
    assert "secret" not in message and "12345" not in message
