"""Answers sent as built: plain data made in one pass from the rows, rendered to JSON without a second validation.

A response schema is the contract of an answer; ninja would validate each answer into it again, which for a page
of 50 orders cost more than reading them. The operations that send their data through `answer` still declare the
schema (the OpenAPI document shows it), and the tests hold every such answer to it. The encoder is ninja's own, so
the JSON is byte for byte what ninja would send.
"""

from django.http import JsonResponse
from ninja.responses import NinjaJSONEncoder


def answer(data, *, status: int = 200) -> JsonResponse:
    """`data` (dicts, lists, strings, numbers, dates and times) as a JSON answer."""
    return JsonResponse(data, encoder=NinjaJSONEncoder, safe=False, status=status)
