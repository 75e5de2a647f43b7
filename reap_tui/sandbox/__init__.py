"""A Reap-compatible server on loopback with scripted batches, a modelled processor and faults.

Stdlib only (besides `reap_tui.clock` and `reap_tui.api.ids`), so it runs without the TUI.
"""

from reap_tui.sandbox.faults import Fault, FaultKind, FaultPlan
from reap_tui.sandbox.handler import RequestRecord
from reap_tui.sandbox.processor import ProcessorConfig, QueuedBatch, RunState
from reap_tui.sandbox.script import ScriptedBatch, status_document
from reap_tui.sandbox.server import SandboxServer, UploadDefaults, UploadRecord

__all__ = [
    "Fault",
    "FaultKind",
    "FaultPlan",
    "ProcessorConfig",
    "QueuedBatch",
    "RequestRecord",
    "RunState",
    "SandboxServer",
    "ScriptedBatch",
    "UploadDefaults",
    "UploadRecord",
    "status_document",
]
