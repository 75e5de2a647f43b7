"""One module per sub-command, each with `register(subparsers)`; handlers import lazily."""

from types import ModuleType

from reap_tui.commands import sandbox, validate

COMMANDS: tuple[ModuleType, ...] = (validate, sandbox)
