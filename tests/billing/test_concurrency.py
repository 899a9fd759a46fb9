"""Operators invoicing, paying and crediting one order at once: one invoice, every payment counted, no deadlock."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from orderly.billing.models import Invoice, Payment
from orderly.billing.services import credit_note_for_return, invoice_create, payment_record
from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with
from tests.bounds import WAIT_BOUND

WORKERS = 8


def _at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results, errors = [], []

    def work(job):
        try:
            barrier.wait()
            results.append(job())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_BOUND)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish: a deadlock?"
    return results, errors


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers with row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_invoicing_one_order_at_once_makes_one_invoice():
    actor = Actor.system()
    order = order_with(item("10.00", 2, "21"), item("3.00", 1, "9"))

    results, errors = _at_once([lambda: invoice_create(order=order, actor=actor)] * WORKERS)

    assert len(results) == 1
    assert len(errors) == WORKERS - 1
    assert all(isinstance(error, Conflict) and error.code == "nothing_to_invoice" for error in errors)
    assert Invoice.objects.count() == 1
    assert [i.qty_invoiced for i in items_of(order)] == [2, 1]
    assert results[0].number == "INV-000001"


def test_payments_invoices_and_credit_notes_at_once_all_count():
    actor = Actor.system()
    order = order_with(item("10.00", 4, "0"))
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 2)
    jobs = [lambda: payment_record(order=order, amount="5.00", method="card", actor=actor)] * WORKERS
    jobs.append(lambda: credit_note_for_return(order=order, lines=[(line.pk, 2)], actor=actor))

    _results, errors = _at_once(jobs)

    assert errors == []
    order = fresh(order)
    assert Payment.objects.count() == WORKERS
    assert order.amount_paid == Decimal("5.00") * WORKERS
    assert order.amount_due == Decimal("20.00")
    assert order.payment_status == "refund_due"
    assert Invoice.objects.filter(kind="credit_note").count() == 1
