"""Godot pack files (.pck, format version 3 as Godot 4.4+ reads it), written by us.

Layout (all little-endian): ``GDPC``; u32 pack format 3; u32 engine major,
minor, patch; u32 flags (2: file offsets are relative to the file base); u64
file base; u64 directory offset; 16 reserved u32. Then each file's bytes, each
start aligned to 16 and relative to the file base. At the directory offset: u32
file count, then per file a u32 path length, the path (no ``res://``, padded
with NULs to a multiple of 4), u64 offset, u64 size, the 16-byte md5 of the
content and u32 flags (0).

>>> data = pack_bytes({"project.godot": b"x"})
>>> data[:4], read_pack(data)
(b'GDPC', {'project.godot': b'x'})
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from pathlib import Path

MAGIC = b"GDPC"
PACK_FORMAT = 3
ENGINE_VERSION = (4, 6, 0)
FLAG_RELATIVE_FILE_BASE = 2
ALIGNMENT = 16
_HEADER = struct.Struct("<4s4I I Q Q 16I")


def _padding(size: int, alignment: int) -> int:
    return -size % alignment


def pack_bytes(files: Mapping[str, bytes]) -> bytes:
    """A pack holding ``files`` (path relative to ``res://`` -> content), in sorted order."""
    paths = sorted(files)
    for path in paths:
        if path.startswith(("res://", "/")) or "\\" in path:
            raise ValueError(
                f"pack paths are relative with forward slashes, not {path!r}"
            )
    file_base = _HEADER.size + _padding(_HEADER.size, ALIGNMENT)
    body = bytearray()
    entries = []
    for path in paths:
        body += bytes(_padding(len(body), ALIGNMENT))
        entries.append((path, len(body), files[path]))
        body += files[path]
    body += bytes(_padding(len(body), ALIGNMENT))
    directory = bytearray(struct.pack("<I", len(entries)))
    for path, offset, content in entries:
        encoded = path.encode("utf-8")
        encoded += bytes(_padding(len(encoded), 4))
        directory += struct.pack("<I", len(encoded)) + encoded
        directory += struct.pack("<QQ", offset, len(content))
        directory += hashlib.md5(content).digest() + struct.pack("<I", 0)
    header = _HEADER.pack(
        MAGIC,
        PACK_FORMAT,
        *ENGINE_VERSION,
        FLAG_RELATIVE_FILE_BASE,
        file_base,
        file_base + len(body),
        *([0] * 16),
    )
    return header + bytes(file_base - len(header)) + bytes(body) + bytes(directory)


def read_pack(data: bytes) -> dict[str, bytes]:
    """The files of a pack (checks the header and every md5); the inverse of pack_bytes."""
    magic, version, _, _, _, flags, file_base, directory = _HEADER.unpack_from(data)[:8]
    if magic != MAGIC or version != PACK_FORMAT:
        raise ValueError(f"not a version {PACK_FORMAT} pack: {magic!r} {version}")
    base = file_base if flags & FLAG_RELATIVE_FILE_BASE else 0
    (count,) = struct.unpack_from("<I", data, directory)
    at = directory + 4
    files = {}
    for _ in range(count):
        (length,) = struct.unpack_from("<I", data, at)
        path = data[at + 4 : at + 4 + length].rstrip(b"\0").decode("utf-8")
        offset, size = struct.unpack_from("<QQ", data, at + 4 + length)
        digest = data[at + 20 + length : at + 36 + length]
        content = data[base + offset : base + offset + size]
        if hashlib.md5(content).digest() != digest:
            raise ValueError(f"{path}: md5 mismatch")
        files[path] = content
        at += 40 + length
    return files


def write_pack(files: Mapping[str, bytes], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pack_bytes(files))
    return out
