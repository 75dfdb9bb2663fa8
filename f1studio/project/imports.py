"""Safe image import: common image files as RGBA uint8, or a clear one-line error.

The image size is checked from the file header before any pixel is decoded, so a small file
that declares a huge image (a decompression bomb) is refused cheaply. EXIF orientation is
applied, embedded ICC colour profiles are converted to sRGB where possible, and every mode is
converted properly: CMYK, 16-bit greyscale (scaled, not clipped), palettes with transparency,
greyscale with alpha, 1-bit and RGB. Only formats in :data:`SAFE_FORMATS` are decoded (no
EPS/Ghostscript and other rarely used decoders).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps

from f1studio.project.errors import ImageImportError

ImageSource = str | os.PathLike[str] | bytes

DEFAULT_MAX_PIXELS = 64_000_000
_MAX_FILE_BYTES = 2 * 2**30
# Formats with well-trodden decoders; EPS (Ghostscript), WMF, FITS and the like are refused.
SAFE_FORMATS = ("PNG", "JPEG", "WEBP", "AVIF", "GIF", "BMP", "TIFF", "TGA", "PPM", "QOI", "PSD")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error)


def load_image_rgba(
    source: ImageSource, max_pixels: int = DEFAULT_MAX_PIXELS, *, name: str | None = None
) -> np.ndarray:
    """Decode an image file (path or bytes) to a writable RGBA uint8 array of shape (H, W, 4).

    ``name`` labels bytes in error messages. Raises :class:`ImageImportError` with a one-line
    message naming the file when it is missing, not an image, damaged, or larger than
    ``max_pixels`` (Pillow's own ``Image.MAX_IMAGE_PIXELS`` limit applies too).
    """
    image = _open_rgba(source, max_pixels, name)
    return np.array(image, dtype=np.uint8)


def load_mask(path: ImageSource, width: int, height: int) -> np.ndarray:
    """Load a mask as uint8 (height, width): white = inside, black = outside.

    Colour images are reduced to their luminance; transparent pixels count as outside. A mask
    of another size is resized to the canvas with NEAREST sampling, so hard edges stay hard
    and no new grey levels appear (it is stretched if the aspect ratio differs).
    """
    _check_canvas(width, height)
    rgba = load_image_rgba(path)
    luma = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    grey = np.clip(np.rint(luma * (rgba[..., 3] / 255.0)), 0, 255).astype(np.uint8)
    if grey.shape != (height, width):
        grey = np.array(
            Image.fromarray(grey, "L").resize((width, height), Image.Resampling.NEAREST)
        )
    return grey


def load_picture(path: ImageSource, width: int, height: int) -> np.ndarray:
    """Load a picture as RGBA uint8 (height, width, 4) that covers the canvas.

    The image is scaled (Lanczos, alpha-aware) so it covers the whole canvas keeping its
    aspect ratio, then the overflow is cropped equally from both sides.
    """
    _check_canvas(width, height)
    image = _open_rgba(path, DEFAULT_MAX_PIXELS, None)
    if image.size != (width, height):
        image = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    return np.array(image, dtype=np.uint8)


# ---- internals --------------------------------------------------------------------------------
def _check_canvas(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise ValueError(f"canvas size must be positive, not {width}x{height}")


def _open_rgba(source: ImageSource, max_pixels: int, name: str | None) -> Image.Image:
    """Read, check, decode and convert one image to an RGBA Pillow image."""
    try:
        return _decode(source, max_pixels, name)
    except ImageImportError as exc:
        if exc.path is None and not isinstance(source, (bytes, bytearray, memoryview)):
            exc.path = os.fspath(source)
        raise


def _decode(source: ImageSource, max_pixels: int, name: str | None) -> Image.Image:
    data, label = _read_source(source, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.init()
            formats = [f for f in SAFE_FORMATS if f in Image.OPEN]
            image: Image.Image = Image.open(io.BytesIO(data), formats=formats)
            _check_pixels(image.size, max_pixels, label)
            image.load()
            _check_pixels(image.size, max_pixels, label)
            image = _apply_orientation(image)
            return _to_rgba(image, label)
    except ImageImportError:
        raise
    except Image.UnidentifiedImageError as exc:
        raise ImageImportError(
            f"{label} is not an image file F1 Studio can read (PNG, JPEG, WebP, TIFF, ...)."
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageImportError(
            f"{label} is too large to import safely (it may be a decompression bomb)."
        ) from exc
    except MemoryError as exc:
        raise ImageImportError(f"{label} is too large to import (out of memory).") from exc
    except _DECODE_ERRORS as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageImportError(f"{label} is damaged or truncated ({detail}).") from exc


def _read_source(source: ImageSource, name: str | None) -> tuple[bytes, str]:
    """The file's bytes and the label used in messages."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), f"'{name}'" if name else "The image data"
    path = Path(source)
    label = f"'{name or path.name}'"
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ImageImportError(f"{label} is a folder, not an image file.")
        if not stat.S_ISREG(info.st_mode):
            raise ImageImportError(f"{label} is not a regular file.")
        if info.st_size > _MAX_FILE_BYTES:
            raise ImageImportError(f"{label} is too large to import ({info.st_size} bytes).")
        return path.read_bytes(), label
    except FileNotFoundError as exc:
        raise ImageImportError(f"{label} does not exist.") from exc
    except OSError as exc:
        raise ImageImportError(f"{label} could not be read ({exc.strerror or exc}).") from exc


def _check_pixels(size: tuple[int, int], max_pixels: int, label: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageImportError(f"{label} has no pixels ({width}x{height}).")
    if width * height > max_pixels:
        raise ImageImportError(
            f"{label} is {width}x{height} ({width * height / 1e6:.0f} megapixels); the import "
            f"limit is {max_pixels / 1e6:.0f} megapixels (it may be a decompression bomb)."
        )


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF orientation says; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image)
    except (*_DECODE_ERRORS, KeyError, TypeError):
        return image


def _to_rgba(image: Image.Image, label: str) -> Image.Image:
    """Convert any Pillow mode to RGBA, colour-managed to sRGB when a profile is embedded."""
    mode = image.mode
    if mode.startswith("I") or mode == "F":
        return _wide_grey_to_rgba(image)
    if image.info.get("icc_profile") and mode in ("RGB", "RGBA", "CMYK"):
        image = _to_srgb(image)
        mode = image.mode
    if mode == "RGBA":
        return image
    try:
        return image.convert("RGBA")
    except ValueError as exc:
        raise ImageImportError(f"{label} uses colour mode {mode}, which is not supported.") from exc


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an image with an embedded ICC profile to sRGB; unchanged if that fails."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        target = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=out_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _wide_grey_to_rgba(image: Image.Image) -> Image.Image:
    """16/32-bit integer or float greyscale to 8-bit, scaling the full range (not clipping).

    Integer images are treated as 16-bit (0..65535 -> 0..255, rounded); float images as 0..1
    when they fit that range, otherwise as 0..255.
    """
    values = np.asarray(image)
    if values.dtype.kind == "f":
        scale = 255.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 1.0
        grey = np.clip(np.nan_to_num(values.astype(np.float64) * scale), 0, 255)
        grey8 = np.rint(grey).astype(np.uint8)
    else:
        wide = np.clip(values.astype(np.int64), 0, 65535)
        grey8 = ((wide * 255 + 32767) // 65535).astype(np.uint8)
    alpha = np.full(grey8.shape, 255, np.uint8)
    key = image.info.get("transparency")
    if isinstance(key, int):
        alpha[values == key] = 0
    rgba = np.stack([grey8, grey8, grey8, alpha], axis=-1)
    return Image.fromarray(rgba, "RGBA")
