"""Write real PNG files (RGB, 8 bits, no interlace) from Python alone, for the
picture tests: a form's pictures are made at test time, of the sizes and
colours a test needs, and read back by the kiosk's real decoder (SDL2_image)."""
import struct
import zlib


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(width, height, pixel):
    """PNG bytes of a width x height picture; pixel(x, y) -> (r, g, b)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
            + _chunk(b"IEND", b""))


def quadrants(width, height, colours):
    """A picture in four solid quadrants: colours = (top-left, top-right,
    bottom-left, bottom-right), so a test can find each in a screenshot."""
    def pixel(x, y):
        return colours[(2 if y >= height // 2 else 0) + (1 if x >= width // 2 else 0)]
    return png(width, height, pixel)


def damaged(width, height):
    """A PNG whose header is right but whose pixel data is not zlib data."""
    good = png(width, height, lambda x, y: (0, 0, 0))
    head = good[:33]  # signature + IHDR
    return head + _chunk(b"IDAT", b"\x00this is not deflate data" * 4) + _chunk(b"IEND", b"")
