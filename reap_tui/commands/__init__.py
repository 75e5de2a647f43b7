"""One module per sub-command, each with `register(subparsers)`; imports inside handlers stay lazy."""

from types import ModuleType

COMMANDS: tuple[ModuleType, ...] = ()
