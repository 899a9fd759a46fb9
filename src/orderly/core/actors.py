"""Who did something: a person, a sales channel, or Orderly itself."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "channel" or "system"
    name: str
    user: Any = None

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls(kind="user", name=user.get_username(), user=user)

    @classmethod
    def for_channel(cls, channel) -> "Actor":
        return cls(kind="channel", name=str(channel))

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind="system", name="Orderly")
