"""Who may see what: the privacy rule of private crises, stated once."""

from __future__ import annotations

from collections.abc import Callable, Collection


def may_see(private: bool, members: Collection[str] | Callable[[], Collection[str]], viewer: str | None) -> bool:
    """The privacy rule, stated once: a public crisis is anyone's to see; a private one only
    its members' (never a channel's, `viewer` None). `members` may be a function, so the
    members of a public crisis are never looked up."""
    if not private:
        return True
    return viewer is not None and viewer in (members() if callable(members) else members)
