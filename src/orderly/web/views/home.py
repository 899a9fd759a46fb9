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


def _orders_url(**params) -> str:
    return reverse("web:order_list") + "?" + urlencode(params)


def _plans_url(**params) -> str:
    return reverse("web:plan_list") + "?" + urlencode(params)


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
    errors = [
        {
            "label": row["error_code"].replace("_", " ").capitalize(),
            "example": row["example"],
            "count": row["n"],
            "url": _orders_url(has_error="yes", error_code=row["error_code"]),
        }
        for row in counts["errors"]
    ]
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


@role_required()
def home(request):
    waiting, errors = _order_rows(order_day_counts())
    context = {
        "waiting": waiting,
        "errors": errors,
        "error_total": sum(row["count"] for row in errors),
        "plans": _plan_rows(timezone.localdate()),
        "sync": sync_attention(),
    }
    return TemplateResponse(request, "web/home.html", context)
