"""Renditions of library photos: every size the site shows, cut around the focal point.

Each use of a picture has a spec (RENDITIONS). A rendition is made once, when the photo is
saved or its focal point moves (`make_renditions`), stored as a PhotoRendition with its file,
and from then on only read: the reader's request path looks renditions up (`renditions_for`,
one query for a whole list of photos) and never decodes a picture. A rendition that is missing
(a photo from before a spec existed) is made on its first use and stored;
`manage.py make_photo_renditions` (run by `make setup` and the deploy) makes them all beforehand.

Pictures inside a body are pointed at their renditions when the article is saved
(`fit_body_photos`): the stored body is what readers get, with no lookup at all when it is
shown. Body renditions keep the whole picture, so a focal point move never changes their files.
"""

import html
import io
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps

from newsroom.compiled import CompiledRead
from newsroom.pictures import encode_image

from .models import LeadRenditions, Photo, PhotoRendition


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
# How wide the article column is drawn (static/css/site.css: the main column beside the 300-px
# side column from 960 px on, the screen less its margins below), for `sizes`.
COLUMN_SIZES = "(min-width: 960px) 828px, calc(100vw - 32px)"
# What every list of cards and the article page read of a lead photo.
CARD_SPECS = ("thumb",)
ARTICLE_SPECS = (*LEAD_SRCSET, "og", "thumb")

logger = logging.getLogger(__name__)


# Renditions that keep the whole picture do not depend on the focal point: their files stay
# when it moves (article bodies link to them directly).
WHOLE = "whole"


def focal_key(photo: Photo, spec: str | None = None) -> str:
    if spec is not None and not RENDITIONS[spec].crops:
        return WHOLE
    return f"{photo.focal_x:.3f},{photo.focal_y:.3f}"


def is_current(photo: Photo, spec: str, key: str) -> bool:
    """Is a `spec` rendition cut with `key` good for the photo as it is now? A cropped one only
    when cut for its current focal point; one that keeps the whole picture always. The one
    rule every reader of renditions (a query, an article's own row, make_renditions) keeps."""
    return key == focal_key(photo, spec)


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
    have = {
        r.spec: r
        for r in photo.renditions.filter(spec__in=names)
        if is_current(photo, r.spec, r.focal_key)
    }
    missing = [name for name in names if name not in have]
    if missing:
        image, image_format = _open(photo)
        for name in missing:
            pixels = render(image, RENDITIONS[name], photo.focal_x, photo.focal_y)
            have[name] = _store(photo, name, pixels, image_format, focal_key(photo, name))
    if specs is None:
        for stale in photo.renditions.exclude(focal_key__in={focal_key(photo), WHOLE}):
            stale.file.delete(save=False)
            stale.delete()
    return have


@lru_cache(maxsize=16)
def _one_photos_renditions(specs: tuple[str, ...]) -> CompiledRead:
    """The `specs` renditions of one photo, compiled once per process and `specs` (a page's
    few constant tuples)."""
    return CompiledRead(
        lambda pk: PhotoRendition.objects.filter(photo_id=pk, spec__in=specs).order_by()
    )


def renditions_for(photos, specs) -> dict[int, dict[str, PhotoRendition]]:
    """{photo id: {spec: rendition}} for many photos in one query; a missing rendition is made
    now (once) and stored."""
    photos = [p for p in photos if p is not None]
    found: dict[int, dict[str, PhotoRendition]] = {p.pk: {} for p in photos}
    if not photos:
        return found
    by_id = {p.pk: p for p in photos}
    if len(by_id) == 1:  # an article page's lead photo: the query compiled once per process
        rows = _one_photos_renditions(tuple(specs))(next(iter(by_id)))
    else:
        rows = PhotoRendition.objects.filter(photo__in=list(by_id), spec__in=specs)
    for rendition in rows:
        if is_current(by_id[rendition.photo_id], rendition.spec, rendition.focal_key):
            found[rendition.photo_id][rendition.spec] = rendition
    for photo in photos:
        if any(spec not in found[photo.pk] for spec in specs):
            try:
                found[photo.pk].update(make_renditions(photo, specs))
            except (OSError, ValueError, Image.DecompressionBombError) as error:
                # A photo whose file is gone or broken shows without its picture rather than
                # failing the page; make_photo_renditions names it.
                logger.warning("photo %s: no renditions (%s)", photo.pk, error)
    return found


