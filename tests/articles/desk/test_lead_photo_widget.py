"""The article form's lead photo field (articles/widgets.py): the photo library's picker in
"lead" mode, a preview and a 지우기 button; the value is the photo's id."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles import services
from articles.forms import ArticleAdminForm
from articles.models import Article
from articles.widgets import LeadPhotoWidget
from tests.security.htmlcheck import executable_parts

from .helpers import form_data, image_bytes

pytestmark = pytest.mark.django_db


def add_photo(by, caption="", credit=""):
    upload = SimpleUploadedFile("p.jpg", image_bytes(size=(640, 360)), "image/jpeg")
    return services.photo_add(upload=upload, by=by, caption=caption, credit=credit)


class LeadPhotoForm(ArticleAdminForm):
    class Meta(ArticleAdminForm.Meta):
        fields = (*ArticleAdminForm.Meta.fields, "lead_photo")


def test_the_article_forms_lead_photo_field_uses_the_picker():
    form = LeadPhotoForm()
    assert isinstance(form.fields["lead_photo"].widget, LeadPhotoWidget)
    assert "articles/admin/photo-picker.js" in str(form.media)


def test_an_empty_field_offers_to_choose_or_upload(db):
    html = LeadPhotoWidget().render("lead_photo", None, {"id": "id_lead_photo"})
    assert '<input type="hidden" name="lead_photo" id="id_lead_photo" value="">' in html
    assert 'data-search-url="/admin/articles/article/photos/"' in html
    assert 'data-upload-url="/admin/articles/article/photos/upload/"' in html
    assert "대표 사진이 없습니다." in html
    assert re.search(r'<figure class="lead-photo__preview" hidden>\s*<img alt=""', html)
    assert "사진 고르기·올리기" in html
    assert re.search(r'class="button lead-photo__clear"[^>]*hidden>지우기', html)
    assert 'role="group" aria-label="대표 사진"' in html
    assert LeadPhotoWidget().id_for_label("id_lead_photo") is None  # no label on a button


def test_a_chosen_photo_shows_its_thumbnail_and_caption_as_text(
    reporter_user, django_assert_max_num_queries
):
    photo = add_photo(reporter_user, caption='<img src=x onerror="alert(1)">', credit="<b>연합</b>")
    with django_assert_max_num_queries(2):
        html = LeadPhotoWidget().render("lead_photo", photo.pk, {"id": "id_lead_photo"})
    thumb = photo.renditions.get(spec="thumb")
    assert f'value="{photo.pk}"' in html
    assert f'src="{thumb.file.url}"' in html
    assert 'width="320" height="180"' in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; · &lt;b&gt;연합&lt;/b&gt;" in html
    assert executable_parts(html) == []
    assert "대표 사진이 없습니다." in html and re.search(r'lead-photo__empty"\s*hidden', html)
    assert "다른 사진 고르기" in html


@pytest.mark.parametrize("value", ["999999", "abc", "1 OR 1=1", "²", "-1"])
def test_a_value_that_is_no_photo_renders_an_empty_field(value):
    html = LeadPhotoWidget().render("lead_photo", value, {"id": "id_lead_photo"})
    assert 'value=""' in html and "대표 사진이 없습니다." in html


def test_the_form_stores_the_chosen_photo_and_clears_it(reporter_user, section):
    photo = add_photo(reporter_user, caption="응급실 앞")
    article = Article(title="대표 사진 기사", section=section)
    data = form_data(article, lead_photo=str(photo.pk), section=section.pk)
    form = LeadPhotoForm(data=data)
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.lead_photo == photo
    data = form_data(saved, lead_photo="", section=section.pk)
    form = LeadPhotoForm(data=data, instance=saved)
    assert form.is_valid(), form.errors
    assert form.save().lead_photo is None


def test_a_photo_id_that_does_not_exist_is_a_form_error(section):
    data = form_data(Article(title="기사", section=section), lead_photo="999999")
    form = LeadPhotoForm(data=data)
    assert not form.is_valid()
    assert "lead_photo" in form.errors
