"""Generate the hostile-upload corpus and its MANIFEST.csv (deterministic: same bytes every run).

    .venv/bin/python tests/data/hostile/generate.py   # writes next to this file

Accepted files are all different bytes (uploads are de-duplicated by SHA-256), so a
batch of the whole corpus stores one photo per accepted file. Every file is small (the
decompression bombs claim billions of pixels in a few kB). The tests regenerate the
corpus when a file is missing, so the generated files may be committed or not.
MANIFEST.csv says, for each file, whether an upload must be accepted (sanitised copy
stored) or rejected, with the code from faces.pipeline.decode.REJECTION_CODES.
"""

from __future__ import annotations

import csv
import io
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image

HERE = Path(__file__).resolve().parent
# What the viewer must see after orientation: 64 wide x 32 high, four flat quadrants
# (top-left red, top-right green, bottom-left blue, bottom-right white).
QUADRANTS = {(0, 0): (255, 0, 0), (0, 1): (0, 255, 0), (1, 0): (0, 0, 255), (1, 1): (255, 255, 255)}
# How a camera stores the displayed picture for each EXIF orientation (the viewer undoes it).
STORED_AS = {
    1: lambda d: d,
    2: lambda d: d[:, ::-1],
    3: lambda d: d[::-1, ::-1],
    4: lambda d: d[::-1, :],
    5: lambda d: d.transpose(1, 0, 2),
    6: lambda d: np.rot90(d, 1),
    7: lambda d: np.rot90(d, 2).transpose(1, 0, 2),
    8: lambda d: np.rot90(d, -1),
}
SECRET = "Jane Roe, 12 Elm Street"  # must never appear in a stored file
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def displayed_picture() -> np.ndarray:
    picture = np.zeros((32, 64, 3), dtype=np.uint8)
    for (row, col), colour in QUADRANTS.items():
        picture[row * 16 : (row + 1) * 16, col * 32 : (col + 1) * 32] = colour
    return picture


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def small_jpeg() -> bytes:
    return encode(Image.fromarray(displayed_picture()), "JPEG", quality=90)


def noisy_jpeg() -> bytes:
    """A JPEG whose scan data is most of the file, so cutting it in half cuts the pixels."""
    noise = np.random.default_rng(8).integers(0, 256, (96, 96, 3), dtype=np.uint8)
    return encode(Image.fromarray(noise), "JPEG", quality=90)


def small_png() -> bytes:
    return encode(Image.fromarray(displayed_picture()), "PNG")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, bit_depth: int, colour_type: int, rows) -> bytes:
    """A PNG written chunk by chunk (Pillow cannot write 16-bit RGB or a bomb cheaply)."""
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(b"\x00" + row) for row in rows) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def png_bomb() -> bytes:
    """A valid 1-bit PNG of 20,000 x 20,000 pixels (400 megapixels) in about 50 kB."""
    side = 20_000
    row = b"\x00" * ((side + 7) // 8)
    return png(side, side, 1, 0, (row for _ in range(side)))


def jpeg_bomb() -> bytes:
    """A small JPEG whose frame header claims 60,000 x 60,000 pixels (3.6 gigapixels)."""
    data = bytearray(small_jpeg())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):  # SOF: precision(1) height(2) width(2)
            data[i + 5 : i + 9] = struct.pack(">HH", 60_000, 60_000)
            return bytes(data)
        i += 2 + length
    raise RuntimeError("no SOF marker")


def gif_10000_frames() -> bytes:
    """An animated GIF of 10,000 1x1 frames alternating black and white (about 150 kB)."""
    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff")
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for n in range(10_000):
        index = n % 2
        # LZW with minimum code size 2: clear (4), the pixel, end (5), packed LSB-first in 3-bit codes.
        bits = 4 | (index << 3) | (5 << 6)
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02" + struct.pack("<H", bits) + b"\x00"
    return bytes(out + b"\x3b")


def png_16_bit_rgb() -> bytes:
    picture = displayed_picture().astype(">u2") * 257  # full 16-bit range, same colours
    return png(64, 32, 16, 2, (picture[y].tobytes() for y in range(32)))


def png_16_bit_grey() -> bytes:
    ramp = np.linspace(0, 65535, 64).astype(">u2")[None, :].repeat(32, axis=0)
    return png(64, 32, 16, 0, (ramp[y].tobytes() for y in range(32)))


def oriented_jpeg(orientation: int) -> bytes:
    stored = np.ascontiguousarray(STORED_AS[orientation](displayed_picture()))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = SECRET
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042-SECRET"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 52.0, 55.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (87.0, 37.0, 40.0)
    return encode(
        Image.fromarray(displayed_picture()), "JPEG", quality=95, exif=exif.tobytes(), comment=SECRET.encode()
    )


