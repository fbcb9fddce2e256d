from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from articles.demo import demo_lead_image
from articles.models import Article, Reporter, Section, Tag
from articles.services import photo_add
from tests.user_agents import BROWSER

_numbers = count(1)


@pytest.fixture
def browser():
    """Request headers of a real reader's browser (views from robots are not counted)."""
    return dict(BROWSER)


@pytest.fixture
def section():
    # The sections come from the articles migration.
    return Section.objects.get(slug="policy")


@pytest.fixture
def make_reporter(db):
    def make(name="김서연", email=None):
        number = next(_numbers)
        user = get_user_model().objects.create_user(f"reporter{number}", password="x" * 12)
        return Reporter.objects.create(
            user=user, name=name, email=email or f"reporter{number}@example.com"
        )

    return make


@pytest.fixture
def reporter(make_reporter):
    return make_reporter()


@pytest.fixture
def make_tag(db):
    def make(name):
        tag, _ = Tag.objects.get_or_create(name=name, defaults={"slug": name})
        return tag

    return make


def library_photo(caption="사진 설명입니다", credit="뉴스룸", **fields):
    """A library photo put in through the upload pipeline, with every rendition made."""
    number = next(_numbers)
    upload = SimpleUploadedFile(
        f"test-{number}.jpg", demo_lead_image(number, (30, 80, 120)), "image/jpeg"
    )
    return photo_add(upload=upload, by=None, caption=caption, credit=credit, **fields)


@pytest.fixture
def make_photo(db):
    return library_photo


@pytest.fixture
def make_article(db, section):
    def make(
        title=None,
        *,
        status=Article.Status.PUBLISHED,
        published_at=None,
        ago=timedelta(hours=1),
        body="<p>본문입니다.</p>",
        reporters=(),
        tags=(),
        image=False,
        **fields,
    ):
        number = next(_numbers)
        fields.setdefault("section", section)
        if published_at is None and status != Article.Status.DRAFT:
            published_at = timezone.now() - ago
        article = Article(
            title=title or f"기사 제목 {number}",
            body=body,
            status=status,
            published_at=published_at,
            **fields,
        )
        if image:
            article.lead_photo = library_photo()
        article.save()
        if reporters:
            article.reporters.set(reporters)
        if tags:
            article.tags.set(tags)
        return article

    return make
