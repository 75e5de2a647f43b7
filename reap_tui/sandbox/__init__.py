"""A Reap-compatible server on loopback with scripted batches and faults.

Stdlib only (besides `reap_tui.clock` and `reap_tui.api.ids`), so it runs without the TUI.
"""

from reap_tui.sandbox.faults import Fault, FaultKind, FaultPlan
from reap_tui.sandbox.script import ScriptedBatch, status_document
from reap_tui.sandbox.server import RequestRecord, SandboxServer, UploadDefaults, UploadRecord

__all__ = [
    "Fault",
    "FaultKind",
    "FaultPlan",
    "RequestRecord",
    "SandboxServer",
    "ScriptedBatch",
    "UploadDefaults",
    "UploadRecord",
    "status_document",
]
