"""The demo newsroom's sections, reporters and articles (see demo_content.py for the texts).

Idempotent: everything is looked up by a natural key (slug, username, title) before it is
created, so loading twice changes nothing.
"""

import io
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from PIL import Image, ImageDraw

from newsroom.pagecache.generation import bump_generation

from .demo_content import ARTICLES, REPORTERS, SERIES
from .models import Article, ArticleEvent, Photo, Reporter, Section, Series, Tag
from .services import article_record_save, article_sync_body_photos, photo_add, record_event

SECTION_COLOURS = {
    "행정": (31, 78, 121),
    "제약ㆍ약사": (22, 118, 98),
    "의료·병원": (150, 45, 62),
    "산업": (184, 110, 20),
    "학술": (84, 60, 140),
    "인물": (60, 90, 60),
    "오피니언": (70, 70, 80),
    "기타": (100, 100, 110),
}


def demo_lead_image(seed: int, colour: tuple[int, int, int]) -> bytes:
    """An abstract 1200×675 JPEG: a gradient in the section's colour with a few shapes."""
    rng = random.Random(seed)  # noqa: S311 -- decoration, not security
    width, height = 1200, 675
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    r, g, b = colour
    for y in range(height):
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(r + (255 - r) * shade * 0.5), int(g + (255 - g) * shade * 0.5),
                  int(b + (255 - b) * shade * 0.5)),
        )  # fmt: skip
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(60, 220)
        tint = tuple(min(255, c + rng.randrange(40, 110)) for c in colour)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=tint, width=8)
    # A simple cross, the trade paper's health motif.
    cx, cy = width - 160, 140
    draw.rectangle([cx - 20, cy - 70, cx + 20, cy + 70], fill=(255, 255, 255))
    draw.rectangle([cx - 70, cy - 20, cx + 70, cy + 20], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


DEMO_CREDIT = "뉴스룸 그래픽"


def demo_photo(*, seed: int, colour, caption: str, keywords: str, by=None, focal=(0.5, 0.5)):
    """A demo picture put into the photo library the way a reporter's upload is (the upload
    pipeline, every rendition made now)."""
    upload = SimpleUploadedFile(
        f"demo-{seed:02d}.jpg", demo_lead_image(seed, colour), content_type="image/jpeg"
    )
    photo = photo_add(
        upload=upload,
        by=None,  # the loader itself, not a person: no permission to check
        caption=caption,
        credit=DEMO_CREDIT,
        licence="자료사진 (데모)",
        keywords=keywords,
        focal_x=focal[0],
        focal_y=focal[1],
    )
    if by is not None:
        Photo.objects.filter(pk=photo.pk).update(uploaded_by=by)
    return photo


def _body_figure(photo: Photo) -> str:
    """A library photo inside a body, as the editor's picker inserts it (fitted to its
    renditions when the article is saved)."""
    return (
        f'<figure class="photo" data-photo="{photo.pk}"><img src="{photo.image.url}" alt="">'
        f'<figcaption>{escape(photo.caption)} <span class="credit">ⓒ {escape(photo.credit)}'
        "</span></figcaption></figure>"
    )


# Library photos no article uses yet, so the library's "unused" filter has something to show.
SPARE_PHOTOS = [
    ("보건복지부 세종청사 전경", "보건복지부, 세종청사, 자료사진", "행정"),
    ("대학병원 응급실 입구", "응급실, 대학병원, 필수의료", "의료·병원"),
    ("약국 조제실 내부", "약국, 조제, 약사", "제약ㆍ약사"),
]


def _spare_photos() -> int:
    made = 0
    for number, (caption, keywords, section) in enumerate(SPARE_PHOTOS, start=90):
        if Photo.objects.filter(caption=caption).exists():
            continue
        demo_photo(seed=number, colour=SECTION_COLOURS[section], caption=caption, keywords=keywords)
        made += 1
    return made


def _reporters() -> list[Reporter]:
    User = get_user_model()
    reporters = []
    for data in REPORTERS:
        user, created = User.objects.get_or_create(
            username=data["username"], defaults={"email": data["email"]}
        )
        if created:
            user.set_unusable_password()
            user.save()
        reporter, _ = Reporter.objects.get_or_create(
            user=user, defaults={"name": data["name"], "email": data["email"]}
        )
        reporters.append(reporter)
    return reporters


def _tags(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag, _ = Tag.objects.get_or_create(
            name=name, defaults={"slug": slugify(name, allow_unicode=True)}
        )
        tags.append(tag)
    return tags


@transaction.atomic
def load(*, now=None) -> dict[str, int]:
    now = now or timezone.now()
    sections = {section.name: section for section in Section.objects.all()}
    reporters = _reporters()
    created = 0
    by_section: dict[str, list[Article]] = {}
    for index, data in enumerate(ARTICLES):
        article = Article.objects.filter(title=data["title"]).first()
        if article is None:
            section = sections[data["section"]]
            body = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in data["paragraphs"])
            article = Article(
                title=data["title"],
                subtitle=data["subtitle"],
                body=body,
                section=section,
                status=Article.Status.PUBLISHED,
                # Spread over the last ten days, newest first, at plausible desk hours.
                published_at=now - timedelta(hours=5 * index + 1, minutes=(index * 17) % 60),
                is_headline=data["headline"],
                headline_order=index,
                view_count=(index * 37) % 500,
                created_by=reporters[data["reporter"]].user,
            )
            author = reporters[data["reporter"]].user
            keywords = ", ".join([data["section"], *data["tags"]])
            colour = SECTION_COLOURS[data["section"]]
            if index % 3 != 2:  # most articles have a lead photo, some do not
                article.lead_photo = demo_photo(
                    seed=index,
                    colour=colour,
                    caption=f"{data['title']} 관련 그래픽",
                    keywords=keywords,
                    by=author,
                    # The picture's white cross, kept in every crop.
                    focal=(0.85, 0.2) if index % 2 else (0.5, 0.5),
                )
            if index % 5 == 1:  # a few carry a second picture inside the body
                inside = demo_photo(
                    seed=index + 50,
                    colour=colour,
                    caption=f"{data['tags'][0]} 관련 자료 화면",
                    keywords=keywords,
                    by=author,
                )
                first, *rest = data["paragraphs"]
                article.body = f"<p>{escape(first)}</p>{_body_figure(inside)}" + "".join(
                    f"<p>{escape(paragraph)}</p>" for paragraph in rest
                )
            article.save()
            article_sync_body_photos(article=article)
            article.reporters.set([reporters[data["reporter"]]])
            article.tags.set(_tags(data["tags"]))
            article_record_save(article=article, by=author, created=True, edited=[])
            record_event(article=article, action=ArticleEvent.Action.PUBLISHED, by=_desk_user())
            created += 1
        by_section.setdefault(data["section"], []).append(article)
    for articles in by_section.values():
        for position, article in enumerate(articles):
            if not article.related.exists():
                article.related.set([a for a in articles[position + 1 : position + 3]])
    created += _work_in_progress(reporters[0], sections)
    _series()
    _spare_photos()
    total = len(ARTICLES) + len(WORK_IN_PROGRESS)
    return {"articles_created": created, "articles": total, "reporters": len(reporters)}


# The demo reporter's desk: one draft and one article waiting for the desk, so each role has
# something to do when it logs in.
WORK_IN_PROGRESS = [
    (
        "[작성중] 약국 야간 운영 지원 사업, 내년 예산 확대 검토",
        Article.Status.DRAFT,
        "제약ㆍ약사",
        "<p>야간·휴일 약국 운영 지원 사업의 예산을 늘리는 방안이 검토되고 있다.</p>",
    ),
    (
        "[출고대기] 지역 거점병원 응급실 전문의 충원 현황 점검",
        Article.Status.SUBMITTED,
        "의료·병원",
        "<p>지역 거점병원 응급실의 전문의 충원 현황을 점검했다.</p>",
    ),
]


def _series() -> None:
    """The demo's 기획·연재, made once; parts already in a series are left where they are."""
    for data in SERIES:
        series, _ = Series.objects.get_or_create(
            title=data["title"], defaults={"description": data["description"]}
        )
        Article.objects.filter(title__in=data["parts"], series__isnull=True).update(series=series)
    bump_generation()  # update() sends no signal


def _desk_user():
    return get_user_model().objects.filter(username="desk").first()


def _work_in_progress(reporter: Reporter, sections: dict[str, Section]) -> int:
    created = 0
    for title, status, section, body in WORK_IN_PROGRESS:
        if Article.objects.filter(title=title).exists():
            continue
        article = Article.objects.create(
            title=title, status=status, section=sections[section], body=body,
            created_by=reporter.user,
        )  # fmt: skip
        article.reporters.set([reporter])
        article_record_save(article=article, by=reporter.user, created=True, edited=[])
        if status == Article.Status.SUBMITTED:
            record_event(article=article, action=ArticleEvent.Action.SUBMITTED, by=reporter.user)
        created += 1
    return created
