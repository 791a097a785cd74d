"""One conditional GET of a feed: ETag and Last-Modified are sent back, so an unchanged feed
costs its server a 304 and us nothing to parse."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field

TIMEOUT_SECONDS = 10
SIZE_LIMIT = 5 * 1024 * 1024
USER_AGENT = "CrisisRoom/0.1 (feed poller; conditional requests)"


class FetchError(Exception):
    """The feed could not be fetched; the message says why, in plain words."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when the feed has not changed
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """GET the feed, sending back the validators its server gave last time."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/atom+xml, application/rss+xml, application/xml, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) only, checked on entry)
            body = response.read(SIZE_LIMIT + 1)
            if len(body) > SIZE_LIMIT:
                raise FetchError(f"the feed is larger than {SIZE_LIMIT // (1024 * 1024)} MB")
            return Fetched(response.status, body, {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(304, b"", {k.lower(): v for k, v in error.headers.items()})
        raise FetchError(f"the server answered HTTP {error.code}") from None
    except urllib.error.URLError as error:
        raise FetchError(f"the server could not be reached ({error.reason})") from None
    except (TimeoutError, OSError, ValueError) as error:
        raise FetchError(f"the server could not be reached ({error})") from None