def oversized_exif_jpeg() -> bytes:
    """A JPEG with a maximal (64 kB) APP1 Exif segment whose IFD lies about everything.

    The IFD claims 65,535 entries; entries point far past the segment, declare counts of
    2^31, and IFD offsets loop back on themselves. A second, garbage APP1 follows.
    """
    entries = [
        struct.pack("<HHII", 0x0112, 3, 1, 6 | 0xFFFF0000),  # orientation with junk in the high bits
        struct.pack("<HHII", 0x010F, 2, 0x7FFFFFFF, 0x7FFFFFF0),  # Make: 2 GB string far away
        struct.pack("<HHII", 0x8769, 4, 1, 8),  # Exif IFD pointer back to IFD0: a loop
        struct.pack("<HHII", 0x8825, 4, 1, 0xFFFFFFF0),  # GPS IFD pointer out of bounds
        struct.pack("<HHII", 0x9003, 2, 20, 0xFFFFFF00),  # DateTimeOriginal out of bounds
    ]
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF) + b"".join(entries)
    body = b"Exif\x00\x00" + tiff
    body += (SECRET.encode() + b"\xff") * ((65533 - len(body)) // (len(SECRET) + 1))
    body = body[:65533]
    app1 = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    garbage = b"\xff\xe1" + struct.pack(">H", 65535) + b"Exif\x00\x00" + bytes(range(256)) * 255 + b"\x00" * 237
    # Stored rotated, as orientation 6 (the one readable value) says: upright once applied.
    jpeg = encode(Image.fromarray(np.ascontiguousarray(STORED_AS[6](displayed_picture()))), "JPEG", quality=90)
    return jpeg[:2] + app1 + garbage + jpeg[2:]


def polyglot_jpeg_html() -> bytes:
    """A valid JPEG that is also an HTML page: script in a comment segment and after EOI."""
    jpeg = encode(Image.fromarray(displayed_picture()), "JPEG", quality=90, comment=SCRIPT)
    return jpeg + SCRIPT


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32">'
    b'<rect width="64" height="32" fill="red"/><script>alert(document.cookie)</script></svg>\n'
)

# (file, bytes, expected outcome, rejection code, note)
CORPUS: list[tuple[str, object, str, str, str]] = [
    (
        "text_named.jpg",
        lambda: b"Dear council, the officer's badge number was...\n" * 20,
        "rejected",
        "not_an_image",
        "plain text with a .jpg extension",
    ),
    ("empty.jpg", lambda: b"", "rejected", "empty", "0 bytes"),
    ("png_named.jpg", small_png, "accepted", "", "a PNG with a .jpg extension: judged by decoding"),
    ("jpeg_named.png", small_jpeg, "accepted", "", "a JPEG with a .png extension"),
    (
        "jpeg_named.gif",
        lambda: encode(Image.fromarray(displayed_picture()), "JPEG", quality=80),
        "accepted",
        "",
        "a JPEG with a .gif extension",
    ),
    ("truncated.jpg", lambda: noisy_jpeg()[: len(noisy_jpeg()) // 2], "rejected", "truncated", "first half of a JPEG"),
    ("truncated.png", lambda: small_png()[: len(small_png()) // 2], "rejected", "truncated", "first half of a PNG"),
    ("bomb.png", png_bomb, "rejected", "too_many_pixels", "20000x20000 1-bit PNG, ~50 kB"),
    ("bomb.jpg", jpeg_bomb, "rejected", "too_many_pixels", "JPEG header claiming 60000x60000, ~1 kB"),
    (
        "frames_10000.gif",
        gif_10000_frames,
        "accepted",
        "",
        "10,000 1x1 frames: only the first is decoded, stored as PNG",
    ),
    (
        "cmyk.jpg",
        lambda: encode(Image.fromarray(displayed_picture()).convert("CMYK"), "JPEG", quality=95),
        "accepted",
        "",
        "CMYK JPEG, converted to RGB",
    ),
    ("rgb_16bit.png", png_16_bit_rgb, "accepted", "", "16-bit-per-channel RGB PNG"),
    ("grey_16bit.png", png_16_bit_grey, "accepted", "", "16-bit greyscale PNG"),
    *[
        (
            f"orientation_{n}.jpg",
            (lambda n=n: oriented_jpeg(n)),
            "accepted",
            "",
            f"EXIF orientation {n}: stored upright, 64x32, red top-left",
        )
        for n in range(1, 9)
    ],
    ("exif_gps.jpg", gps_jpeg, "accepted", "", "EXIF with GPS, artist, serial and a comment: all stripped"),
    (
        "exif_oversized.jpg",
        oversized_exif_jpeg,
        "accepted",
        "",
        "two 64 kB APP1 segments, IFD with 65535 entries, loops and out-of-bounds offsets: "
        "pixels kept, orientation 6 applied, EXIF dropped",
    ),
    (
        "panorama_4000x60.png",
        lambda: png(4000, 60, 8, 2, (bytes(range(240)) * 50 for _ in range(60))),
        "accepted",
        "",
        "a thin strip: 800x12 after the labeler's downscale, smaller than OpenCV's HOG window",
    ),
    ("script.svg", lambda: SVG, "rejected", "not_an_image", "SVG with a script: never stored, never served"),
    ("page.html", lambda: SCRIPT, "rejected", "not_an_image", "an HTML page"),
    ("page_named.jpg", lambda: SCRIPT, "rejected", "not_an_image", "an HTML page with a .jpg extension"),
    (
        "polyglot.jpg",
        polyglot_jpeg_html,
        "accepted",
        "",
        "JPEG + HTML polyglot (script in a COM segment and after EOI): re-encoded without it",
    ),
    (
        "bmp_named.jpg",
        lambda: encode(Image.fromarray(displayed_picture()), "BMP"),
        "rejected",
        "unsupported_format",
        "a real BMP: a format we do not accept, named .jpg",
    ),
]


def generate(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make, *_ in CORPUS:
        path = folder / name
        path.write_bytes(make())
        written.append(path)
    with open(folder / "MANIFEST.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "expected", "code", "note"])
        for name, _, expected, code, note in CORPUS:
            writer.writerow([name, expected, code, note])
    return written


if __name__ == "__main__":
    for path in generate(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(f"{path.stat().st_size:>8}  {path.name}")
