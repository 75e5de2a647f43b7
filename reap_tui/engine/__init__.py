"""The polling engine: the cadence as a pure policy (`cadence`), a poller per batch (`poller`),
the limits they share (`limiter`), the `Engine` that owns them (`engine`) and what they publish
(`state`). Nothing here imports Textual.

Import from the modules themselves: this package's own import stays empty so that reading a
`BatchState` does not load the HTTP client.
"""
