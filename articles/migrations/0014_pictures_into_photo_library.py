"""Every picture the articles already show becomes a library photo (사진).

- An article's lead image becomes a Photo with its caption and credit; the article's
  lead_photo points at it. Revisions' stored lead images point at the same photo.
- Every body picture that names a file of ours (`<img src="/media/uploads/…">`) becomes a Photo
  too, and the body shows it as `<figure class="photo" data-photo="N">`, keeping the caption
  where CKEditor had a figcaption; the article's body_photos lists it. The revisions' bodies get
  the same markup, so comparing an old 판 with a new one shows no false change.

Nothing is copied: a Photo's image is the very file that was stored (the same name), and one
file used twice is one Photo. The width, height and size are read from the file (its header
only). A picture whose file is gone is left as it was and named in the output.

No rendition is made here (a migration should not decode thousands of pictures, nor call code
that may change later): `manage.py make_photo_renditions` makes them, `make setup` and the
deploy run it after `migrate`, and it points the migrated bodies at their renditions.

The reverse keeps the library: the old fields are filled again from the photos.
"""

import re
from html import escape, unescape
from urllib.parse import unquote, urlsplit

import django.db.models.deletion
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import migrations, models
from PIL import Image, UnidentifiedImageError

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z][\w:-]*)="([^"]*)"')
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_FIGURE = re.compile(r"<figure\b[^>]*>(.*?)</figure>", re.IGNORECASE | re.DOTALL)
_CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.IGNORECASE | re.DOTALL)
_EMPTY_P_BEFORE = re.compile(r"<p>\s*</p>(?=<figure class=\"photo\" data-photo=)")
_EMPTY_P_AFTER = re.compile(r"(?<=<!--photo-end-->)<p>\s*</p>")
_VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "area", "col", "embed"}


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): unescape(value) for name, value in _ATTRIBUTE.findall(tag)}


def _plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class Library:
    """The photos made so far, by stored file name (one file, one photo)."""

    def __init__(self, apps):
        self.Photo = apps.get_model("articles", "Photo")
        self.by_name = {p.image.name: p for p in self.Photo.objects.all()}
        self.missing: list[str] = []

    def name_of(self, src: str) -> str | None:
        """The stored name a picture's address points at, when it is a file of ours."""
        src = unescape(src or "").strip()
        media = settings.MEDIA_URL
        site = settings.SITE_URL.rstrip("/")
        if src.startswith(site + "/") and not media.startswith(("http://", "https://")):
            src = src[len(site) :]
        if not src.startswith(media):
            return None
        name = unquote(urlsplit(src[len(media) :]).path)
        if not name or ".." in name.split("/") or name.startswith("/"):
            return None
        return name

    def photo_for(self, name: str, *, caption="", credit="", by_id=None, at=None, note=""):
        """The photo of the stored file `name`, made now when it is new; None when the file is
        gone or not a picture."""
        photo = self.by_name.get(name)
        if photo is not None:
            return photo
        try:
            with default_storage.open(name, "rb") as stored:
                width, height = Image.open(stored).size
            size = default_storage.size(name)
        except (OSError, UnidentifiedImageError, ValueError):
            self.missing.append(f"{note}{name}")
            return None
        photo = self.Photo(
            caption=caption[:300],
            credit=credit[:100],
            width=width,
            height=height,
            file_size=size,
            uploaded_by_id=by_id,
        )
        photo.image.name = name
        if at is not None:
            photo.uploaded_at = at
        photo.save()
        self.by_name[name] = photo
        return photo


def _figure(photo, img_tag: str, caption_html: str | None) -> str:
    attributes = _attributes(img_tag)
    alt = attributes.get("alt") or photo.caption
    img = (
        f'<img src="{escape(settings.MEDIA_URL + photo.image.name)}" alt="{escape(alt)}" '
        f'width="{photo.width}" height="{photo.height}" loading="lazy">'
    )
    caption = f"<figcaption>{caption_html}</figcaption>" if caption_html else ""
    return f'<figure class="photo" data-photo="{photo.pk}">{img}{caption}</figure>'


def _parent(body: str, position: int) -> str | None:
    """The element an img at `position` sits in (bodies are sanitized, so well formed)."""
    stack: list[str] = []
    for match in _TAG.finditer(body, 0, position):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
        else:
            stack.append(name)
    return stack[-1] if stack else None


