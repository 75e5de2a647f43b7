"""The user's settings: config.toml, read-only to the program, checked strictly.

A missing default file means the defaults; an unknown key is an error that suggests the
closest known one; a wrong type names the key and the type expected. Durations shorter than
the documented cadence are refused unless the API host is loopback (`validate_for_host`).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import platformdirs

from reap_tui.api.hosts import ENVIRONMENTS, UnsafeBaseUrl, check_base_url, is_loopback_url
from reap_tui.apikey import ApiKey, ApiKeyError, file_exposure, usable_key
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.files import MEGABYTE, read_limited
from reap_tui.text import clean

Environment = Literal["sandbox", "production", "staging"]
CUSTOM_ENVIRONMENT = "custom"  # the name recorded for a base URL that is none of ENVIRONMENTS
SETTINGS_SIZE_LIMIT = 64 * MEGABYTE


@dataclass(frozen=True)
class ApiSettings:
    environment: Environment = "sandbox"
    base_url: str | None = None  # overrides environment
    api_key_env: str = "REAP_API_KEY"
    api_key: ApiKey | None = None  # discouraged: prefer the environment variable
    auth_header: str = "x-reap-api-key"


@dataclass(frozen=True)
class LimitSettings:
    max_in_flight: int = 4
    max_requests_per_second: float = 5.0
    # Seconds for a whole request (ReapClient's DEFAULT_REQUEST_DEADLINE; not imported from
    # there, so that reading the settings does not load the HTTP stack).
    request_deadline: float = 30.0


@dataclass(frozen=True)
class UiSettings:
    theme: str = "textual-dark"
    timezone: Literal["local", "utc"] = "local"
    bell_on_finish: bool = True
    # The table's columns after the label, in order; None: every column in the default order.
    # The dashboard's column chooser (C) writes these to ui-state.toml, never to config.toml.
    columns: tuple[str, ...] | None = None
    hidden_columns: tuple[str, ...] = ()
    # Failure rate (percent of processed records) above which it is shown red, and amber.
    failure_rate_red: float = 5.0
    failure_rate_amber: float = 1.0
    # An in-progress batch whose processed count has not moved for this many checks (or for
    # polling.batch_stall_after seconds) is shown as stalled.
    stalled_after_checks: int = 10


UI_STATE_NAME = "ui-state.toml"
"""The file beside config.toml that the dashboard writes its [ui] choices to."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("reap-tui")) / "config.toml"


