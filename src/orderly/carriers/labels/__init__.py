"""Shipping label documents: own labels drawn as PDF or ZPL, and many labels composed into one document."""

from orderly.carriers.labels.compose import LabelDocumentError, compose
from orderly.carriers.labels.model import OwnLabel
from orderly.carriers.labels.pdf import draw_pdf
from orderly.carriers.labels.zpl import draw_zpl

__all__ = ["LabelDocumentError", "OwnLabel", "compose", "draw_pdf", "draw_zpl"]
