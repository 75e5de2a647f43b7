"""From the global options and the settings to what talking to Reap needs: where, with which
key, on which cadence, under which limits. Every refusal is a UsageError (exit 2)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from reap_tui.api.client import DEFAULT_REQUEST_DEADLINE, DEFAULT_UPLOAD_TIMEOUT, ReapClient
from reap_tui.api.hosts import is_loopback_url
from reap_tui.apikey import ApiKey, ApiKeyError
from reap_tui.clock import Clock
from reap_tui.commands.common import NoApiKey, UsageError
from reap_tui.commands.context import settings_from, target_from
from reap_tui.config import ConfigError, Settings, resolve_api_key, validate_for_host
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.limiter import Limits
from reap_tui.logs import RedactSecrets, start_logging


@dataclass(frozen=True)
class Connection:
    environment: str
    base_url: str
    api_key: ApiKey | None
    key_problem: str  # why there is no key, and how to provide one
    auth_header: str
    cadence: CadenceConfig
    limits: Limits
    request_deadline: float = DEFAULT_REQUEST_DEADLINE

    def require_key(self) -> ApiKey:
        if self.api_key is None:
            raise NoApiKey(self.key_problem)
        return self.api_key

    def start_logging(self, log_file: str | None) -> RedactSecrets:
        """The debug log for this run, with this connection's key redacted from it."""
        secrets = [self.api_key.reveal()] if self.api_key else []
        return start_logging(Path(log_file) if log_file else None, secrets)

    def client(self, clock: Clock, *, upload_timeout: float = DEFAULT_UPLOAD_TIMEOUT) -> ReapClient:
        secret = self.api_key.reveal() if self.api_key else None
        return ReapClient(
            self.base_url,
            secret,
            clock=clock,
            auth_header=self.auth_header,
            upload_timeout=upload_timeout,
            request_deadline=self.request_deadline,
        )


def connection_from(args: argparse.Namespace, settings: Settings | None = None) -> Connection:
    settings = settings or settings_from(args)
    environment, base_url = target_from(args, settings)
    try:
        validate_for_host(settings, base_url)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    cadence = settings.polling
    if args.speed is not None:
        if not args.speed > 0 or args.speed == float("inf"):
            raise UsageError(f"--speed must be a positive number, not {args.speed:g}")
        if not is_loopback_url(base_url):
            raise UsageError(
                f"--speed is only for a loopback sandbox; {base_url} is polled on the "
                "documented cadence"
            )
        cadence = cadence.scaled(args.speed)
    try:
        api_key: ApiKey | None = resolve_api_key(settings)
        key_problem = ""
    except ApiKeyError as error:
        api_key, key_problem = None, str(error)
    limits = Limits(
        max_in_flight=settings.limits.max_in_flight,
        per_second=settings.limits.max_requests_per_second,
    )
    return Connection(
        environment,
        base_url,
        api_key,
        key_problem,
        settings.api.auth_header,
        cadence,
        limits,
        settings.limits.request_deadline,
    )
