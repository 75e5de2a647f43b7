"""One module per sub-command, each with `register(subparsers)`; handlers import lazily."""

from types import ModuleType

from reap_tui.commands import (
    add,
    import_ids,
    list_batches,
    remove,
    sandbox,
    status,
    upload,
    validate,
    watch,
)

COMMANDS: tuple[ModuleType, ...] = (
    status,
    watch,
    add,
    remove,
    list_batches,
    import_ids,
    validate,
    upload,
    sandbox,
)
