"""Framing: encode_frame, frame_header and the incremental FrameDecoder."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlay.errors import FrameTooLarge, ProtocolError
from rlay.wire import (
    DEFAULT_MAX_FRAME_SIZE,
    HEADER,
    MAX_FRAME_SIZE_LIMIT,
    FrameDecoder,
    check_frame_size,
    encode_frame,
    frame_header,
)

pytestmark = pytest.mark.timeout(60)


def test_constants() -> None:
    assert DEFAULT_MAX_FRAME_SIZE == 256 * 1024 * 1024
    assert HEADER.size == 4
    assert HEADER.pack(1) == b"\x01\x00\x00\x00"  # little-endian


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", b"\x00\x00\x00\x00"),
        (b"a", b"\x01\x00\x00\x00a"),
        (b"x" * 258, b"\x02\x01\x00\x00" + b"x" * 258),
    ],
)
def test_encode_frame(payload: bytes, expected: bytes) -> None:
    assert encode_frame(payload) == expected
    assert encode_frame(bytearray(payload)) == expected
    assert encode_frame(memoryview(payload)) == expected
    assert frame_header(len(payload)) == expected[:4]


def test_frame_header_rejects_sizes_beyond_u32() -> None:
    assert frame_header(MAX_FRAME_SIZE_LIMIT) == b"\xff\xff\xff\xff"
    with pytest.raises(FrameTooLarge) as caught:
        frame_header(MAX_FRAME_SIZE_LIMIT + 1)
    assert caught.value.size == MAX_FRAME_SIZE_LIMIT + 1


def test_check_frame_size() -> None:
    check_frame_size(100, 100)
    with pytest.raises(FrameTooLarge) as caught:
        check_frame_size(101, 100)
    assert (caught.value.size, caught.value.limit) == (101, 100)
    assert isinstance(caught.value, ProtocolError)
    assert "101" in str(caught.value)
    assert "100" in str(caught.value)


def test_decoder_returns_frames_in_order_across_feeds() -> None:
    decoder = FrameDecoder()
    stream = encode_frame(b"first") + encode_frame(b"") + encode_frame(b"third")
    assert decoder.feed(stream[:3]) == []
    assert decoder.in_frame
    assert decoder.feed(stream[3:9]) == [b"first"]
    assert decoder.feed(stream[9:]) == [b"", b"third"]
    assert not decoder.in_frame
    assert decoder.buffered == 0


def test_decoder_reports_a_partial_body() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x03\x00\x00\x00ab") == []
    assert decoder.in_frame
    assert decoder.buffered == 2
    assert decoder.feed(b"c") == [b"abc"]


def test_decoder_in_frame_right_after_a_header() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"\x05\x00\x00\x00") == []
    assert decoder.in_frame
    assert decoder.buffered == 0


@given(
    frames=st.lists(st.binary(max_size=300), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=20),
    kind=st.sampled_from([bytes, bytearray, memoryview]),
)
@settings(max_examples=150, deadline=None)
def test_decoder_reproduces_frames_however_the_stream_is_split(
    frames: list[bytes], cuts: list[int], kind: type
) -> None:
    stream = b"".join(encode_frame(frame) for frame in frames)
    points = sorted({0, len(stream), *(cut % (len(stream) + 1) for cut in cuts)})
    decoder = FrameDecoder()
    decoded: list[bytes] = []
    for start, end in itertools.pairwise(points):
        decoded += decoder.feed(kind(stream[start:end]))
    assert decoded == frames
    assert not decoder.in_frame
    assert all(type(frame) is bytes for frame in decoded)


@given(
    frames=st.lists(st.binary(max_size=50), min_size=1, max_size=5),
    limit=st.integers(min_value=0, max_value=40),
)
@settings(max_examples=100, deadline=None)
def test_decoder_stops_at_the_first_oversized_frame(frames: list[bytes], limit: int) -> None:
    stream = b"".join(encode_frame(frame) for frame in frames)
    decoder = FrameDecoder(max_frame_size=limit)
    decoded: list[bytes] = []
    error: FrameTooLarge | None = None
    for index in range(len(stream)):  # one byte at a time
        try:
            decoded += decoder.feed(stream[index : index + 1])
        except FrameTooLarge as raised:
            error = raised
            break
    fitting = []
    for frame in frames:
        if len(frame) > limit:
            break
        fitting.append(frame)
    assert decoded == fitting
    if len(fitting) < len(frames):
        assert error is not None
        assert error.size == len(frames[len(fitting)])
        assert error.limit == limit
    else:
        assert error is None


def test_oversized_prefix_is_refused_before_any_body_is_buffered() -> None:
    decoder = FrameDecoder(max_frame_size=1024)
    tracemalloc.start()
    try:
        with pytest.raises(FrameTooLarge) as caught:
            decoder.feed(b"\xff\xff\xff\xff" + b"body")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.size == 0xFFFFFFFF
    assert caught.value.limit == 1024
    assert peak < 1024 * 1024  # nothing near 4 GiB was allocated
    assert decoder.buffered == 0
    # The stream cannot be resynchronised: the decoder keeps refusing.
    with pytest.raises(FrameTooLarge):
        decoder.feed(encode_frame(b"ok"))


def test_oversized_prefix_split_across_feeds() -> None:
    decoder = FrameDecoder(max_frame_size=10)
    assert decoder.feed(encode_frame(b"fine") + b"\x0b\x00") == [b"fine"]
    with pytest.raises(FrameTooLarge) as caught:
        decoder.feed(b"\x00\x00")
    assert caught.value.size == 11


def test_frame_of_exactly_the_limit_is_accepted() -> None:
    decoder = FrameDecoder(max_frame_size=3)
    assert decoder.feed(encode_frame(b"abc")) == [b"abc"]
