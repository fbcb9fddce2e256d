"""The upload pipeline for every picture the newsroom stores (body images, lead images, photos).

Only real JPEG, PNG, WebP and GIF images get through, checked by their content, not their name.
Each is turned upright by its EXIF orientation, then re-encoded from the pixels alone, so no
EXIF, GPS or XMP metadata survives; it is scaled down to a sane width and gets a thumbnail.
Animated GIFs keep their frames. Anything else is refused with a Korean message and nothing is
stored.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

# Pillow format name -> file extension and content type.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}

MESSAGE_TOO_LARGE = "파일이 너무 큽니다. {limit}MB 이하의 사진만 올릴 수 있습니다."
MESSAGE_NOT_IMAGE = (
    "이미지 파일이 아니거나 손상된 파일입니다. JPEG, PNG, WebP, GIF 사진을 올려 주세요."
)
MESSAGE_FORMAT = "JPEG, PNG, WebP, GIF 형식의 사진만 올릴 수 있습니다."
MESSAGE_BOMB = (
    "사진의 픽셀 수가 너무 많습니다 (가로×세로 {limit:,}픽셀 이하). 크기를 줄여서 다시 올려 주세요."
)
MESSAGE_EMPTY = "빈 파일입니다. 사진 파일을 선택하세요."


class ImageRejected(ValidationError):
    """The upload is not an image we accept; the message says why, in Korean."""


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    thumbnail: bytes
    extension: str
    content_type: str
    width: int
    height: int

    def filenames(self) -> tuple[str, str]:
        """A fresh, unguessable name and its thumbnail's (the uploader's file name is not kept)."""
        stem = uuid.uuid4().hex
        return f"{stem}.{self.extension}", f"{stem}_thumb.{self.extension}"


def _limits() -> tuple[int, int, int, int]:
    return (
        settings.ARTICLE_IMAGE_MAX_BYTES,
        settings.ARTICLE_IMAGE_MAX_PIXELS,
        settings.ARTICLE_IMAGE_MAX_WIDTH,
        settings.ARTICLE_IMAGE_THUMB_WIDTH,
    )


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            image_format = probe.format
            if image_format not in FORMATS:
                raise ImageRejected(MESSAGE_FORMAT, code="format")
            # The header alone tells the size: refuse a bomb before decoding a single pixel.
            # An animation counts every frame.
            frames = getattr(probe, "n_frames", 1) if image_format == "GIF" else 1
            if probe.width * probe.height * frames > max_pixels:
                raise ImageRejected(MESSAGE_BOMB.format(limit=max_pixels), code="too_many_pixels")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
        raise ImageRejected(MESSAGE_BOMB.format(limit=limit), code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise ImageRejected(MESSAGE_NOT_IMAGE, code="not_image") from None
    return image, image_format


def _normalise(image: Image.Image, image_format: str) -> Image.Image:
    transparency = image.info.get("transparency")
    image = ImageOps.exif_transpose(image) or image
    if image_format == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    elif image_format == "WEBP":
        image = image.convert("RGBA") if image.mode not in ("RGB", "RGBA") else image
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    # Drop everything but the pixels (EXIF, GPS, XMP, comments); keep only transparency.
    image.info = {"transparency": transparency} if transparency is not None else {}
    return image


def _scaled(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image.copy()
    height = max(1, round(image.height * width / image.width))
    if image.mode == "P":
        image = image.convert("RGBA")
    return image.resize((width, height), Image.Resampling.LANCZOS)


def encode_image(image: Image.Image, image_format: str) -> bytes:
    """The pixels encoded as the pipeline stores them (also used for photo renditions)."""
    buffer = io.BytesIO()
    options = {
        "JPEG": {"quality": 85, "optimize": True, "progressive": True},
        "PNG": {"optimize": True},
        "WEBP": {"quality": 85},
        "GIF": {},
    }[image_format]
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _animation(image: Image.Image, width: int) -> bytes:
    """An animated GIF, each frame scaled, re-encoded without its comments and extensions."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100))
        scaled = _scaled(frame.convert("RGBA"), width)
        scaled.info = {}  # no comments or application extensions carried over
        frames.append(scaled)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
        disposal=2,
    )
    return buffer.getvalue()


def process_image(
    upload, *, max_bytes: int | None = None, max_width: int | None = None
) -> ProcessedImage:
    """Check, clean and scale one uploaded picture; raise ImageRejected with a Korean message.

    `max_bytes` and `max_width` replace the article settings for other uploads (banners keep
    their exact size: pass a width no banner reaches).
    """
    default_bytes, max_pixels, default_width, thumb_width = _limits()
    max_bytes = max_bytes or default_bytes
    max_width = max_width or default_width
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(MESSAGE_TOO_LARGE.format(limit=max_bytes // (1024 * 1024)), "too_large")
    data = _read(upload)
    if not data:
        raise ImageRejected(MESSAGE_EMPTY, code="empty")
    if len(data) > max_bytes:
        raise ImageRejected(MESSAGE_TOO_LARGE.format(limit=max_bytes // (1024 * 1024)), "too_large")
    image, image_format = _open(data, max_pixels)
    extension, content_type = FORMATS[image_format]
    if getattr(image, "n_frames", 1) > 1 and image_format == "GIF":
        content = _animation(image, max_width)
        width, height = Image.open(io.BytesIO(content)).size
        image.seek(0)
        first = image.convert("RGBA")
        first.info = {}
        return ProcessedImage(
            content=content,
            thumbnail=encode_image(_scaled(first, thumb_width), image_format),
            extension=extension,
            content_type=content_type,
            width=width,
            height=height,
        )
    image = _normalise(image, image_format)
    main = _scaled(image, max_width)
    thumbnail = _scaled(image, thumb_width)
    return ProcessedImage(
        content=encode_image(main, image_format),
        thumbnail=encode_image(thumbnail, image_format),
        extension=extension,
        content_type=content_type,
        width=main.width,
        height=main.height,
    )


def thumbnail_of(data: bytes) -> ProcessedImage:
    """Run already stored bytes (e.g. the demo's pictures) through the same pipeline."""
    return process_image(io.BytesIO(data))


class NewsImageFormField(forms.FileField):
    """A form field that runs the pipeline: what reaches the model is the cleaned picture, with
    its thumbnail attached as `.thumbnail` (a file of the same format)."""

    default_error_messages = {
        "required": "사진을 선택하세요.",
        "invalid": "사진 파일을 올려 주세요.",
        "empty": MESSAGE_EMPTY,
    }

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        processed = process_image(upload)
        name, thumb_name = processed.filenames()
        cleaned = SimpleUploadedFile(name, processed.content, processed.content_type)
        cleaned.thumbnail = SimpleUploadedFile(
            thumb_name, processed.thumbnail, processed.content_type
        )
        return cleaned

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif")
        return attrs
