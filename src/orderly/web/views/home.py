"""The start page: what waits today, each number a link to the list that shows exactly those."""

import datetime as dt
from urllib.parse import urlencode

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from orderly.channels.selectors import sync_attention
from orderly.orders.selectors import order_day_counts
from orderly.orders.status import OrderStatus, Stage
from orderly.plans.selectors import plan_list
from orderly.plans.status import PlanStatus
from orderly.web.decorators import role_required

# The working stages of open orders, in the order the work goes.
WAITING = (
    (Stage.NEW, "New: to put in a plan"),
    (Stage.IN_PROGRESS, "In progress: in a plan"),
    (Stage.COMPLETED, "Completed: packed, to ship"),
)


def _url(name: str, **params) -> str:
    return reverse(name) + "?" + urlencode(params)


def _orders_url(**params) -> str:
    return _url("web:order_list", **params)


def _plans_url(**params) -> str:
    return _url("web:plan_list", **params)


def _order_rows(counts: dict) -> tuple[list[dict], list[dict]]:
    waiting = [
        {
            "label": label,
            "count": counts["by_stage"].get((OrderStatus.OPEN, stage), 0),
            "url": _orders_url(status=OrderStatus.OPEN, stage=stage),
        }
        for stage, label in WAITING
    ]
    drafts = sum(n for (status, _), n in counts["by_stage"].items() if status == OrderStatus.DRAFT)
    waiting.append({"label": "Drafts: waiting to be opened", "count": drafts, "url": _orders_url(status="draft")})
    causes = [
        {
            "label": row["error_code"].replace("_", " ").capitalize(),
            "example": row["example"],
            "count": row["n"],
            "url": _orders_url(has_error="yes", error_code=row["error_code"]),
        }
        for row in counts["errors"]
    ]
    total = {
        "label": "All orders in error",
        "count": sum(row["count"] for row in causes),
        "url": _orders_url(has_error="yes"),
    }
    errors = [total, *causes] if causes else []
    return waiting, errors


def _plan_rows(today: dt.date) -> list[dict]:
    rows = []
    for day, label in ((today, "Plans to fulfill today"), (today + dt.timedelta(days=1), "Plans to fulfill tomorrow")):
        rows.append(
            {
                "label": label,
                "count": plan_list(status=PlanStatus.OPEN, due=day).count(),
                "url": _plans_url(status=PlanStatus.OPEN, due=day.isoformat()),
            }
        )
    rows.append(
        {
            "label": "Plans with packaging waiting",
            "count": plan_list(status=PlanStatus.OPEN, packaging_waiting=True).count(),
            "url": _plans_url(status=PlanStatus.OPEN, packaging="waiting"),
        }
    )
    return rows


def _shop_rows(attention: dict) -> tuple[list[dict], list[dict]]:
    """The channels whose syncs are failing (each with its newest failure) and the updates to shops retrying, each
    a count with the link to the sync log or the updates list filtered to exactly those rows."""
    failed = [
        {
            "label": f"failed sync{'s' if row['n'] != 1 else ''} of {row['channel__name']}",
            "count": row["n"],
            "url": _url("web:channel_sync_log", channel=row["channel_id"], status="failing"),
            "run": row["run"],
            "problem": row["problem"],
        }
        for row in attention["failed"]
    ]
    retrying = [
        {
            "label": f"update{'s' if row['n'] != 1 else ''} to {row['channel__name']} retrying",
            "count": row["n"],
            "url": _url("web:channel_push_list", channel=row["channel_id"], status="retrying"),
        }
        for row in attention["retrying"]
    ]
    return failed, retrying


@role_required()
def home(request):
    waiting, errors = _order_rows(order_day_counts())
    failed_syncs, retrying = _shop_rows(sync_attention())
    context = {
        "waiting": waiting,
        "errors": errors,
        "plans": _plan_rows(timezone.localdate()),
        "failed_syncs": failed_syncs,
        "retrying": retrying,
    }
    return TemplateResponse(request, "web/home.html", context)
