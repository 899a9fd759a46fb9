"""Pulling a shop's orders page by page, for the connectors whose shop has an orders endpoint.

A pull connector says how to ask for the first page, how to read a page (its entries and the request for the
next one), how to parse an entry and where its change time is; `fetch_pages` does the rest. The next page
downloads on a helper thread while this one is parsed and committed. A long pull (a first import of thousands of
orders) hands its later pages to a reader process: it downloads and parses them on another core while this
process stores the previous page. Either way the pages are the same and come in the same order; the reader
touches neither the database nor Django's settings, and asks this process which entries are unchanged, so a
re-sync parses nothing it would skip.
"""

import contextlib
import importlib
import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection

from orderly.channels.connectors import MODULES, parsing
from orderly.channels.connectors.base import BaseConnector, ChannelError, ExternalOrder, Malformed, Page, PageRequest
from orderly.core.memory import gc_paused


class PullConnector(BaseConnector):
    # Pages of at least this many entries, with more to come, are read by a reader process (None: never).
    reader_from_entries: int | None = 100

    def fetch_pages(self, *, cursor: str) -> Iterator[Page]:
        request = self.first_request(cursor)
        soon = self.get_json_soon(request.url, params=request.params, **self.request_kwargs())
        while soon is not None:
            data, response = soon.result()
            entries, following = self.read_page(request, data, response)
            reader = None
            if following is not None and self.reads_in_process(len(entries)):
                reader = ReaderProcess(self, following)  # starts now, so its first page is on its way
                soon = None
            elif following is not None:
                soon = self.get_json_soon(following.url, params=following.params, **self.request_kwargs())
            else:
                soon = None
            try:
                page = page_of(self.parse_entries(entries, self.parse_entry, self.stamp_entry), cursor)
                yield page
                if reader is not None:
                    yield from reader.pages(page.cursor)
            finally:
                if reader is not None:
                    reader.close()
            cursor, request = page.cursor, following

    # -- what each pulling kind defines ---------------------------------------------------------------------------
    def first_request(self, cursor: str) -> PageRequest:
        """The request for the first page of orders changed since `cursor`."""
        raise NotImplementedError

    def request_kwargs(self) -> dict:
        """What every request of a pull carries besides its URL and query (headers, auth)."""
        return {}

    def read_page(self, request: PageRequest, data, response) -> tuple[list, PageRequest | None]:
        """The page's entries as the shop sent them and the request for the next page (None after the last).
        Raises ChannelError when the answer is not a page of orders."""
        raise NotImplementedError

    def parse_entry(self, entry) -> ExternalOrder | Malformed:
        raise NotImplementedError

    def stamp_entry(self, entry: dict) -> str:
        """The entry's change time as a UTC ISO string; BadPayload when it has none that can be read."""
        raise NotImplementedError

    def reads_in_process(self, entries: int) -> bool:
        # Short pulls are not worth a process; a client or sleep given by a test belongs to this process.
        return (
            self.reader_from_entries is not None
            and entries >= self.reader_from_entries
            and not self.client_given
            and self.sleep is time.sleep
            and "fork" in multiprocessing.get_all_start_methods()
        )


def page_of(orders: list, cursor: str) -> Page:
    """The page with the cursor its commit reaches: the latest change time on it, never before `cursor`."""
    for order in orders:
        cursor = parsing.later(cursor, order.updated_at)
    return Page(orders=orders, cursor=cursor)


class ReaderProcess:
    """This process's side of a reader process that downloads and parses a pull's pages from `request` on.

    Per page the reader sends the entries' change times, this process answers which are unchanged (the sync's
    `unchanged`), and the reader sends the parsed page. The answer for the next page is given before the current
    one is handed to the sync, so that the reader parses it while the sync stores this one.
    """

    def __init__(self, connector: PullConnector, request: PageRequest):
        self.connector = connector
        # A fork starts at once, with everything imported. The reader uses none of what it inherits besides code:
        # it makes its own HTTP client, never touches the database, and ends without running this process's
        # exit handlers (multiprocessing ends a forked child with os._exit), so inherited connections stay ours.
        context = multiprocessing.get_context("fork")
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=read_pages,
            args=(connector.kind, connector.settings, connector.credentials, request, theirs),
            name=f"orderly-{connector.kind}-reader",
            daemon=True,
        )
        self.process.start()
        theirs.close()

    def pages(self, cursor: str) -> Iterator[Page]:
        kind, value = self._receive()
        if kind == "stamps":
            self._answer(value)
        while kind == "stamps":
            kind, orders = self._receive()
            if kind != "page":
                break
            kind, value = self._receive()  # the next page's change times, the end, or why the reader stopped
            if kind == "stamps":
                self._answer(value)
            page = page_of(orders, cursor)
            yield page  # a page read in full is stored, even when the next one failed
            cursor = page.cursor
        if kind == "failed":
            raise value

    def _receive(self) -> tuple[str, object]:
        """The reader's next message; its failure, or its unexpected end, as ("failed", ChannelError)."""
        try:
            with gc_paused():  # a page's worth of objects, all kept: nothing for the collector to find
                kind, value = self.conn.recv()
        except (EOFError, OSError):
            return "failed", ChannelError(
                "The process reading the shop's pages stopped before the last page; the next sync goes on from "
                "the last page stored."
            )
        if kind == "failed":
            message, code = value
            return kind, ChannelError(message, code=code or None)
        return kind, value

    def _answer(self, stamps: dict[str, str]) -> None:
        unchanged = self.connector.unchanged
        self.conn.send(unchanged(stamps) if unchanged is not None and stamps else set())

    def close(self) -> None:
        self.conn.close()  # a reader still waiting for an answer ends on its closed pipe
        self.process.join(timeout=1)
        if self.process.is_alive():  # still inside a request to the shop
            self.process.terminate()
            self.process.join()


def read_pages(kind: str, settings: dict, credentials: dict, request: PageRequest, conn: Connection) -> None:
    """The reader process: download and parse the pages from `request` on, answering through `conn`."""
    module = importlib.import_module(f"orderly.channels.connectors.{MODULES.get(kind, kind)}")
    connector = module.Connector(_Channel(settings), credentials)
    try:
        soon = connector.get_json_soon(request.url, params=request.params, **connector.request_kwargs())
        while soon is not None:
            data, response = soon.result()
            entries, following = connector.read_page(request, data, response)
            soon = (
                connector.get_json_soon(following.url, params=following.params, **connector.request_kwargs())
                if following is not None
                else None
            )
            keys, stamps = connector.stamps_of(entries, connector.stamp_entry)
            conn.send(("stamps", stamps))
            orders = connector.parse_except(entries, keys, stamps, conn.recv(), connector.parse_entry)
            for order in orders:
                if isinstance(order, ExternalOrder):
                    order.digest()  # here rather than in the process that stores it
            conn.send(("page", orders))
            request = following
        conn.send(("end", None))
    except (EOFError, BrokenPipeError):
        pass  # the sync stopped reading: nothing more to do
    except ChannelError as exc:
        _send_quietly(conn, ("failed", (exc.message, exc.code)))
    except Exception as exc:  # anything else ends the pull with its reason rather than a silent stop
        _send_quietly(conn, ("failed", (f"Reading the shop's pages failed: {exc.__class__.__name__}: {exc}", "")))
    finally:
        connector.close()
        conn.close()


def _send_quietly(conn: Connection, message: tuple) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):  # the sync is gone: nobody to tell
        conn.send(message)


class _Channel:
    """What a connector reads of its channel, for a reader process that has no database."""

    def __init__(self, settings: dict):
        self.settings = settings
