"""Several ranges in one Range header: which are served, and the multipart body's framing."""

from __future__ import annotations

import pytest

from services.proxy.delivery import byteranges
from services.proxy.request import MAX_RANGES, RangeNotSatisfiable, parse_ranges


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        pytest.param(b"bytes=0-9,20-29", 100, [(0, 10), (20, 30)], id="two"),
        pytest.param(b"bytes=50-59, -10", 100, [(50, 60), (90, 100)], id="suffix-and-order"),
        pytest.param(b"bytes=0-9,,20-", 30, [(0, 10), (20, 30)], id="empty-item"),
        pytest.param(b"bytes=0-9,500-600", 100, [(0, 10)], id="one-unsatisfiable-dropped"),
        pytest.param(b"bytes=0-5", 100, [(0, 6)], id="single"),
        pytest.param(b"bytes=0-59,40-99", 100, None, id="overlap-beyond-size"),
        pytest.param(b"bytes=0-,0-", 100, None, id="twice-the-file"),
        pytest.param(b"bytes=0-1,x-5", 100, None, id="malformed-item"),
        pytest.param(b"bytes=0-1,9-3", 100, None, id="backwards-item"),
        pytest.param(b"bytes=" + b",".join([b"1-1"] * (MAX_RANGES + 1)), 100, None,
                     id="too-many"),
        pytest.param(b"bytes=,", 100, None, id="no-ranges"),
        pytest.param(b"lines=0-1,2-3", 100, None, id="other-unit"),
    ],
)  # fmt: skip
def test_parse_ranges(header: bytes, size: int, expected: list[tuple[int, int]] | None) -> None:
    assert parse_ranges(header, size) == expected


def test_no_satisfiable_range() -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_ranges(b"bytes=200-,300-400", 100)


def test_byteranges_framing() -> None:
    headers = [(b"content-type", b"text/plain"), (b"etag", b'"e"')]
    reply = byteranges(headers, "k", [(0, 2), (5, 7)], 10, "d1")
    content_type = dict(reply.headers)[b"content-type"]
    boundary = content_type.removeprefix(b"multipart/byteranges; boundary=")
    assert boundary != content_type
    data = b"0123456789"
    body = b"".join(p.head + data[p.start : p.end] for p in reply.parts) + reply.closing
    assert body == (
        b"--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01"
        b"\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/10\r\n\r\n56"
        b"\r\n--%s--\r\n" % (boundary, boundary, boundary)
    )
    assert reply.length == len(body)
    assert reply.status == 206
