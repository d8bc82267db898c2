"""Where the sources connect and how fast they poll, from the environment.

Provider secrets keep their usual names (`X_BEARER_TOKEN`); the base URLs exist so an
operator can use a proxy or a self-hosted Jetstream, and so tests point at loopback fakes.
"""

from __future__ import annotations

from dataclasses import dataclass

from wall.config import documented_fields, load_section
from wall.config import setting as _env


@dataclass
class SourceSettings:
    x_bearer_token: str = _env("X_BEARER_TOKEN", "", "App bearer token of the X API; unset: "
                               "X is not followed.")
    x_api_url: str = _env("CLAMEUR_X_API_URL", "https://api.twitter.com", "Base URL of the "
                          "X API v2.")
    x_poll_seconds: str = _env("CLAMEUR_X_POLL_SECONDS", "15", "Shortest pause between two X "
                               "searches (the rate-limit headers may ask for longer).")
    x_retweets: str = _env("CLAMEUR_X_RETWEETS", "", "Set to 1 to include retweets.")
    mastodon_tokens: str = _env("CLAMEUR_MASTODON_TOKENS", "", "Access tokens of instances "
                                "that need one: host=token,host2=token2.")
    mastodon_streaming: str = _env("CLAMEUR_MASTODON_STREAMING", "1", "On instances with a "
                                   "(user) token, follow the streaming API after catching "
                                   "up by polling; 0: always poll.")
    mastodon_poll_seconds: str = _env("CLAMEUR_MASTODON_POLL_SECONDS", "10", "Shortest pause "
                                      "between two polls of a hashtag timeline.")
    jetstream_url: str = _env("CLAMEUR_JETSTREAM_URL",
                              "wss://jetstream2.us-east.bsky.network/subscribe",
                              "Bluesky Jetstream (v1) subscribe endpoint.")
    bluesky_appview_url: str = _env("CLAMEUR_BLUESKY_APPVIEW_URL", "https://public.api.bsky.app",
                                    "Bluesky AppView used to resolve handles and names.")
    refresh_seconds: str = _env("CLAMEUR_INGEST_REFRESH", "10", "How often `clameur ingest` "
                                "re-reads the events to start or stop connectors.")
    backoff: str = _env("CLAMEUR_INGEST_BACKOFF", "1,300", "First and longest pause (seconds) "
                        "before restarting a failed connector; doubles each time.")

    @classmethod
    def load(cls, config_file: str | None = None) -> SourceSettings:
        """Environment first, then the `[sources]` table of `clameur.toml`, then defaults."""
        return load_section(cls, "sources", config_file)

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        return documented_fields(SourceSettings)

    def seconds(self, name: str) -> float:
        return float(getattr(self, name))

    def backoff_range(self) -> tuple[float, float]:
        first, _, longest = self.backoff.partition(",")
        return float(first), float(longest or first)

    def mastodon_token(self, host: str) -> str:
        for pair in self.mastodon_tokens.split(","):
            name, _, token = pair.strip().partition("=")
            if name and name == host:
                return token
        return ""
