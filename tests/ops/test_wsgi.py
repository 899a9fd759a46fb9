"""The WSGI application as granian runs it: bodies sent in chunks arrive whole."""

import io

from orderly.wsgi import read_chunked_bodies


def _call(app, environ):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(app(environ, start_response))
    return seen["status"], body


def test_a_chunked_body_reaches_the_application_with_its_length():
    received = {}

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        received["body"] = environ["wsgi.input"].read(length)
        start_response("200 OK", [])
        return [b"ok"]

    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"order_id,sku\nA1,ESP-250\n")}
    assert _call(read_chunked_bodies(app), environ) == ("200 OK", b"ok")
    assert received["body"] == b"order_id,sku\nA1,ESP-250\n"


def test_a_chunked_body_past_the_limit_is_cut_one_byte_beyond_it_for_the_endpoint_to_refuse():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [environ["CONTENT_LENGTH"].encode()]

    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"x" * 100)}
    assert _call(read_chunked_bodies(app, limit=10), environ) == ("200 OK", b"11")


def test_a_body_with_its_length_is_left_as_it_is():
    stream = io.BytesIO(b"{}")

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"same" if environ["wsgi.input"] is stream else b"replaced"]

    environ = {"CONTENT_LENGTH": "2", "wsgi.input": stream}
    assert _call(read_chunked_bodies(app), environ) == ("200 OK", b"same")
