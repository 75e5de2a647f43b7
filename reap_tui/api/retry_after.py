"""`Retry-After`: delay-seconds or an HTTP date (RFC 9110 section 10.2.3)."""

from __future__ import annotations

import math
from email.utils import parsedate_to_datetime

# A server asking for more than a day is treated as asking for a day.
MAX_RETRY_AFTER = 86_400.0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from `now`, or None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    delay = when.timestamp() - now
    if math.isnan(delay):
        return None
    return min(max(0.0, delay), MAX_RETRY_AFTER)
