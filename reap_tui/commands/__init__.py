"""One module per sub-command, each with `register(subparsers)`; imports inside handlers stay lazy."""

from types import ModuleType

from reap_tui.commands import validate

COMMANDS: tuple[ModuleType, ...] = (validate,)
