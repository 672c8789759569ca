"""Decodes a PNG (8-bit RGB or RGBA, not interlaced; what Chromium's Page.captureScreenshot
writes) with the standard library only, and describes the pixels of one rectangle:

  png_region.py FILE X Y WIDTH HEIGHT   (device pixels; clipped to the image)

prints {"width": w, "height": h, "pixels": n, "distinctColors": n, "nonBlack": fraction,
"meanLuma": m} on stdout. Exits 2 (with a message on stderr) for a PNG it cannot decode.
"""

import json
import struct
import sys
import zlib


def fail(message):
    sys.stderr.write("png_region: %s\n" % message)
    sys.exit(2)


def decode(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG")
    offset = 8
    idat = []
    header = None
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        fail("no IHDR")
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        fail("unsupported PNG (depth %d, color type %d, interlace %d)" % (depth, color, interlace))
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows = []
    previous = bytearray(stride)
    position = 0
    for _ in range(height):
        kind = raw[position]
        line = bytearray(raw[position + 1:position + 1 + stride])
        position += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
            elif kind != 0:
                fail("bad filter type %d" % kind)
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def main():
    if len(sys.argv) != 6:
        fail("usage: png_region.py FILE X Y WIDTH HEIGHT")
    with open(sys.argv[1], "rb") as f:
        width, height, bpp, rows = decode(f.read())
    x, y, w, h = (int(float(v)) for v in sys.argv[2:6])
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    colors = set()
    non_black = 0
    luma = 0
    pixels = 0
    for row in rows[y0:y1]:
        for px in range(x0, x1):
            r, g, b = row[px * bpp], row[px * bpp + 1], row[px * bpp + 2]
            colors.add((r, g, b))
            if r + g + b > 48:
                non_black += 1
            luma += (299 * r + 587 * g + 114 * b) // 1000
            pixels += 1
    print(json.dumps({"width": width, "height": height, "pixels": pixels, "distinctColors": len(colors),
                      "nonBlack": (non_black / pixels) if pixels else 0.0,
                      "meanLuma": (luma / pixels) if pixels else 0.0}))


if __name__ == "__main__":
    main()
