"""`Retry-After`: delay-seconds or an HTTP date (RFC 9110 section 10.2.3)."""

from __future__ import annotations

import math
from email.utils import parsedate_to_datetime

# A server asking for more than a day is treated as asking for a day.
MAX_RETRY_AFTER = 86_400.0


def parse_retry_after(
    value: str | None, now: float, server_date: str | None = None
) -> float | None:
    """Seconds to wait from `now`, or None when absent or unreadable.

    An HTTP date is measured from the response's own `Date` header when it has a readable one,
    so a server whose clock is off from ours still gets the delay it asked for.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    when = _http_date(text)
    if when is None:
        return None
    sent_at = _http_date(server_date) if server_date is not None else None
    delay = when - (now if sent_at is None else sent_at)
    return min(max(0.0, delay), MAX_RETRY_AFTER)


def _http_date(text: str) -> float | None:
    try:
        moment = parsedate_to_datetime(text.strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return None if math.isnan(moment) else moment
