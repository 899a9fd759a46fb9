"""Channels › Sync log and Updates to shops: every channel's syncs and pushes, filtered, with a clear refusal of a
filter that names nothing."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.services import channel_create
from tests.factories import make_order
from tests.web.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops():
    web = channel_create(name="Webshop", kind="sandbox")
    beans = channel_create(name="Beans.nl", kind="sandbox")
    now = timezone.now()
    for channel, status, kind, minutes in (
        (web, "succeeded", "channel", 30),
        (web, "failed", "channel", 20),
        (beans, "failed", "webhook", 10),
    ):
        SyncRun.objects.create(
            channel=channel, status=status, kind=kind, started_at=now - dt.timedelta(minutes=minutes), trigger="cron"
        )
    order = make_order()
    for channel, status, attempts in ((web, "pending", 2), (web, "sent", 1), (beans, "pending", 0)):
        OutboxMessage.objects.create(channel=channel, order=order, status=status, attempts=attempts, payload={})
    return {"web": web, "beans": beans, "order": order.number}


def test_the_sync_log_of_every_channel_newest_first(viewer, shops):
    page = text(viewer.get("/channels/syncs/"))
    assert "3 syncs." in page
    assert re.findall(r"(Webshop|Beans\.nl) \d{4}-\d\d-\d\d [\d:]+ — (\w[\w ]*?) cron (Succeeded|Failed)", page) == [
        ("Beans.nl", "Webhook", "Failed"),
        ("Webshop", "Channel sync", "Failed"),
        ("Webshop", "Channel sync", "Succeeded"),
    ]


def test_the_sync_log_filtered_by_channel_kind_and_status(viewer, shops):
    web = shops["web"].id
    assert "2 syncs." in text(viewer.get(f"/channels/syncs/?channel={web}"))
    assert "1 sync." in text(viewer.get(f"/channels/syncs/?channel={web}&status=failed"))
    assert "1 sync." in text(viewer.get("/channels/syncs/?kind=webhook"))
    assert "1 sync." in text(viewer.get("/channels/syncs/?status=failing"))  # a webhook is no channel sync
    page = text(viewer.get(f"/channels/syncs/?channel={web}&kind=csv"))
    assert "0 syncs. No syncs match these filters. Clear the filters to see every one." in page
    assert "Sync log of Webshop" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("channel=abc", "channel 'abc' is no channel's id; choose one from the list."),
        ("channel=99999", "channel '99999' is no channel's id; choose one from the list."),
        ("channel=9999999999999999999999", "channel '9999999999999999999999' is no channel's id; choose one from"),
        ("kind=cron", "kind must be one of channel, order, csv, webhook, not 'cron'."),
        (
            "status=broken",
            "status must be one of queued, running, succeeded, partial, failed, interrupted, failing, not 'broken'.",
        ),
    ],
)
def test_a_sync_log_filter_that_names_nothing_is_refused(viewer, shops, query, message):
    response = viewer.get(f"/channels/syncs/?{query}")
    assert response.status_code == 400
    assert f"These filters cannot be used: {message}" in text(response)


def test_the_updates_to_shops_filtered_by_status(op, shops):
    page = text(op.get("/channels/pushes/"))
    assert "3 updates." in page
    assert page.count("Retry now the update of") == 2  # not the sent one
    assert "1 update." in text(op.get("/channels/pushes/?status=retrying"))
    assert "2 updates." in text(op.get("/channels/pushes/?status=pending"))
    web = text(op.get(f"/channels/pushes/?channel={shops['web'].id}&status=sent"))
    assert "Updates to Webshop" in web
    head = "Shop Order What Created Status Attempts Next attempt Last error Actions"
    assert f"1 update. {head} Webshop {shops['order']} shipped " in web


def test_an_updates_filter_that_names_nothing_is_refused(viewer, shops):
    response = viewer.get("/channels/pushes/?status=lost")
    assert response.status_code == 400
    assert "These filters cannot be used: status must be one of pending, retrying, sent, failed, not 'lost'." in text(
        response
    )


def test_a_viewer_reads_the_updates_without_a_retry_button(viewer, shops):
    page = text(viewer.get("/channels/pushes/"))
    assert "3 updates." in page
    assert "Retry now" not in page


def test_nothing_yet_is_said_apart_from_nothing_matching(viewer):
    assert "There are no syncs yet." in text(viewer.get("/channels/syncs/"))
    assert "There are no updates to shops yet." in text(viewer.get("/channels/pushes/"))


def test_the_channel_pages_lead_to_the_whole_logs(viewer, shops):
    web = shops["web"].id
    html = viewer.get(f"/channels/{web}/").content.decode()
    assert f'href="/channels/syncs/?channel={web}">The whole sync log of Webshop</a>' in html
    assert f'href="/channels/pushes/?channel={web}">All updates to Webshop</a>' in html
    listing = viewer.get("/channels/").content.decode()
    assert 'href="/channels/syncs/">Sync log</a>' in listing
    assert 'href="/channels/pushes/">Updates to shops</a>' in listing


@pytest.mark.parametrize("url", ["/channels/syncs/", "/channels/pushes/"])
def test_the_logs_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"
