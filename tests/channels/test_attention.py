"""What the start page counts of the shops: each channel's syncs failing since its last one that did not, and the
updates to shops retrying — the same rows the sync log and the updates list show with those filters."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.selectors import outbox_search, sync_attention, sync_run_search
from orderly.channels.services import channel_create
from tests.factories import make_order

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _run(channel, status: str, minutes: int, kind: str = "channel", **fields) -> SyncRun:
    return SyncRun.objects.create(
        channel=channel, status=status, kind=kind, started_at=NOW - dt.timedelta(minutes=minutes), **fields
    )


def _failing(channel) -> list[int]:
    return list(sync_run_search(channel_id=channel.id, failing_only=True).values_list("id", flat=True))


def test_the_failures_after_the_last_sync_that_did_not_fail_newest_first():
    shop = channel_create(name="Webshop", kind="sandbox")
    _run(shop, "failed", 90)
    _run(shop, "succeeded", 60)
    failed = _run(shop, "failed", 50)
    partial = _run(shop, "partial", 40)
    _run(shop, "failed", 35, kind="order")  # a re-pull of one order is no sync of the channel
    interrupted = _run(shop, "interrupted", 30)

    assert _failing(shop) == [interrupted.id, partial.id, failed.id]


def test_a_channel_that_never_synchronized_fails_with_every_sync():
    shop = channel_create(name="Webshop", kind="sandbox")
    first, second = _run(shop, "failed", 20), _run(shop, "failed", 10)
    assert _failing(shop) == [second.id, first.id]


def test_a_sync_running_or_queued_now_ends_the_streak():
    shop = channel_create(name="Webshop", kind="sandbox")
    _run(shop, "failed", 20)
    _run(shop, "running", 5)
    assert _failing(shop) == []
    assert sync_attention()["failed"] == []


def test_runs_started_in_the_same_instant_are_told_apart_by_their_id():
    shop = channel_create(name="Webshop", kind="sandbox")
    _run(shop, "succeeded", 10)
    later = _run(shop, "failed", 10)
    assert _failing(shop) == [later.id]


def test_each_channel_has_its_own_streak():
    web = channel_create(name="Webshop", kind="sandbox")
    beans = channel_create(name="Beans.nl", kind="sandbox")
    web_failure = _run(web, "failed", 30)
    _run(beans, "failed", 40)
    _run(beans, "succeeded", 20)

    assert list(sync_run_search(failing_only=True).values_list("id", flat=True)) == [web_failure.id]


def test_the_start_page_counts_enabled_channels_with_their_newest_failure_in_words():
    web = channel_create(name="Webshop", kind="sandbox")
    old = channel_create(name="Old shop", kind="sandbox", enabled=False)
    _run(web, "failed", 30, error="timed out")
    newest = _run(web, "failed", 20, error="GET https://webshop.example/orders was refused: 401 Invalid API key")
    _run(old, "failed", 10, error="timed out")

    [row] = sync_attention()["failed"]

    assert (row["channel_id"], row["channel__name"], row["n"], row["run"]) == (web.id, "Webshop", 2, newest)
    assert row["problem"].what == "The shop refused the access token."


def test_an_interrupted_sync_is_told_as_stopped_and_a_partial_one_has_no_single_reason():
    web = channel_create(name="Webshop", kind="sandbox")
    beans = channel_create(name="Beans.nl", kind="sandbox")
    _run(web, "interrupted", 20)
    _run(beans, "partial", 10, failed=2)

    rows = {row["channel__name"]: row for row in sync_attention()["failed"]}

    assert rows["Webshop"]["problem"].what == "The sync was stopped before it finished; what it took is kept."
    assert rows["Beans.nl"]["problem"] is None


def test_retrying_is_a_pending_update_after_a_failed_attempt():
    web = channel_create(name="Webshop", kind="sandbox")
    order = make_order()
    made = {
        (status, attempts): OutboxMessage.objects.create(
            channel=web, order=order, status=status, attempts=attempts, payload={}
        ).id
        for status, attempts in (("pending", 0), ("pending", 2), ("failed", 8), ("sent", 1))
    }

    def listed(status):
        return set(outbox_search(channel_id=web.id, status=status).values_list("id", flat=True))

    assert listed("retrying") == {made["pending", 2]}
    assert listed("pending") == {made["pending", 0], made["pending", 2]}
    assert listed("failed") == {made["failed", 8]}
    assert listed("sent") == {made["sent", 1]}
    assert listed("") == set(made.values())
    assert [(r["channel__name"], r["n"]) for r in sync_attention()["retrying"]] == [("Webshop", 1)]


def test_no_channel_no_attention():
    assert sync_attention() == {"failed": [], "retrying": []}
    assert list(sync_run_search(failing_only=True)) == []


def test_the_queries_do_not_grow_with_the_sync_log():
    shop = channel_create(name="Webshop", kind="sandbox")
    _run(shop, "succeeded", 500)
    _run(shop, "failed", 400)
    with CaptureQueriesContext(connection) as few:
        assert sync_attention()["failed"][0]["n"] == 1
    for minutes in range(300, 100, -5):
        _run(shop, "failed", minutes)
    with CaptureQueriesContext(connection) as many:
        assert sync_attention()["failed"][0]["n"] == 41
    assert len(many.captured_queries) == len(few.captured_queries)
