"""Inventory pages: stock per SKU and product, lots, the ledger; receiving (operators) and adjusting (managers)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from orderly.catalog.selectors import product_list
from orderly.core.exceptions import DomainError, ValidationError
from orderly.inventory import selectors
from orderly.inventory.services import stock_adjust, stock_receive
from orderly.inventory.status import LotKind
from orderly.web.decorators import role_required
from orderly.web.forms.inventory import (
    adjust_form,
    quantity,
    receive_form,
    receive_input,
    stock_filters,
)
from orderly.web.views.common import actor, overview_page


def qty_text(value) -> str:
    """A quantity as people read it: 12, 5.5, 100 (never 12.000 nor 1E+2)."""
    return format(value.normalize(), "f")


def with_quantity_text(rows, *fields: str):
    """Give each row a `<field>_text` for every quantity field, as the page shows it."""
    for row in rows:
        for name in fields:
            setattr(row, f"{name}_text", qty_text(getattr(row, name)))
    return rows


class StockLine:
    """A stock overview row with its figures as text."""

    def __init__(self, row):
        self.__dict__.update(row.__dict__)
        for name in ("on_hand", "held", "available"):
            setattr(self, f"{name}_text", qty_text(getattr(row, name)))


class Rows(list):
    """A list the pager can count and slice like a queryset (the stock overview is grouped in Python)."""

    def count(self, *args) -> int:
        return len(self)


def _list_page(
    request, template: str, tab: str, values: dict, error, lookup, transform, keys: tuple[str, ...] = ()
) -> TemplateResponse:
    """The page of a list; with `keys` (its order) deep pages are linked by cursor."""
    page = None
    if error is None:
        try:
            page = overview_page(request, lookup(), keys)
        except ValidationError as exc:
            error = exc
    context = {"tab": tab, "values": values, "error": error, "page": page, "kind_choices": LotKind.choices}
    if page is not None:
        context["rows"] = transform(page.items)
    return TemplateResponse(request, template, context, status=400 if error else 200)


@role_required()
def stock_overview(request):
    values, error = stock_filters(request.GET)
    lookup = lambda: Rows(selectors.stock_overview(kind=values["kind"], q=values["q"]))  # noqa: E731
    return _list_page(
        request, "web/inventory/stock.html", "stock", values, error, lookup, lambda rows: [StockLine(r) for r in rows]
    )


@role_required()
def lot_list(request):
    values, error = stock_filters(request.GET)
    lookup = lambda: selectors.lot_list(kind=values["kind"], q=values["q"])  # noqa: E731
    transform = lambda lots: with_quantity_text(lots, "on_hand", "held", "available")  # noqa: E731
    return _list_page(request, "web/inventory/lots.html", "lots", values, error, lookup, transform)


@role_required()
def ledger(request):
    values = {"lot": request.GET.get("lot", "").strip()[:16], "sku": request.GET.get("sku", "").strip()[:64]}
    lookup = lambda: selectors.ledger(lot=values["lot"], sku=values["sku"])  # noqa: E731
    transform = lambda movements: with_quantity_text(movements, "quantity", "held_change")  # noqa: E731
    return _list_page(
        request, "web/inventory/ledger.html", "ledger", values, None, lookup, transform, keys=selectors.LEDGER_ORDER
    )


def _receive_page(request, form, status: int = 200) -> TemplateResponse:
    context = {
        "form": form,
        "kind_choices": LotKind.choices,
        # Suggestions for the SKU and product inputs; the service decides what is valid.
        "products": product_list()[:500],
    }
    return TemplateResponse(request, "web/inventory/receive.html", context, status=status)


@role_required("operator")
def receive(request):
    if request.method != "POST":
        form = receive_form()
        if request.GET.get("kind") in LotKind.values:  # "Receive green coffee" opens it for raw material
            form.fields["kind"].value = request.GET["kind"]
        return _receive_page(request, form)
    form = receive_form(request.POST)
    try:
        lot = stock_receive(**receive_input(form), actor=actor(request))
    except DomainError as exc:
        form.show_error(exc)
        return _receive_page(request, form, status=exc.status)
    messages.success(request, f"Received {lot.item_label} into lot {lot.number}.")
    return redirect("web:inventory_lots")


@role_required("manager")
def adjust(request):
    if request.method != "POST":
        form = adjust_form(lot=request.GET.get("lot", "").strip()[:16])
        return TemplateResponse(request, "web/inventory/adjust.html", {"form": form})
    form = adjust_form(request.POST)
    try:
        lot = stock_adjust(
            lot=form.value("lot"),
            quantity=quantity(form.value("quantity")),
            reason=form.value("reason"),
            actor=actor(request),
        )
    except DomainError as exc:
        form.show_error(exc)
        return TemplateResponse(request, "web/inventory/adjust.html", {"form": form}, status=exc.status)
    messages.success(request, f"Lot {lot.number} adjusted: {qty_text(lot.on_hand)} {lot.unit} on hand now.")
    return redirect(f"{reverse('web:inventory_ledger')}?lot={lot.number}")
