"""reap-tui: a terminal dashboard for Reap Compliance KYC batch imports."""

__version__ = "0.1.0"
