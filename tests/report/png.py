"""Just enough PNG decoding to look at Chromium's screenshots without Pillow.

Chromium writes 8-bit RGB or RGBA, non-interlaced. Rows filtered with None,
Sub or Up are undone with numpy in one go; Average and Paeth depend on the
pixel to the left, so those rows are undone byte by byte (Chromium uses them
for few rows).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type → channels


def read_png(path: Path, max_rows: int | None = None) -> np.ndarray:
    """The image as a (height, width, 3) uint8 array of RGB (alpha dropped).

    ``max_rows`` stops after that many rows: rows only depend on rows above.
    """
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a PNG file")
    position, compressed = len(SIGNATURE), []
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in CHANNELS or interlace:
                raise ValueError(
                    f"unsupported PNG: depth {depth}, colour {colour}, interlace {interlace}"
                )
            channels = CHANNELS[colour]
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
    rows = height if max_rows is None else min(height, max_rows)
    stride = width * channels
    raw = zlib.decompressobj().decompress(b"".join(compressed), rows * (stride + 1))
    scanlines = np.frombuffer(raw[: rows * (stride + 1)], dtype=np.uint8).reshape(rows, stride + 1)
    image = np.zeros((rows, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(rows):
        kind, line = scanlines[y, 0], scanlines[y, 1:]
        image[y] = _unfilter(int(kind), line, previous, channels)
        previous = image[y]
    return image.reshape(rows, width, channels)[:, :, :3]


def _unfilter(kind: int, line: np.ndarray, above: np.ndarray, bpp: int) -> np.ndarray:
    if kind == 0:
        return line
    if kind == 1:
        # Each byte adds the reconstructed byte bpp to its left: a running sum per channel.
        per_channel = line.reshape(-1, bpp).astype(np.uint32)
        return (np.cumsum(per_channel, axis=0) % 256).astype(np.uint8).reshape(-1)
    if kind == 2:
        return line + above  # uint8 arithmetic wraps modulo 256, as PNG wants
    if kind == 3:
        return _unfilter_average(line, above, bpp)
    return _unfilter_paeth(line, above, bpp)


def _unfilter_average(line: np.ndarray, above: np.ndarray, bpp: int) -> np.ndarray:
    out = bytearray(line.tobytes())
    prior = above.tobytes()
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + (left + prior[i]) // 2) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def _unfilter_paeth(line: np.ndarray, above: np.ndarray, bpp: int) -> np.ndarray:
    """Paeth, visiting only the pixels that are not a plain copy of their left neighbour.

    Where the filtered pixel is zero and the row above is flat (up equals
    upper-left), Paeth predicts the left pixel, so the pixel repeats it: on a
    screenshot, most of a row. Those runs are filled in with numpy.
    """
    pixels = line.reshape(-1, bpp)
    up = above.reshape(-1, bpp).astype(np.int16)
    upper_left = np.vstack([np.zeros((1, bpp), np.int16), up[:-1]])
    copies_left = (pixels == 0).all(axis=1) & (up == upper_left).all(axis=1)
    copies_left[0] = False  # the first pixel's left neighbour is zero, not a pixel
    out = np.zeros_like(up)
    filtered, up_rows, upper_left_rows = pixels.tolist(), up.tolist(), upper_left.tolist()
    left = [0] * bpp  # the last pixel decoded: runs of copies in between repeat it
    for x in np.flatnonzero(~copies_left).tolist():
        decoded = []
        for a, b, c, value in zip(left, up_rows[x], upper_left_rows[x], filtered[x], strict=True):
            estimate = a + b - c
            pa, pb, pc = abs(estimate - a), abs(estimate - b), abs(estimate - c)
            predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
            decoded.append((value + predictor) & 0xFF)
        out[x] = decoded
        left = decoded
    # Every run of copies repeats the pixel just before it.
    source = np.where(copies_left, 0, np.arange(len(copies_left)))
    source = np.maximum.accumulate(source)
    return out[source].astype(np.uint8).reshape(-1)


def write_png(path: Path, image: np.ndarray) -> None:
    """An RGB array as a PNG (filter None): for cropping screenshots to look at."""
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[y].astype(np.uint8).tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    path.write_bytes(
        SIGNATURE
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
