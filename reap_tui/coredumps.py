"""No core dump of this process: its memory holds the API key.

The core size limit goes to 0 (for this process and what it starts), and on Linux the process
is marked not dumpable, which also keeps other processes of the same user from attaching to
it or reading its memory through /proc. Each step is best effort: a platform without it is
left as it was.
"""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def forbid_core_dumps() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
