"""Renditions of library photos: every size the site shows, cut around the focal point.

Each use of a picture has a spec (RENDITIONS). A rendition is made once, when the photo is
saved or its focal point moves (`make_renditions`), stored as a PhotoRendition with its file,
and from then on only read: the reader's request path looks renditions up (`renditions_for`,
one query for a whole list of photos) and never decodes a picture. A rendition that is missing
(a photo from before a spec existed) is made on its first use and stored.
"""

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps

from newsroom.pictures import encode_image

from .models import Photo, PhotoRendition


@dataclass(frozen=True)
class Spec:
    width: int
    # None: keep the picture's own proportions (body pictures); else cut to width×height.
    height: int | None = None

    @property
    def crops(self) -> bool:
        return self.height is not None


RENDITIONS = {
    # Cards and the photo library's grid (16:9).
    "thumb": Spec(320, 180),
    # The article's lead photo and section blocks (16:9), with phone sizes for srcset.
    "w480": Spec(480, 270),
    "w800": Spec(800, 450),
    "w1200": Spec(1200, 675),
    # Link previews (og:image, JSON-LD): 1200×630 is what Facebook, Kakao and Naver ask for.
    "og": Spec(1200, 630),
    # Pictures inside the body keep their proportions, at the column's width and a phone's.
    "body480": Spec(480),
    "body800": Spec(800),
}
LEAD_SRCSET = ("w480", "w800", "w1200")
BODY_SRCSET = ("body480", "body800")


# Renditions that keep the whole picture do not depend on the focal point: their files stay
# when it moves (article bodies link to them directly).
WHOLE = "whole"


def focal_key(photo: Photo, spec: str | None = None) -> str:
    if spec is not None and not RENDITIONS[spec].crops:
        return WHOLE
    return f"{photo.focal_x:.3f},{photo.focal_y:.3f}"


def crop_box(
    width: int, height: int, ratio: float, focal_x: float, focal_y: float
) -> tuple[int, int, int, int]:
    """The largest box of `ratio` (width/height) inside width×height, centred on the focal
    point as far as the picture's edges allow."""
    if width / height > ratio:
        box_w, box_h = max(1, round(height * ratio)), height
    else:
        box_w, box_h = width, max(1, round(width / ratio))
    left = min(max(0, round(focal_x * width - box_w / 2)), width - box_w)
    top = min(max(0, round(focal_y * height - box_h / 2)), height - box_h)
    return left, top, left + box_w, top + box_h


def render(image: Image.Image, spec: Spec, focal_x: float, focal_y: float) -> Image.Image:
    """One rendition's pixels: cut around the focal point, then scaled down (never up)."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if spec.crops:
        image = image.crop(crop_box(*image.size, spec.width / spec.height, focal_x, focal_y))
    if image.width > spec.width:
        height = max(1, round(image.height * spec.width / image.width))
        image = image.resize((spec.width, height), Image.Resampling.LANCZOS)
    return image


def _open(photo: Photo) -> tuple[Image.Image, str]:
    with photo.image.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    image_format = image.format
    image.load()
    # Stored photos went through the pipeline already; turning upright again is harmless.
    image = ImageOps.exif_transpose(image) or image
    # An animation's renditions are its first frame.
    return image, image_format if image_format in ("JPEG", "PNG", "WEBP") else "PNG"


def _store(photo: Photo, name: str, image: Image.Image, image_format: str, key: str):
    content = encode_image(image, image_format)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image_format]
    stem = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    rendition = PhotoRendition(
        photo=photo, spec=name, focal_key=key, width=image.width, height=image.height
    )
    rendition.file.save(f"{stem}_{name}.{extension}", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Another request made the same rendition at the same moment: keep theirs.
        rendition.file.delete(save=False)
        rendition = PhotoRendition.objects.get(photo=photo, spec=name, focal_key=key)
    return rendition


def make_renditions(photo: Photo, specs=None) -> dict[str, PhotoRendition]:
    """Make (or find) the photo's renditions for its current focal point; drop the cropped ones
    cut for an earlier focal point, files included."""
    names = list(specs or RENDITIONS)
    keys = {name: focal_key(photo, name) for name in names}
    have = {
        r.spec: r for r in photo.renditions.filter(spec__in=names) if r.focal_key == keys[r.spec]
    }
    missing = [name for name in names if name not in have]
    if missing:
        image, image_format = _open(photo)
        for name in missing:
            pixels = render(image, RENDITIONS[name], photo.focal_x, photo.focal_y)
            have[name] = _store(photo, name, pixels, image_format, keys[name])
    if specs is None:
        for stale in photo.renditions.exclude(focal_key__in={focal_key(photo), WHOLE}):
            stale.file.delete(save=False)
            stale.delete()
    return have


def renditions_for(photos, specs) -> dict[int, dict[str, PhotoRendition]]:
    """{photo id: {spec: rendition}} for many photos in one query; a missing rendition is made
    now (once) and stored."""
    photos = [p for p in photos if p is not None]
    found: dict[int, dict[str, PhotoRendition]] = {p.pk: {} for p in photos}
    if not photos:
        return found
    by_id = {p.pk: p for p in photos}
    rows = PhotoRendition.objects.filter(photo__in=list(by_id), spec__in=specs)
    for rendition in rows:
        if rendition.focal_key == focal_key(by_id[rendition.photo_id], rendition.spec):
            found[rendition.photo_id][rendition.spec] = rendition
    for photo in photos:
        if any(spec not in found[photo.pk] for spec in specs):
            found[photo.pk].update(make_renditions(photo, specs))
    return found