@dataclass(frozen=True)
class Settings:
    api: ApiSettings = field(default_factory=ApiSettings)
    polling: CadenceConfig = field(default_factory=CadenceConfig)
    limits: LimitSettings = field(default_factory=LimitSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    # The file these came from (or would have, had it existed).
    config_path: Path = field(default_factory=default_config_path, compare=False)


class ConfigError(Exception):
    """A settings problem, naming the file (None for a command-line option) and the key."""

    def __init__(self, problem: str, *, file: Path | None, key: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.key = key
        # A key is the file's own text: a control character in it must not reach the terminal.
        where = clean(", ".join(part for part in (str(file) if file else "", key or "") if part))
        super().__init__(f"{where}: {problem}" if where else problem)


# Below these (or, for window, above), a real Reap host would be polled faster than documented.
DOCUMENTED_MINIMUMS = {
    "first_check_min": 60.0,
    "interval_min": 30.0,
    "backoff_base": 30.0,
    "not_found_recheck": 30.0,
}
DOCUMENTED_WINDOW_MAXIMUM = 1800.0


def load_settings(path: Path | None = None) -> Settings:
    """Read `path` (from --config; must exist) or the default file (may be missing)."""
    config_path = path or default_config_path()
    try:
        data = read_limited(config_path, SETTINGS_SIZE_LIMIT, "a settings file")
    except FileNotFoundError:
        if path is not None:
            raise ConfigError("no such file (given with --config)", file=config_path) from None
        return Settings(config_path=config_path)
    except OSError as error:
        raise ConfigError(f"cannot be read: {error.strerror}", file=config_path) from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"line {line}: not UTF-8 text", file=config_path) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", file=config_path) from None
    return parse_settings(config_path, document)


def cadence_problem(cadence: CadenceConfig, base_url: str) -> str | None:
    """Why `cadence` may not poll `base_url` (faster than documented, to a host that is not
    loopback), or None."""
    if is_loopback_url(base_url):
        return None
    for name, minimum in DOCUMENTED_MINIMUMS.items():
        if getattr(cadence, name) < minimum:
            return f"polling.{name} is below the documented {_number(minimum)} s"
    if cadence.window > DOCUMENTED_WINDOW_MAXIMUM:
        return f"polling.window is above the documented {_number(DOCUMENTED_WINDOW_MAXIMUM)} s"
    return None


def validate_for_host(settings: Settings, base_url: str) -> None:
    """Refuse a cadence faster than documented unless `base_url` is a loopback host."""
    if is_loopback_url(base_url):
        return
    polling = settings.polling
    for name, minimum in DOCUMENTED_MINIMUMS.items():
        value = getattr(polling, name)
        if value < minimum:
            raise ConfigError(
                f"{_number(value)} s is below the documented minimum of {_number(minimum)} s; "
                f"shorter durations are allowed only for a loopback host, not {base_url}",
                file=settings.config_path,
                key=f"polling.{name}",
            )
    if polling.window > DOCUMENTED_WINDOW_MAXIMUM:
        raise ConfigError(
            f"{_number(polling.window)} s is above the documented maximum of "
            f"{_number(DOCUMENTED_WINDOW_MAXIMUM)} s of polling; longer windows are allowed "
            f"only for a loopback host, not {base_url}",
            file=settings.config_path,
            key="polling.window",
        )


def resolve_base_url(
    settings: Settings, env_option: str | None, base_url_option: str | None
) -> tuple[str, str]:
    """(environment name, base URL): --base-url, else --env, else the settings' base_url,
    else their environment. A URL that is no known environment is named "custom"."""
    if base_url_option:
        try:
            return _named(check_base_url(base_url_option))
        except UnsafeBaseUrl as error:
            raise ConfigError(str(error), file=None, key="--base-url") from None
    if env_option:
        if env_option not in ENVIRONMENTS:
            raise ConfigError(
                f"unknown environment {env_option!r} (one of {', '.join(ENVIRONMENTS)})",
                file=None,
                key="--env",
            )
        return env_option, ENVIRONMENTS[env_option]
    if settings.api.base_url:
        return _named(settings.api.base_url)
    return settings.api.environment, ENVIRONMENTS[settings.api.environment]


def _named(url: str) -> tuple[str, str]:
    name = next((name for name, known in ENVIRONMENTS.items() if known == url), None)
    return name or CUSTOM_ENVIRONMENT, url


def _number(value: float) -> str:
    return f"{value:g}"


class _WrongValue(Exception):
    """Raised by a converter with what was expected."""


Converter = Callable[[Any], Any]


def _choice(*allowed: str) -> Converter:
    def convert(value: Any) -> Any:
        if value not in allowed:
            raise _WrongValue("one of " + ", ".join(f'"{choice}"' for choice in allowed))
        return value

    return convert


def _matching(pattern: str, expected: str) -> Converter:
    compiled = re.compile(pattern)

    def convert(value: Any) -> Any:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise _WrongValue(expected)
        return value

    return convert


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _WrongValue("a non-empty string")
    return value


def _secret(value: Any) -> ApiKey:
    return ApiKey(_text(value).strip())


def _base_url(value: Any) -> str:
    try:
        return check_base_url(_text(value))
    except UnsafeBaseUrl as error:
        raise _WrongValue(f"a usable base URL ({error})") from None


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _WrongValue("a number of seconds greater than 0")
    return float(value)


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _WrongValue("a number greater than 0")
    return float(value)


def _positive_int(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _WrongValue("a whole number of at least 1")
    return value


def _percent(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise _WrongValue("a percentage from 0 to 100")
    return float(value)


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, str) and re.fullmatch(r"[a-z_]{1,40}", item) for item in value
    ):
        raise _WrongValue("a list of column names (lower-case letters and _)")
    return tuple(dict.fromkeys(value))


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _WrongValue("true or false")
    return value


_SECTIONS: dict[str, tuple[type[Any], dict[str, Converter]]] = {
    "api": (
        ApiSettings,
        {
            "environment": _choice(*ENVIRONMENTS),
            "base_url": _base_url,
            "api_key_env": _matching(
                r"[A-Za-z_][A-Za-z0-9_]*", "an environment variable name (letters, digits, _)"
            ),
            "api_key": _secret,
            "auth_header": _matching(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", "an HTTP header name"),
        },
    ),
    "polling": (CadenceConfig, {f.name: _seconds for f in fields(CadenceConfig)}),
    "limits": (
        LimitSettings,
        {
            "max_in_flight": _positive_int,
            "max_requests_per_second": _positive_number,
            "request_deadline": _seconds,
        },
    ),
    "ui": (
        UiSettings,
        {
            "theme": _text,
            "timezone": _choice("local", "utc"),
            "bell_on_finish": _boolean,
            "columns": _names,
            "hidden_columns": _names,
            "failure_rate_red": _percent,
            "failure_rate_amber": _percent,
            "stalled_after_checks": _positive_int,
        },
    ),
}

# Pairs that must be ordered whatever the host (the slow rate is never faster than the other).
_ORDERED = (
    ("first_check_min", "first_check_max"),
    ("interval_min", "interval_max"),
    ("backoff_base", "backoff_cap"),
    ("interval_max", "pending_interval"),
)


def parse_settings(path: Path, document: Mapping[str, Any]) -> Settings:
    """Settings from a decoded TOML document (read from `path`), checked strictly."""
    sections: dict[str, Any] = {}
    for section, table in document.items():
        if section not in _SECTIONS:
            raise _unknown_key(path, None, section)
        if not isinstance(table, dict):
            raise ConfigError(f"expected a table ([{section}])", file=path, key=section)
        cls, converters = _SECTIONS[section]
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in converters:
                raise _unknown_key(path, section, key)
            try:
                values[key] = converters[key](value)
            except _WrongValue as wrong:
                raise ConfigError(f"expected {wrong}", file=path, key=f"{section}.{key}") from None
        sections[section] = cls(**values)
    settings = Settings(config_path=path, **sections)
    if settings.ui.failure_rate_red < settings.ui.failure_rate_amber:
        raise ConfigError(
            f"must be at least ui.failure_rate_amber ({_number(settings.ui.failure_rate_amber)})",
            file=path,
            key="ui.failure_rate_red",
        )
    for low, high in _ORDERED:
        if getattr(settings.polling, high) < getattr(settings.polling, low):
            raise ConfigError(
                f"must be at least polling.{low} ({_number(getattr(settings.polling, low))})",
                file=path,
                key=f"polling.{high}",
            )
    return settings


def _unknown_key(path: Path, section: str | None, key: str) -> ConfigError:
    shown = f"[{section}] {key}" if section else key
    owners = [name for name, (_, converters) in _SECTIONS.items() if key in converters]
    if owners:
        hint = f"; it belongs in the [{owners[0]}] section"
    else:
        known = list(_SECTIONS[section][1]) if section else list(_SECTIONS)
        close = difflib.get_close_matches(key, known, n=1) or difflib.get_close_matches(
            key, [name for _, converters in _SECTIONS.values() for name in converters], n=1
        )
        hint = f'; did you mean "{close[0]}"?' if close else ""
    dotted = f"{section}.{key}" if section else key
    return ConfigError(f"unknown key {shown!r}{hint}", file=path, key=dotted)


def resolve_api_key(settings: Settings, environ: Mapping[str, str] = os.environ) -> ApiKey:
    """The key from the environment variable the settings name, else from a private
    config.toml (as ssh treats private keys); ApiKeyError says how to provide one."""
    variable = settings.api.api_key_env
    from_environment = environ.get(variable, "").strip()
    if from_environment:
        return usable_key(ApiKey(from_environment), f"the {variable} environment variable")
    config_path = settings.config_path
    if settings.api.api_key is not None:
        exposure = file_exposure(config_path)
        if exposure:
            problem, fix = exposure
            raise ApiKeyError(
                f"refusing the api_key in {config_path}: {problem}. "
                f"Fix: {fix} (or set {variable} instead)"
            )
        return usable_key(settings.api.api_key, f"api_key in {config_path}")
    raise ApiKeyError(
        f"no API key: set the {variable} environment variable, or put api_key under [api] in "
        f"{config_path} and chmod 600 it. Keys are made in the Reap Dashboard: "
        "Settings > Product Settings > KYC API Keys."
    )
