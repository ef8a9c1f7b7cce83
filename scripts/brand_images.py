"""Draw the integration's brand images: a car sending its data, as signal arcs.

An original design (no Smartcar or car-maker marks): a side view of a generic
car with a dot and three arcs rising from its roof, the moment it pushes its
data. The logo sets the same mark beside the integration's name. Light images
use a navy car for light backgrounds; the `dark_` variants a pale car for dark
ones. Home Assistant (2026.3+) serves `brand/` of a custom integration itself.

Following Home Assistant's brand image rules: PNG with a transparent
background, trimmed to the artwork; icons square at 256 and 512 px, logos
landscape with the shortest side 256 px and 512 px for @2x (the largest
allowed). Everything is drawn at twice the largest size and scaled down, and saved
without metadata, so the same Pillow writes the same bytes every time.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import io
import math
from pathlib import Path
import sys

from PIL import Image, ImageDraw, ImageFont

BRAND = (
    Path(__file__).resolve().parent.parent
    / "custom_components"
    / "smartcar_webhooks"
    / "brand"
)
MASTER = 1024  # drawing size of the mark: twice the largest image, then scaled down
ICON = 256
LOGO_HEIGHT = 256

type Color = tuple[int, int, int, int]
CLEAR: Color = (0, 0, 0, 0)


@dataclass(frozen=True)
class Theme:
    """The colours of one variant."""

    car: Color
    signal: Color


LIGHT = Theme(car=(0x1C, 0x36, 0x55, 0xFF), signal=(0x0E, 0xA5, 0x9F, 0xFF))
DARK = Theme(car=(0xE4, 0xEC, 0xF4, 0xFF), signal=(0x3F, 0xDC, 0xD3, 0xFF))


def _box(
    cx: float, cy: float, r: float, unit: float
) -> tuple[float, float, float, float]:
    return ((cx - r) * unit, (cy - r) * unit, (cx + r) * unit, (cy + r) * unit)


def _rounded(
    points: list[tuple[float, float]], radius: float, unit: float, steps: int = 16
) -> list[tuple[float, float]]:
    """A polygon's outline with each corner rounded by `radius` (same units as points)."""
    outline: list[tuple[float, float]] = []
    count = len(points)
    for index, (x, y) in enumerate(points):
        px, py = points[index - 1]
        nx, ny = points[(index + 1) % count]
        # Unit vectors towards the neighbours, and the corner's half angle.
        ax, ay = px - x, py - y
        bx, by = nx - x, ny - y
        la, lb = math.hypot(ax, ay), math.hypot(bx, by)
        ax, ay, bx, by = ax / la, ay / la, bx / lb, by / lb
        half = math.acos(max(-1.0, min(1.0, ax * bx + ay * by))) / 2
        cut = min(radius / math.tan(half), la / 2, lb / 2)
        r = cut * math.tan(half)
        # The circle touching both edges, and the arc between its touch points.
        bisector = math.hypot(ax + bx, ay + by)
        cx = x + (ax + bx) / bisector * (r / math.sin(half))
        cy = y + (ay + by) / bisector * (r / math.sin(half))
        first = math.atan2(y + ay * cut - cy, x + ax * cut - cx)
        last = math.atan2(y + by * cut - cy, x + bx * cut - cx)
        sweep = (last - first + math.pi) % (2 * math.pi) - math.pi
        outline.extend(
            (
                (cx + r * math.cos(first + sweep * step / steps)) * unit,
                (cy + r * math.sin(first + sweep * step / steps)) * unit,
            )
            for step in range(steps + 1)
        )
    return outline


def _band(
    center: tuple[float, float],
    radius: float,
    width: float,
    start: float,
    end: float,
    unit: float,
    steps: int = 96,
) -> list[tuple[float, float]]:
    """An arc of `width` centred on `radius`, from `start` to `end` degrees."""
    angles = [
        math.radians(start + (end - start) * step / steps) for step in range(steps + 1)
    ]
    outer, inner = radius + width / 2, radius - width / 2
    ring = [
        (center[0] + outer * math.cos(a), center[1] + outer * math.sin(a))
        for a in angles
    ]
    ring += [
        (center[0] + inner * math.cos(a), center[1] + inner * math.sin(a))
        for a in reversed(angles)
    ]
    return [(x * unit, y * unit) for x, y in ring]


