"""CSV file: orders uploaded as a file, checked whole first (see channels/FORMATS.md, "CSV file").

Two formats, told apart by the header: our own columns (`ours`), and the Shopify admin's "Export orders" file
(`shopify_export`). Either may come as merchants' spreadsheets write it: UTF-8 with or without a byte-order mark, or
Windows-1252; comma-, semicolon- or tab-separated; decimal points or decimal commas (`reading`).
"""

from orderly.channels.connectors.base import BaseConnector
from orderly.channels.connectors.csv_file import ours, shopify_export
from orderly.channels.connectors.csv_file.reading import MAX_BYTES, MAX_ERRORS, MAX_ROWS, CsvRejected, read_sheet

REQUIRED, OPTIONAL, COLUMNS = ours.REQUIRED, ours.OPTIONAL, ours.COLUMNS

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ERRORS",
    "MAX_ROWS",
    "OPTIONAL",
    "REQUIRED",
    "Connector",
    "CsvRejected",
    "ParsedCsv",
    "parse_csv",
]


class ParsedCsv(list):
    """The file's orders as [(line of the order's first row, ExternalOrder)], with what the file was taken to be:
    `file_format` ("orderly" or "shopify_export"), `description` (delimiter, decimal separator, encoding) and
    `notices` (what the merchant should know, e.g. that a file was read as Windows-1252)."""

    file_format: str = "orderly"
    description: str = ""
    notices: list[str]


def parse_csv(content: bytes | str) -> ParsedCsv:
    """The file's orders with the line of each order's first row; raises CsvRejected listing every error."""
    sheet = read_sheet(content)
    try:
        if shopify_export.recognizes(sheet.header):
            orders, file_format = shopify_export.parse(sheet), "shopify_export"
        else:
            orders, file_format = ours.parse(sheet), "orderly"
    except CsvRejected as rejected:
        if sheet.notices and not any(n in rejected.context for n in sheet.notices):
            raise CsvRejected(rejected.errors, context=f"{rejected.context} {' '.join(sheet.notices)}".strip())
        raise
    result = ParsedCsv(orders)
    result.file_format, result.description, result.notices = file_format, sheet.describe(), list(sheet.notices)
    return result


class Connector(BaseConnector):
    kind = "csv"
