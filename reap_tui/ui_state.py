"""The dashboard's own `[ui]` choices (the column chooser's), in `ui-state.toml` beside
`config.toml`.

`config.toml` is the user's and is never written. The program writes only this file, atomically
and private, and only its `[ui]` table; any other table a person put in it is kept as it was.
Its `[ui]` takes the keys of `config.toml`'s `[ui]`, checked the same way, and overrides them.
A file that cannot be read is reported and left alone: choices made meanwhile are not saved
over it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomli_w

from reap_tui.config import UI_STATE_NAME, ConfigError, Settings, parse_settings
from reap_tui.files import MEGABYTE, read_limited
from reap_tui.store.atomic import make_private_folder, write_atomically

UI_STATE_LIMIT = MEGABYTE


class UiStateError(Exception):
    """ui-state.toml cannot be read (the message names the file and why)."""


def ui_state_path(config_path: Path) -> Path:
    return config_path.with_name(UI_STATE_NAME)


def _document(path: Path) -> dict[str, Any]:
    """The file's tables; {} when it does not exist. UiStateError when it cannot be read."""
    try:
        data = read_limited(path, UI_STATE_LIMIT, "the dashboard's saved choices")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise UiStateError(f"{path}: cannot be read: {error}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UiStateError(f"{path}: not valid TOML: {error}") from None


def with_ui_state(settings: Settings, path: Path) -> Settings:
    """`settings` with the `[ui]` values of ui-state.toml over those of config.toml.
    UiStateError (naming the key) when the file or a value in it is wrong."""
    table = _document(path).get("ui", {})
    if not isinstance(table, dict) or not table:
        return settings
    try:
        chosen = parse_settings(path, {"ui": table}).ui
    except ConfigError as error:
        raise UiStateError(str(error)) from None
    overrides = {name: getattr(chosen, name) for name in table}
    return dataclasses.replace(settings, ui=dataclasses.replace(settings.ui, **overrides))


def save_columns(path: Path, shown: Sequence[str], hidden: Sequence[str]) -> None:
    """Write the column choice into ui-state.toml's `[ui]`, keeping everything else in the
    file. UiStateError if the file there cannot be read (it is not replaced); OSError if it
    cannot be written."""
    document = _document(path)
    table = document.get("ui")
    ui = dict(table) if isinstance(table, dict) else {}
    ui["columns"] = list(shown)
    ui["hidden_columns"] = list(hidden)
    document["ui"] = ui
    make_private_folder(path.parent)
    text = "# Written by reap-tui: the dashboard's own choices (C: columns).\n"
    write_atomically(path, (text + tomli_w.dumps(document)).encode("utf-8"))
