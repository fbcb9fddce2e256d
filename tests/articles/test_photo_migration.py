"""Migration 0014: existing lead images and body uploads become library photos, nothing copied,
nothing lost; 0015 drops the old fields; the reverse keeps the library."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from PIL import Image

from articles.models import Article, ArticleRevision, Photo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = ("articles", "0013_photo_library_search")
# The newest state, which the current models describe (later migrations add fields the
# assertions' models read).
AFTER = MigrationLoader(None).graph.leaf_nodes("articles")[0]


def newest():
    """The app's newest migration: where the models in articles.models are (later migrations
    add columns the tests' model reads)."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes("articles")[0]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(newest())  # whatever the test did, the database ends at the newest state


def picture(name: str, size=(1000, 500), image_format="JPEG") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, image_format)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def files_on_disk(media_root) -> set[str]:
    return {str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file()}


def old_article(apps, title, **fields):
    OldArticle = apps.get_model("articles", "Article")
    section = apps.get_model("articles", "Section").objects.get(slug="policy")
    return OldArticle.objects.create(title=title, section=section, status="published", **fields)


def test_lead_images_and_body_uploads_become_photos_without_a_new_file(old_apps, media_root):
    lead = picture("articles/2025/01/lead.jpg", size=(1200, 675))
    thumb = picture("articles/2025/01/thumbs/lead_thumb.jpg", size=(480, 270))
    first = picture("uploads/2025/01/02/first.jpg", size=(1600, 900))
    second = picture("uploads/2025/01/02/second.png", size=(640, 480), image_format="PNG")
    body = (
        "<p>첫 문단</p>"
        f'<p><img src="/media/{first}" alt="현장"></p>'
        f'<figure class="image"><img src="/media/{second}"><figcaption>그림 설명</figcaption>'
        "</figure>"
        f'<p>글 사이에 <img src="/media/{first}" alt=""> 다시</p>'
        '<p><img src="https://elsewhere.example/x.jpg" alt="남의 사진"></p>'
        '<p><img src="/media/uploads/2025/01/02/gone.jpg" alt=""></p>'
    )
    article = old_article(
        old_apps,
        "옮길 기사",
        body=body,
        lead_image=lead,
        lead_image_thumbnail=thumb,
        lead_image_caption="복지부 브리핑",
        lead_image_credit="뉴스룸 DB",
    )
    other = old_article(old_apps, "같은 사진을 쓴 기사", body=f'<p><img src="/media/{first}"></p>')
    missing = old_article(old_apps, "파일 없는 기사", lead_image="articles/2025/01/none.jpg")
    old_apps.get_model("articles", "ArticleRevision").objects.create(
        article_id=article.pk,
        number=1,
        title="옮길 기사",
        body=body,
        lead_image=lead,
        lead_image_caption="예전 설명",
        lead_image_credit="뉴스룸 DB",
    )
    before = files_on_disk(media_root)

    migrate(newest())  # past AFTER: the models read the newest columns

    assert files_on_disk(media_root) == before  # nothing copied, nothing removed
    assert Photo.objects.count() == 3  # the lead, and each body file once
    article = Article.objects.get(pk=article.pk)
    photo = article.lead_photo
    assert photo.image.name == lead
    assert (photo.caption, photo.credit) == ("복지부 브리핑", "뉴스룸 DB")
    assert (photo.width, photo.height) == (1200, 675)
    assert photo.file_size == default_storage.size(lead)
    assert article.lead_photo_caption == ""  # the photo's own caption says it
    assert article.lead_caption == "복지부 브리핑"
    by_name = {p.image.name: p for p in Photo.objects.all()}
    in_body, captioned = by_name[first], by_name[second]
    assert (in_body.width, in_body.height) == (1600, 900)
    assert captioned.caption == "그림 설명"
    assert set(article.body_photos.all()) == {in_body, captioned}
    assert list(Article.objects.get(pk=other.pk).body_photos.all()) == [in_body]
    assert article.body.count(f'<figure class="photo" data-photo="{in_body.pk}">') == 2
    assert (
        f'<figure class="photo" data-photo="{captioned.pk}"><img src="/media/{second}" '
        'alt="그림 설명" width="640" height="480" loading="lazy">'
        "<figcaption>그림 설명</figcaption></figure>"
    ) in article.body
    # A picture among text leaves its paragraph in two, around the figure.
    assert "<p>글 사이에 </p><figure" in article.body and "</figure><p> 다시</p>" in article.body
    assert '<p>첫 문단</p><figure class="photo"' in article.body  # no empty paragraph left
    assert 'src="https://elsewhere.example/x.jpg"' in article.body  # not ours: left alone
    assert 'src="/media/uploads/2025/01/02/gone.jpg"' in article.body  # no file: left alone
    assert Article.objects.get(pk=missing.pk).lead_photo is None
    revision = ArticleRevision.objects.get(article=article)
    assert revision.lead_photo == photo
    assert revision.lead_photo_caption == "예전 설명"  # it said something else then
    assert revision.body == article.body

    call_command("make_photo_renditions", stdout=io.StringIO())
    article.refresh_from_db()
    body800 = in_body.renditions.get(spec="body800")
    assert f'src="{body800.url}"' in article.body and "srcset=" in article.body
    assert set(article.body_photos.all()) == {in_body, captioned}


def test_the_reverse_fills_the_old_fields_again_and_keeps_the_library(old_apps, media_root):
    lead = picture("articles/2025/02/lead.jpg")
    article = old_article(
        old_apps,
        "되돌릴 기사",
        lead_image=lead,
        lead_image_caption="설명",
        lead_image_credit="출처",
    )
    migrate(newest())  # past AFTER: the models read the newest columns
    photo = Article.objects.get(pk=article.pk).lead_photo
    apps = migrate(BEFORE)
    restored = apps.get_model("articles", "Article").objects.get(pk=article.pk)
    assert restored.lead_image.name == lead
    assert (restored.lead_image_caption, restored.lead_image_credit) == ("설명", "출처")
    assert apps.get_model("articles", "Photo").objects.filter(pk=photo.pk).exists()
    migrate(newest())  # and forward again: the same photo, not a second one
    assert Photo.objects.filter(image=lead).count() == 1
    assert Article.objects.get(pk=article.pk).lead_photo_id == photo.pk
