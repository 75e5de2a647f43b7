"""Pausing Python's cyclic garbage collector while many long-lived objects are made at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic collection inside: each would walk every object made so far, none of
    which is garbage yet. What is made is then frozen (left out of later collections: it
    lives as long as the program, or is freed by reference counting)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
