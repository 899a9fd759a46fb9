"""Every write to orders goes through these services."""

from orderly.orders.services.editing import order_create, order_update
from orderly.orders.services.item_progress import order_items_progress
from orderly.orders.services.lifecycle import (
    order_archive,
    order_cancel,
    order_close,
    order_delete,
    order_error_clear,
    order_error_raise,
    order_note_add,
    order_open,
    order_reopen,
    order_reset,
    order_set_stage,
    order_stage_write,
    order_unarchive,
)
from orderly.orders.services.settling import order_settle

__all__ = [
    "order_archive",
    "order_cancel",
    "order_close",
    "order_create",
    "order_delete",
    "order_error_clear",
    "order_error_raise",
    "order_items_progress",
    "order_note_add",
    "order_open",
    "order_reopen",
    "order_reset",
    "order_set_stage",
    "order_settle",
    "order_stage_write",
    "order_unarchive",
    "order_update",
]
