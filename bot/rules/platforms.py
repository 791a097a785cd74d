"""Which platform a mention is on, from what its source says or, failing that, its link."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.model import Platform

_HOSTS = {
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "t.co": Platform.X,
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "instagram.com": Platform.INSTAGRAM,
    "tiktok.com": Platform.TIKTOK,
    "linkedin.com": Platform.LINKEDIN,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "reddit.com": Platform.REDDIT,
    "redd.it": Platform.REDDIT,
    "trustpilot.com": Platform.REVIEWS,
    "tripadvisor.com": Platform.REVIEWS,
    "yelp.com": Platform.REVIEWS,
}
_NAMES = {"twitter": Platform.X, "fb": Platform.FACEBOOK, "ig": Platform.INSTAGRAM, "news": Platform.NEWS}


def platform_of(link: str, given: str | None = None, *, default: Platform = Platform.OTHER) -> Platform:
    """The platform a source named (`x`, `twitter`, `Facebook`…), else the one its link is on,
    else `default`."""
    name = (given or "").strip().lower()
    if name:
        try:
            return Platform(name)
        except ValueError:
            if name in _NAMES:
                return _NAMES[name]
    try:
        host = (urlsplit(link).hostname or "").lower()
    except ValueError:
        host = ""
    while host:
        if host in _HOSTS:
            return _HOSTS[host]
        host = host.partition(".")[2]
    return default
