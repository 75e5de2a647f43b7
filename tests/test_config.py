"""Settings: the documented defaults, strict keys with suggestions, and the cadence floors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reap_tui.config import (
    ConfigError,
    Settings,
    load_settings,
    resolve_base_url,
    validate_for_host,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"


def _load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path)


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    return caught.value


def test_the_example_file_holds_exactly_the_defaults() -> None:
    assert load_settings(EXAMPLE) == Settings()


def test_the_example_file_documents_every_key() -> None:
    text = EXAMPLE.read_text()
    documented = set(re.findall(r"^#? ?(\w+) = ", text, re.MULTILINE))
    sections = set(re.findall(r"^\[(\w+)\]$", text, re.MULTILINE))
    defaults = Settings()
    expected = {
        name
        for section in ("api", "polling", "limits", "ui")
        for name in vars(getattr(defaults, section))
    }
    assert sections == {"api", "polling", "limits", "ui"}
    assert documented == expected


def test_a_missing_default_file_means_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_settings() == Settings()


def test_a_missing_file_given_with_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file") as caught:
        load_settings(tmp_path / "nope.toml")
    assert caught.value.file == tmp_path / "nope.toml"


def test_values_are_read_into_their_sections(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        '[api]\nenvironment = "production"\nauth_header = "Authorization"\n'
        "[polling]\ninterval_min = 45\ninterval_max = 90.5\n"
        "[limits]\nmax_in_flight = 2\n"
        '[ui]\ntimezone = "utc"\nbell_on_finish = false\n',
    )
    assert settings.api.environment == "production"
    assert settings.api.auth_header == "Authorization"
    assert (settings.polling.interval_min, settings.polling.interval_max) == (45.0, 90.5)
    assert settings.limits.max_in_flight == 2
    assert settings.ui.timezone == "utc" and settings.ui.bell_on_finish is False


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ("[polling]\nintervall_min = 40\n", "polling.intervall_min", '"interval_min"'),
        ("[api]\nenviroment = 'staging'\n", "api.enviroment", '"environment"'),
        ("[api]\ninterval_min = 40\n", "api.interval_min", "[polling]"),
        ("environment = 'staging'\n", "environment", "[api]"),
        ("[pollling]\nwindow = 60\n", "pollling", '"polling"'),
    ],
)
def test_an_unknown_key_names_the_closest_known_one(
    tmp_path: Path, text: str, key: str, suggestion: str
) -> None:
    error = _error(tmp_path, text)
    assert error.key == key
    assert error.file == tmp_path / "config.toml"
    assert "unknown key" in str(error) and suggestion in str(error)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[polling]\nwindow = "30m"\n', "polling.window", "a number of seconds"),
        ("[polling]\ninterval_min = true\n", "polling.interval_min", "a number of seconds"),
        ("[limits]\nmax_in_flight = 2.5\n", "limits.max_in_flight", "a whole number"),
        ('[ui]\nbell_on_finish = "yes"\n', "ui.bell_on_finish", "true or false"),
        ('[ui]\ntimezone = "Europe/Paris"\n', "ui.timezone", '"local", "utc"'),
        ('[api]\nenvironment = "prod"\n', "api.environment", '"sandbox", "production"'),
        ("[api]\napi_key_env = 5\n", "api.api_key_env", "an environment variable name"),
        ("[api]\nauth_header = 'x key'\n", "api.auth_header", "an HTTP header name"),
        ('[api]\nbase_url = "http://example.com"\n', "api.base_url", "plain http://"),
        ("ui = 3\n", "ui", "a table"),
    ],
)
def test_a_wrong_type_names_the_key_and_the_type_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    error = _error(tmp_path, text)
    assert error.key == key
    assert key in str(error) and expected in str(error)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    assert "line 2" in str(_error(tmp_path, "[api]\nenvironment = \n"))


def test_a_maximum_below_its_minimum_is_refused_for_any_host(tmp_path: Path) -> None:
    error = _error(tmp_path, "[polling]\ninterval_min = 50\ninterval_max = 40\n")
    assert error.key == "polling.interval_max"
    # The slow rate inside an import is never faster than the documented one.
    error = _error(tmp_path, "[polling]\npending_interval = 45\n")
    assert error.key == "polling.pending_interval"
    assert "polling.interval_max (60)" in error.problem


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[polling]\nfirst_check_min = 5\nfirst_check_max = 10\n", "polling.first_check_min"),
        ("[polling]\ninterval_min = 1\ninterval_max = 2\n", "polling.interval_min"),
        ("[polling]\nwindow = 3600\n", "polling.window"),
        ("[polling]\nbackoff_base = 1\n", "polling.backoff_base"),
        ("[polling]\nnot_found_recheck = 5\n", "polling.not_found_recheck"),
    ],
)
def test_a_cadence_faster_than_documented_is_only_for_loopback(
    tmp_path: Path, text: str, key: str
) -> None:
    settings = _load(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        validate_for_host(settings, "https://compliance.api.reap.global")
    assert caught.value.key == key
    assert "documented" in str(caught.value)
    for loopback in ("http://127.0.0.1:8765", "http://[::1]:8765", "http://localhost:1"):
        validate_for_host(settings, loopback)


def test_the_documented_cadence_is_fine_anywhere() -> None:
    validate_for_host(Settings(), "https://compliance.api.reap.global")


def test_base_url_resolution_order(tmp_path: Path) -> None:
    defaults = Settings()
    assert resolve_base_url(defaults, None, None) == (
        "sandbox",
        "https://sandbox-compliance.api.reap.global",
    )
    staging = _load(tmp_path, '[api]\nenvironment = "staging"\n')
    assert resolve_base_url(staging, None, None)[0] == "staging"
    assert resolve_base_url(staging, "production", None) == (
        "production",
        "https://compliance.api.reap.global",
    )
    custom = _load(tmp_path, '[api]\nbase_url = "https://proxy.example/reap/"\n')
    assert resolve_base_url(custom, None, None) == ("custom", "https://proxy.example/reap")
    assert resolve_base_url(custom, "staging", None)[0] == "staging"
    assert resolve_base_url(custom, "staging", "http://127.0.0.1:9000") == (
        "custom",
        "http://127.0.0.1:9000",
    )
    assert resolve_base_url(defaults, None, "https://compliance.api.reap.global/")[0] == (
        "production"
    )


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigError, match="plain http://") as caught:
        resolve_base_url(Settings(), None, "http://compliance.api.reap.global")
    assert caught.value.key == "--base-url"
