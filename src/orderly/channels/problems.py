"""A failed sync in words a merchant understands, with what to do about it. The sync log keeps the technical
reason (the request and what answered it) for whoever digs deeper; the channel's page leads with these words.

Pure: reads the run's error text as the connectors write it (connectors/base.py and each connector's own checks).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncProblem:
    what: str  # what went wrong, for the merchant
    fix: str  # what to do about it
    detail: str  # the technical reason as the run recorded it


# (pattern in the run's error, what went wrong, the fix), first match wins.
PROBLEMS = (
    (
        r"was not sent: .*(private|local|refused)|was not sent:",
        "The shop's address points at this server's own network, which Orderly does not call.",
        "Enter the shop's public address (base URL) from Edit.",
    ),
    (
        r"failed: (ConnectError|ConnectTimeout)|timed out|failed: (ReadError|RemoteProtocolError|NetworkError)",
        "The shop's address could not be reached.",
        "Check the shop's address (base URL) from Edit and that the shop is online; the next sync tries again.",
    ),
    (
        r"refused: (401|403)\b",
        "The shop refused the access token.",
        "Create a new API token (or key) in the shop's admin with access to orders, and enter it from Edit.",
    ),
    (
        r"refused: 404\b",
        "The shop's address answered, but there is no shop API at it.",
        "Check the shop's address (base URL) from Edit: it is the shop's own address, without a path.",
    ),
    (
        r"refused: 4\d\d\b",
        "The shop refused the request.",
        "Check the channel's settings from Edit; the shop's answer below says what it did not accept.",
    ),
    (
        r"answered 5\d\d\b",
        "The shop had trouble of its own and did not answer.",
        "Nothing to change here: the next sync tries again. If it lasts, ask the shop's support.",
    ),
    (
        r"rate limit|rate-limited",
        "The shop asked Orderly to slow down.",
        "Nothing to do: the next sync carries on where this one stopped.",
    ),
    (
        r"has no access_token|needs consumer_key|credentials cannot be read",
        "The channel has no usable credentials.",
        "Enter the shop's API credentials from Edit.",
    ),
    (
        r"not JSON|did not answer with",
        "The address answered, but not as the shop's API does.",
        "Check the shop's address (base URL) from Edit: it must be the shop itself, not a page in front of it.",
    ),
    (
        r"disabled or does not pull",
        "The channel was disabled before the sync could run.",
        "Enable the channel, then Synchronize again.",
    ),
    (
        r"stopped|killed|interrupted",
        "The sync was stopped before it finished; what it took is kept.",
        "Synchronize again: it carries on where it stopped.",
    ),
)


def sync_problem(error: str) -> SyncProblem | None:
    """The merchant's words for a run's `error`, or None when there is none."""
    if not error:
        return None
    for pattern, what, fix in PROBLEMS:
        if re.search(pattern, error, flags=re.IGNORECASE):
            return SyncProblem(what, fix, error)
    return SyncProblem("The sync failed.", "Synchronize again; if it fails again, the reason below says why.", error)
