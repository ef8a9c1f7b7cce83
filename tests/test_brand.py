"""Brand images: what scripts/brand draws, in the sizes Home Assistant's brand rules ask for."""

from __future__ import annotations

import struct

from PIL import Image, ImageStat
import pytest

from scripts import brand_images

NAMES = [
    f"{prefix}{kind}{scale}.png"
    for prefix in ("", "dark_")
    for kind in ("icon", "logo")
    for scale in ("", "@2x")
]
DRAWN = brand_images.render()


def committed(name: str) -> Image.Image:
    with Image.open(brand_images.BRAND / name) as image:
        image.load()
        return image


def test_the_brand_folder_holds_the_eight_images() -> None:
    assert sorted(path.name for path in brand_images.BRAND.iterdir()) == sorted(NAMES)
    assert sorted(DRAWN) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_image_is_what_the_script_draws(name: str) -> None:
    image = committed(name)

    assert (image.mode, image.size) == ("RGBA", DRAWN[name].size)
    assert image.tobytes() == DRAWN[name].tobytes(), "run scripts/brand"


@pytest.mark.parametrize("name", NAMES)
def test_image_is_a_png_without_metadata(name: str) -> None:
    data = (brand_images.BRAND / name).read_bytes()
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        chunks.append(kind.decode())
        offset += 12 + length

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(chunks) == {"IHDR", "IDAT", "IEND"}


@pytest.mark.parametrize("prefix", ["", "dark_"])
def test_icons_are_squares_of_256_and_512(prefix: str) -> None:
    assert committed(f"{prefix}icon.png").size == (256, 256)
    assert committed(f"{prefix}icon@2x.png").size == (512, 512)


@pytest.mark.parametrize("prefix", ["", "dark_"])
def test_logos_are_landscape_256_high_and_exactly_double_at_2x(prefix: str) -> None:
    logo, logo_2x = committed(f"{prefix}logo.png"), committed(f"{prefix}logo@2x.png")

    assert logo.height == 256 < logo.width
    assert logo_2x.size == (2 * logo.width, 2 * logo.height)


@pytest.mark.parametrize("name", NAMES)
def test_background_is_transparent(name: str) -> None:
    alpha = committed(name).getchannel("A")

    assert alpha.getpixel((0, 0)) == 0
    assert alpha.getextrema() == (0, 255)


@pytest.mark.parametrize("name", NAMES)
def test_image_is_trimmed_to_its_artwork(name: str) -> None:
    image = committed(name)
    left, top, right, bottom = image.getchannel("A").getbbox() or (0, 0, 0, 0)

    # A square icon touches two opposite edges; a logo touches all four.
    touches_sides = left <= 1 and right >= image.width - 1
    touches_ends = top <= 1 and bottom >= image.height - 1
    if name.startswith(("icon", "dark_icon")):
        assert touches_sides or touches_ends
    else:
        assert touches_sides and touches_ends


@pytest.mark.parametrize("name", ["icon.png", "logo.png"])
def test_dark_variant_is_drawn_for_dark_backgrounds(name: str) -> None:
    def brightness(image: Image.Image) -> float:
        opaque = image.getchannel("A").point(lambda alpha: 255 if alpha == 255 else 0)
        return sum(ImageStat.Stat(image.convert("RGB"), mask=opaque).mean)

    assert brightness(committed(f"dark_{name}")) > brightness(committed(name))


def test_the_script_writes_the_same_bytes_every_time() -> None:
    image = DRAWN["icon.png"]

    assert brand_images.encode(image) == brand_images.encode(
        brand_images.render()["icon.png"]
    )
