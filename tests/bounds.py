"""How long a test waits for something that ends by itself (a subprocess, a thread, a server's answer): a bound
that stops a hung test, never a measure of speed. Generous, because a developer's machine or CI may be loaded many
times over: a fresh SQLite `orderly migrate` was seen taking 2 min 48 s of wall time for 27 s of CPU at load 8."""

WAIT_BOUND = 900  # seconds
# One browser step (a click, a page load, an `expect`): Playwright polls until it succeeds, so a passing test never
# waits this long; a failing one reports after it.
BROWSER_STEP_MS = 180_000