def draw_mark(theme: Theme, unit: int = MASTER) -> Image.Image:
    """The car and its signal on a transparent square of `unit` px, not yet trimmed."""
    image = Image.new("RGBA", (unit, unit), CLEAR)
    draw = ImageDraw.Draw(image)
    car, signal = theme.car, theme.signal

    # Body with the cabin on top, one rounded outline.
    body = [
        (0.02, 0.84),
        (0.02, 0.62),
        (0.17, 0.60),
        (0.33, 0.42),
        (0.63, 0.42),
        (0.80, 0.60),
        (0.98, 0.63),
        (0.98, 0.84),
    ]
    draw.polygon(_rounded(body, 0.05, unit), fill=car)
    # Windows, cut out of the cabin.
    for window in (
        [(0.25, 0.595), (0.36, 0.475), (0.475, 0.475), (0.475, 0.595)],
        [(0.515, 0.595), (0.515, 0.475), (0.615, 0.475), (0.725, 0.595)],
    ):
        draw.polygon(_rounded(window, 0.015, unit), fill=CLEAR)
    # Headlight.
    draw.rounded_rectangle(
        (0.915 * unit, 0.66 * unit, 0.965 * unit, 0.70 * unit),
        radius=0.02 * unit,
        fill=signal,
    )
    # Wheels: a clear gap around each, then the tyre and a clear hub.
    for cx in (0.25, 0.75):
        draw.ellipse(_box(cx, 0.84, 0.135, unit), fill=CLEAR)
        draw.ellipse(_box(cx, 0.84, 0.10, unit), fill=car)
        draw.ellipse(_box(cx, 0.84, 0.038, unit), fill=CLEAR)

    # The signal: a dot on the roof and three arcs rising to the upper right.
    origin = (0.60, 0.33)
    width = 0.05
    start, end = 282.0, 348.0
    draw.ellipse(_box(*origin, 0.042, unit), fill=signal)
    for radius in (0.12, 0.205, 0.29):
        draw.polygon(_band(origin, radius, width, start, end, unit), fill=signal)
        for angle in (start, end):  # round caps
            x = origin[0] + radius * math.cos(math.radians(angle))
            y = origin[1] + radius * math.sin(math.radians(angle))
            draw.ellipse(_box(x, y, width / 2, unit), fill=signal)
    return image


def trim(image: Image.Image) -> Image.Image:
    """The image cropped to its visible pixels."""
    box = image.getchannel("A").getbbox()
    assert box is not None, "nothing drawn"
    return image.crop(box)


def square(image: Image.Image) -> Image.Image:
    """The image centred on the smallest transparent square holding it."""
    side = max(image.size)
    canvas = Image.new("RGBA", (side, side), CLEAR)
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def draw_logo(theme: Theme, mark: Image.Image) -> Image.Image:
    """The trimmed mark beside "Smartcar" / "Webhooks", trimmed, at master size."""
    height = mark.height
    font = ImageFont.load_default(size=round(height * 0.40))
    lines = (("Smartcar", theme.car), ("Webhooks", theme.signal))
    stroke = round(height * 0.006)  # a little weight for the regular face
    widths = [
        round(font.getlength(text)) + 2 * stroke + height // 20 for text, _ in lines
    ]
    gap = round(height * 0.16)
    canvas = Image.new(
        "RGBA", (mark.width + gap + max(widths), round(height * 1.1)), CLEAR
    )
    canvas.paste(mark, (0, (canvas.height - height) // 2), mark)
    draw = ImageDraw.Draw(canvas)
    for index, (text, color) in enumerate(lines):
        draw.text(
            (mark.width + gap, canvas.height * (0.27 + 0.5 * index)),
            text,
            font=font,
            fill=color,
            anchor="lm",
            stroke_width=stroke,
            stroke_fill=color,
        )
    return trim(canvas)


def scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image resampled to a size."""
    return image.resize(size, Image.Resampling.LANCZOS)


def render() -> dict[str, Image.Image]:
    """Every brand image by file name."""
    images: dict[str, Image.Image] = {}
    for prefix, theme in (("", LIGHT), ("dark_", DARK)):
        mark = trim(draw_mark(theme))
        icon = square(mark)
        images[f"{prefix}icon.png"] = scaled(icon, (ICON, ICON))
        images[f"{prefix}icon@2x.png"] = scaled(icon, (2 * ICON, 2 * ICON))
        logo = draw_logo(theme, mark)
        width = round(LOGO_HEIGHT * logo.width / logo.height)
        images[f"{prefix}logo.png"] = scaled(logo, (width, LOGO_HEIGHT))
        images[f"{prefix}logo@2x.png"] = scaled(logo, (2 * width, 2 * LOGO_HEIGHT))
    return images


def encode(image: Image.Image) -> bytes:
    """An optimised PNG without metadata."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the brand images, or with --check fail when the committed ones differ."""
    parser = argparse.ArgumentParser(prog="scripts/brand", description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; fail when an image differs",
    )
    args = parser.parse_args(argv)
    stale = []
    for name, image in render().items():
        path = BRAND / name
        data = encode(image)
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            path.write_bytes(data)
            print(
                f"scripts/brand: wrote {path.relative_to(BRAND.parent.parent.parent)}"
            )
    if args.check and stale:
        print(
            f"scripts/brand: out of date: {', '.join(stale)}; run scripts/brand",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
