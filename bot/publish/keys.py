"""The names of posts that must go out exactly once, shared by storage (which enqueues them in
the transaction that stores their cause) and bot.publish.posts (which builds and posts them)."""

STEP_NOTE = "note"  # note:<event id>: the one-line record of a step change, in the checklist's thread
SETTLED = "settled"  # settled:<event id>: "all four steps are settled", in the war room
SUMMARY = "summary"  # summary:<closure id>: the closing summary, in the war room
MANAGEMENT = "closure"  # closure:<closure id>: the short closure note, in the management channel
FOLLOWUP = "followup"  # followup:<follow-up id>: the DM to a follow-up's owner


def key(kind: str, ref: int) -> str:
    return f"{kind}:{ref}"


def parse(text: str) -> tuple[str, int] | None:
    kind, _, ref = text.partition(":")
    return (kind, int(ref)) if ref.isdigit() else None
