"""Progress of a long command: a bar redrawn in place on a terminal, a plain line per quarter otherwise (a log)."""

import sys
from typing import TextIO


class Progress:
    """Report `done` of `total` steps of `what`. Call `step(done)` as work goes on and `finish()` at the end."""

    WIDTH = 30

    def __init__(self, what: str, total: int, stream: TextIO | None = None):
        self.what, self.total = what, max(total, 1)
        self.stream = stream or sys.stdout
        self.terminal = self.stream.isatty()
        self._shown = -1  # the last quarter printed (plain) or percent drawn (terminal)

    def step(self, done: int) -> None:
        fraction = min(max(done, 0), self.total) / self.total
        if self.terminal:
            percent = int(fraction * 100)
            if percent != self._shown:
                filled = int(fraction * self.WIDTH)
                bar = "#" * filled + "-" * (self.WIDTH - filled)
                self.stream.write(f"\r{self.what} [{bar}] {percent:3d}%")
                self.stream.flush()
                self._shown = percent
            return
        quarter = int(fraction * 4)
        if quarter > self._shown:
            self._shown = quarter
            self.stream.write(f"{self.what}: {quarter * 25}%\n")
            self.stream.flush()

    @property
    def drawn(self) -> bool:
        """Whether anything was written yet."""
        return self._shown >= 0

    def update(self, done: int, total: int) -> None:
        """`step` for work whose size is known only as it goes (a callback of the form progress(done, total))."""
        self.total = max(total, 1)
        self.step(done)

    def finish(self) -> None:
        self.step(self.total)
        if self.terminal:
            self.stream.write("\n")
            self.stream.flush()
