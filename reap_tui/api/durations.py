"""How long the client waits for Reap, in seconds (without the client, so a command line can
offer them as defaults cheaply)."""

# The upload's answer: a 10 MB body on a slow link, then Reap's parsing.
DEFAULT_UPLOAD_TIMEOUT = 120.0
# A status request in all: the client's timeouts are per step, and a server that sends a byte
# every few seconds never trips them.
DEFAULT_REQUEST_DEADLINE = 30.0
