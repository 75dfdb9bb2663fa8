"""Safe image import: every mode converted correctly, bad files refused with a clear message."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageCms
from skimage import data as skdata

from f1studio.project.errors import ImageImportError
from f1studio.project.imports import load_image_rgba, load_mask, load_picture


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skdata.astronaut()  # 512x512 RGB photo


def _save(image: Image.Image, path: Path, **kwargs: Any) -> Path:
    image.save(path, **kwargs)
    return path


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` but that holds no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


# ---- modes --------------------------------------------------------------------------------
def test_rgb_photo_jpeg_and_png(tmp_path: Path, astronaut: np.ndarray) -> None:
    png = load_image_rgba(_save(Image.fromarray(astronaut), tmp_path / "a.png"))
    assert png.shape == (512, 512, 4) and png.dtype == np.uint8
    assert np.array_equal(png[..., :3], astronaut) and np.all(png[..., 3] == 255)
    jpg = load_image_rgba(_save(Image.fromarray(astronaut), tmp_path / "a.jpg", quality=95))
    assert np.abs(jpg[..., :3].astype(int) - astronaut).mean() < 3
    assert png.flags.writeable and jpg.flags.writeable


def test_rgba_is_kept_exactly(tmp_path: Path) -> None:
    rgba = np.random.default_rng(0).integers(0, 256, (30, 40, 4), dtype=np.uint8)
    out = load_image_rgba(_save(Image.fromarray(rgba, "RGBA"), tmp_path / "x.png"))
    assert np.array_equal(out, rgba)


def test_cmyk_jpeg(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (64, 48), (255, 0, 0, 0))  # pure cyan
    cmyk.paste((0, 0, 0, 255), (0, 0, 32, 48))  # left half pure black
    out = load_image_rgba(_save(cmyk, tmp_path / "print.jpg", quality=95))
    assert out.shape == (48, 64, 4)
    assert np.all(out[..., 3] == 255)
    assert np.abs(out[24, 48].astype(int) - (0, 255, 255, 255)).max() <= 8
    assert np.abs(out[24, 8].astype(int) - (0, 0, 0, 255)).max() <= 8


def test_16_bit_grey_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    wide = np.linspace(0, 65535, 256 * 4).astype(np.uint16).reshape(4, 256)
    path = _save(Image.fromarray(wide), tmp_path / "depth16.png")
    with Image.open(path) as check:
        assert check.mode.startswith("I")  # really stored as 16-bit
    out = load_image_rgba(path)
    expected = np.rint(wide / 257.0).astype(np.uint8)
    assert np.array_equal(out[..., 0], expected)
    assert np.array_equal(out[..., 0], out[..., 2]) and np.all(out[..., 3] == 255)
    assert out[..., 0].min() == 0 and out[..., 0].max() == 255
    assert len(np.unique(out[..., 0])) == 256  # the full range, not a clipped ramp


def test_palette_with_transparency(tmp_path: Path) -> None:
    indices = np.array([[0, 1, 2], [2, 1, 0]], np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (253 * 3))
    path = _save(image, tmp_path / "sprite.png", transparency=0)
    out = load_image_rgba(path)
    assert out[0, 0, 3] == 0 and out[1, 2, 3] == 0
    assert tuple(out[0, 1]) == (255, 0, 0, 255)
    assert tuple(out[0, 2]) == (0, 0, 255, 255)


def test_palette_gif_with_transparency(tmp_path: Path) -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([10, 20, 30, 200, 100, 50] + [0] * (254 * 3))
    image.putpixel((0, 0), 0)
    out = load_image_rgba(_save(image, tmp_path / "a.gif", transparency=0))
    assert out[0, 0, 3] == 0 and tuple(out[1, 1]) == (200, 100, 50, 255)


def test_grey_with_alpha_and_one_bit(tmp_path: Path) -> None:
    la = Image.merge("LA", (Image.new("L", (3, 2), 90), Image.new("L", (3, 2), 40)))
    assert tuple(load_image_rgba(_save(la, tmp_path / "la.png"))[1, 1]) == (90, 90, 90, 40)
    bits = Image.fromarray(np.array([[0, 1], [1, 0]], bool))
    out = load_image_rgba(_save(bits, tmp_path / "bits.png"))
    assert out[0, 1].tolist() == [255, 255, 255, 255] and out[0, 0].tolist() == [0, 0, 0, 255]


def test_exif_orientation_6_is_applied(tmp_path: Path) -> None:
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[:10, :10] = (255, 0, 0)  # red marker at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = _save(Image.fromarray(pixels), tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    out = load_image_rgba(path)
    assert out.shape == (60, 40, 4)  # portrait now
    assert out[5, 34, 0] > 200 and out[5, 34, 1] < 60  # marker moved to the top-right
    assert out[5, 5, 0] < 60


def test_embedded_srgb_profile(tmp_path: Path, astronaut: np.ndarray) -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = _save(Image.fromarray(astronaut), tmp_path / "icc.png", icc_profile=profile)
    out = load_image_rgba(path)
    assert np.abs(out[..., :3].astype(int) - astronaut).max() <= 2


def test_bytes_input_and_name(astronaut: np.ndarray) -> None:
    buffer = io.BytesIO()
    Image.fromarray(astronaut).save(buffer, format="PNG")
    assert load_image_rgba(buffer.getvalue()).shape == (512, 512, 4)
    with pytest.raises(ImageImportError, match="^'clip.png' is not an image file"):
        load_image_rgba(b"nope", name="clip.png")
    with pytest.raises(ImageImportError, match="^The image data is not an image file"):
        load_image_rgba(b"nope")


# ---- refused files ------------------------------------------------------------------------
def _refused(path: Path, message: str, **kwargs: object) -> ImageImportError:
    before = path.read_bytes()
    with pytest.raises(ImageImportError) as info:
        load_image_rgba(path, **kwargs)  # type: ignore[arg-type]
    text = str(info.value)
    assert text.startswith(f"'{path.name}' ") and "\n" not in text
    assert message in text
    assert info.value.path == str(path)
    assert path.read_bytes() == before
    return info.value


def test_corrupt_png(tmp_path: Path, astronaut: np.ndarray) -> None:
    buffer = io.BytesIO()
    Image.fromarray(astronaut).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    idat = data.find(b"IDAT")
    data[idat + 200 : idat + 4000] = b"\xff" * 3800
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    _refused(path, "is damaged or truncated")


def test_truncated_jpeg(tmp_path: Path, astronaut: np.ndarray) -> None:
    path = _save(Image.fromarray(astronaut), tmp_path / "photo.jpg")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _refused(path, "is damaged or truncated (image file is truncated")


def test_text_file_renamed_png(tmp_path: Path) -> None:
    path = tmp_path / "readme.png"
    path.write_text("hello, I am text\n")
    _refused(path, "is not an image file F1 Studio can read (PNG, JPEG")


def test_risky_formats_are_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "art.eps"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    _refused(path, "is not an image file")


def test_special_files_are_not_read(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(ImageImportError, match="^'zero' is not a regular file.$"):
        load_image_rgba("/dev/zero")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    _refused(tmp_path / "empty.png", "is not an image file")
    with pytest.raises(ImageImportError, match="^'ghost.png' does not exist.$"):
        load_image_rgba(tmp_path / "ghost.png")
    with pytest.raises(ImageImportError, match="is a folder"):
        load_image_rgba(tmp_path)


@pytest.mark.parametrize("side", [20_000, 10_000, 9_000])
def test_decompression_bomb_refused_from_header(tmp_path: Path, side: int) -> None:
    # 400 MP is above Pillow's hard limit, 100 MP above its warning limit, 81 MP above ours.
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(side, side))
    assert path.stat().st_size < 100
    _refused(path, "decompression bomb")


def test_max_pixels_argument(tmp_path: Path) -> None:
    path = _save(Image.new("RGB", (100, 100)), tmp_path / "small.png")
    error = _refused(path, "is 100x100", max_pixels=5_000)
    assert "limit" in str(error)
    assert load_image_rgba(path, max_pixels=10_000).shape == (100, 100, 4)


# ---- masks and pictures -------------------------------------------------------------------
def test_load_mask_luminance_alpha_and_nearest_resize(tmp_path: Path) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:2, :2, :3] = 255  # white square, top-left
    rgba[2:, 2:] = (255, 255, 255, 0)  # transparent white: outside
    rgba[:2, 2:, :3] = 128
    path = _save(Image.fromarray(rgba, "RGBA"), tmp_path / "mask.png")
    same = load_mask(path, 4, 4)
    assert same.dtype == np.uint8 and same.shape == (4, 4)
    assert same[0, 0] == 255 and same[3, 3] == 0 and same[0, 3] == 128 and same[3, 0] == 0
    big = load_mask(path, 16, 8)
    assert big.shape == (8, 16)
    assert set(np.unique(big)) == {0, 128, 255}  # NEAREST: no new grey levels
    assert big[0, 0] == 255 and big[7, 15] == 0


def test_load_picture_covers_and_centre_crops(tmp_path: Path) -> None:
    stripes = np.zeros((100, 300, 3), np.uint8)
    stripes[:, :100] = (255, 0, 0)
    stripes[:, 100:200] = (0, 255, 0)
    stripes[:, 200:] = (0, 0, 255)
    out = load_picture(_save(Image.fromarray(stripes), tmp_path / "wide.png"), 64, 64)
    assert out.shape == (64, 64, 4)
    assert np.all(out[:, 2:-2, 1] > 240) and np.all(out[:, 2:-2, 0] < 15)  # only green is left


def test_load_picture_photo_to_wide_canvas(tmp_path: Path, astronaut: np.ndarray) -> None:
    out = load_picture(_save(Image.fromarray(astronaut), tmp_path / "a.png"), 768, 256)
    assert out.shape == (256, 768, 4) and np.all(out[..., 3] == 255)
    same = load_picture(tmp_path / "a.png", 512, 512)
    assert np.array_equal(same[..., :3], astronaut)


def test_load_picture_refuses_bad_files_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_text("no")
    with pytest.raises(ImageImportError, match="^'x.png' is not an image"):
        load_picture(tmp_path / "x.png", 64, 64)
    with pytest.raises(ImageImportError, match="^'x.png' is not an image"):
        load_mask(tmp_path / "x.png", 64, 64)