def convert_body(body: str, library: Library, **made) -> tuple[str, list]:
    """The body with every picture of ours as a library figure, and those photos in order."""
    photos: list = []

    def photo_of(img_tag: str, caption: str = ""):
        name = library.name_of(_attributes(img_tag).get("src"))
        if name is None:
            return None
        photo = library.photo_for(name, caption=caption, **made)
        if photo is not None and photo not in photos:
            photos.append(photo)
        return photo

    def figure(match):
        inner = match.group(1)
        if 'data-photo="' in match.group(0):
            return match.group(0)  # a library photo already
        images = _IMG.findall(inner)
        if len(images) != 1:
            return match.group(0)
        found = _CAPTION.search(inner)
        caption_html = found.group(1).strip() if found else None
        photo = photo_of(images[0], _plain(caption_html or ""))
        if photo is None:
            return match.group(0)
        return _figure(photo, images[0], caption_html)

    body = _FIGURE.sub(figure, body or "")
    # Pictures outside a figure: in a paragraph of their own, or among its text.
    out, last = [], 0
    for match in _IMG.finditer(body):
        before = body[: match.start()]
        if before.count("<figure") > before.count("</figure>"):
            continue  # inside a figure: a library one, or one we leave alone
        photo = photo_of(match.group(0))
        if photo is None:
            continue
        markup = _figure(photo, match.group(0), None)
        if _parent(body, match.start()) == "p":
            markup = f"</p>{markup}<!--photo-end--><p>"
        out.append(body[last : match.start()])
        out.append(markup)
        last = match.end()
    out.append(body[last:])
    body = "".join(out)
    body = _EMPTY_P_AFTER.sub("", _EMPTY_P_BEFORE.sub("", body))
    return body.replace("<!--photo-end-->", ""), photos


def forward(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleRevision = apps.get_model("articles", "ArticleRevision")
    library = Library(apps)
    for article in Article.objects.order_by("pk").iterator():
        made = {"by_id": article.created_by_id, "at": article.created_at}
        fields = []
        if article.lead_image.name and article.lead_photo_id is None:
            photo = library.photo_for(
                article.lead_image.name,
                caption=article.lead_image_caption,
                credit=article.lead_image_credit,
                note=f"기사 {article.pk} 대표 사진: ",
                **made,
            )
            if photo is not None:
                article.lead_photo = photo
                # The article's own caption stays only where it says something else.
                if article.lead_image_caption == photo.caption:
                    article.lead_image_caption = ""
                fields += ["lead_photo", "lead_image_caption"]
        body, photos = convert_body(
            article.body, library, note=f"기사 {article.pk} 본문: ", **made
        )
        if body != article.body:
            article.body = body
            fields.append("body")
        if fields:
            # A plain update: no new version (nobody's open form becomes stale), no 수정 time.
            Article.objects.filter(pk=article.pk).update(
                **{name: getattr(article, name) for name in fields}
            )
        if photos:
            article.body_photos.add(*photos)
    for revision in ArticleRevision.objects.order_by("pk").iterator():
        fields = []
        if revision.lead_image:
            photo = library.photo_for(
                revision.lead_image,
                caption=revision.lead_image_caption,
                credit=revision.lead_image_credit,
                note=f"기사 {revision.article_id} {revision.number}판 대표 사진: ",
                at=revision.created_at,
                by_id=revision.created_by_id,
            )
            if photo is not None:
                revision.lead_photo = photo
                revision.lead_photo_caption = (
                    "" if revision.lead_image_caption == photo.caption
                    else revision.lead_image_caption
                )  # fmt: skip
                fields += ["lead_photo", "lead_photo_caption"]
        body, _ = convert_body(
            revision.body, library, note=f"기사 {revision.article_id} {revision.number}판 본문: "
        )
        if body != revision.body:
            revision.body = body
            fields.append("body")
        if fields:
            ArticleRevision.objects.filter(pk=revision.pk).update(
                **{name: getattr(revision, name) for name in fields}
            )
    if library.missing:
        print(  # noqa: T201 -- the migration's report to whoever runs migrate
            f"\n  사진 파일이 없어 사진DB로 옮기지 못한 그림 {len(library.missing)}개:\n    "
            + "\n    ".join(library.missing[:50])
        )


def backward(apps, schema_editor):
    """The old fields again from the photos; the library stays (nothing is deleted)."""
    Article = apps.get_model("articles", "Article")
    ArticleRevision = apps.get_model("articles", "ArticleRevision")
    PhotoRendition = apps.get_model("articles", "PhotoRendition")
    thumbs = dict(PhotoRendition.objects.filter(spec="thumb").values_list("photo_id", "file"))
    for article in Article.objects.exclude(lead_photo=None).select_related("lead_photo"):
        photo = article.lead_photo
        Article.objects.filter(pk=article.pk).update(
            lead_image=photo.image.name,
            lead_image_thumbnail=thumbs.get(photo.pk, ""),
            lead_image_caption=(article.lead_image_caption or photo.caption)[:200],
            lead_image_credit=photo.credit[:100],
        )
    for revision in ArticleRevision.objects.exclude(lead_photo=None).select_related("lead_photo"):
        photo = revision.lead_photo
        ArticleRevision.objects.filter(pk=revision.pk).update(
            lead_image=photo.image.name,
            lead_image_thumbnail=thumbs.get(photo.pk, ""),
            lead_image_caption=(revision.lead_photo_caption or photo.caption)[:200],
            lead_image_credit=photo.credit[:100],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_photo_library_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="articlerevision",
            name="lead_photo",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="articles.photo",
                verbose_name="대표 사진",
            ),
        ),
        migrations.AddField(
            model_name="articlerevision",
            name="lead_photo_caption",
            field=models.CharField(blank=True, max_length=200, verbose_name="이 기사의 사진 설명"),
        ),
        migrations.RunPython(forward, backward, elidable=True),
    ]