def attach_lead_renditions(articles, specs=CARD_SPECS):
    """Give each article `lead_renditions` ({spec: rendition} of its lead photo, empty without
    one), in one query for the whole list. The articles come with their lead photo
    (select_related("lead_photo")); what a cached list holds, it holds with its renditions.
    An article read with its photo's sizes in its own row (`lead_renditions_row`:
    articles.models.LeadRenditions) takes them from there when they are all made for the
    photo's focal point: no query."""
    articles = [a for a in articles if a is not None]
    pending = [a for a in articles if not _renditions_from_row(a, specs)]
    photos = {a.lead_photo_id: a.lead_photo for a in pending if a.lead_photo_id}
    found = renditions_for(list(photos.values()), specs) if photos else {}
    for article in pending:
        article.lead_renditions = found.get(article.lead_photo_id, {})
    return articles


def _renditions_from_row(article, specs) -> bool:
    """Set the article's `lead_renditions` from `lead_renditions_row`; False when it cannot (no
    such column, or one of `specs` is not made for the current focal point yet: then
    renditions_for reads and makes them)."""
    row = getattr(article, "lead_renditions_row", None)
    if row is None:
        return False
    if not article.lead_photo_id:
        article.lead_renditions = {}
        return True
    photo, db = article.lead_photo, article._state.db
    wanted = set(specs)
    renditions = {}
    for values in json.loads(row):
        spec, key = values[2], values[3]
        if spec in wanted and is_current(photo, spec, key):
            renditions[spec] = PhotoRendition.from_db(db, LeadRenditions.COLUMNS, values)
    if len(renditions) < len(wanted):
        return False
    article.lead_renditions = renditions
    return True


def srcset(renditions: dict, specs) -> str:
    """`url 480w, url 800w, …` of the renditions there are, one per width (a small picture's
    larger sizes are the same width: listed once)."""
    seen, candidates = set(), []
    for spec in specs:
        rendition = renditions.get(spec)
        if rendition is None or rendition.width in seen:
            continue
        seen.add(rendition.width)
        candidates.append(f"{rendition.url} {rendition.width}w")
    return ", ".join(candidates)


# --- Library photos inside a body ---------------------------------------------------------------

_FIGURE = re.compile(r"<figure\b([^>]*)>(.*?)</figure>", re.IGNORECASE | re.DOTALL)
_PHOTO_ID = re.compile(r'\sdata-photo="(\d{1,18})"')
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT = re.compile(r'\salt="([^"]*)"')


def body_photo_ids(body: str) -> list[int]:
    """The photo ids the body's `<figure data-photo>` name, in order, each once."""
    ids: list[int] = []
    for match in _FIGURE.finditer(body or ""):
        found = _PHOTO_ID.search(match.group(1))
        if found and int(found.group(1)) not in ids:
            ids.append(int(found.group(1)))
    return ids


def _body_img(photo: Photo, renditions: dict, alt: str) -> str:
    largest = next((renditions[s] for s in reversed(BODY_SRCSET) if s in renditions), None)
    if largest is None:  # no rendition could be made: the stored picture itself
        src, width, height, candidates = photo.image.url, photo.width, photo.height, ""
    else:
        src, width, height = largest.url, largest.width, largest.height
        candidates = srcset(renditions, BODY_SRCSET)
    attributes = {
        "src": src,
        "srcset": candidates,
        "sizes": COLUMN_SIZES if candidates else "",
        "alt": alt,
        "width": str(width) if width else "",
        "height": str(height) if height else "",
        "loading": "lazy",
    }
    return (
        "<img "
        + " ".join(
            f'{name}="{html.escape(value)}"'
            for name, value in attributes.items()
            if value or name == "alt"
        )
        + ">"
    )


def fit_body_photos(body: str) -> tuple[str, list[int]]:
    """A (sanitized) body with each library figure's picture pointed at the photo's current
    body renditions (srcset BODY_SRCSET, width and height, alt from the caption when it had
    none), and the ids of the photos it shows. A figure naming no existing photo loses its
    data-photo: a number alone brings nothing into the page. Two queries, whatever the body."""
    ids = body_photo_ids(body)
    if not ids:
        return body or "", []
    photos = Photo.objects.in_bulk(ids)
    renditions = renditions_for(list(photos.values()), BODY_SRCSET)

    def fit(match):
        attributes, inner = match.group(1), match.group(2)
        found = _PHOTO_ID.search(attributes)
        if found is None:
            return match.group(0)
        photo = photos.get(int(found.group(1)))
        if photo is None:
            return f"<figure{_PHOTO_ID.sub('', attributes)}>{inner}</figure>"
        old = _IMG.search(inner)
        alt_found = _ALT.search(old.group(0)) if old else None
        alt = html.unescape(alt_found.group(1)) if alt_found else ""
        img = _body_img(photo, renditions.get(photo.pk, {}), alt or photo.caption)
        inner = f"{inner[: old.start()]}{img}{inner[old.end() :]}" if old else img + inner
        return f'<figure class="photo" data-photo="{photo.pk}">{inner}</figure>'

    return _FIGURE.sub(fit, body), [pk for pk in ids if pk in photos]
