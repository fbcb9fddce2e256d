"""Every route the URL conf exposes under /admin/ and /ckeditor/, walked by GET and POST as an
anonymous visitor and as an ad manager (issue 13): anonymous reaches nothing but the login page,
the ad manager never reaches the article admin or the editor's photo picker, and nothing answers
under /ckeditor/ (django-ckeditor's own upload and browse views are not installed; the editor's
files are static, under /static/ckeditor/). The legacy editor upload (articles/uploads.py) is
gone: pictures enter a body only through the picker's endpoints (articles/picker.py)."""

import io
import itertools
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils.regex_helper import normalize
from PIL import Image

from newsroom.site.roles import AD_MANAGER, ensure_roles

pytestmark = pytest.mark.django_db

WALKED = ("/admin/", "/ckeditor/")
# The one page an anonymous visitor may open.
ANONYMOUS_PAGES = {"/admin/login/"}
SEARCH_URL = "/admin/articles/article/photos/"
UPLOAD_URL = "/admin/articles/article/photos/upload/"
LEGACY_UPLOAD_URL = "/admin/articles/article/upload/"


def route_regexes(resolver=None, prefix: str = ""):
    """The full regex of every endpoint in the URL conf, includes followed."""
    for entry in (resolver or get_resolver()).url_patterns:
        regex = prefix + str(entry.pattern.regex.pattern).removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from route_regexes(entry, regex)
        else:
            yield regex


def sample_values() -> list[str]:
    # Numbers and words fill converters and \d+ or .+ groups; app labels fill the admin's
    # app-index group, an alternation of the installed apps.
    return ["1", "x", *(config.label for config in apps.get_app_configs())]


def sample_path(regex: str) -> str | None:
    """A path the route answers, its parameters filled with sample values."""
    compiled = re.compile("^" + regex)
    for template, params in normalize(regex):
        for values in itertools.product(sample_values(), repeat=len(params)):
            path = template % dict(zip(params, values, strict=True))
            if compiled.match(path):
                return "/" + path
    return None


def walked_paths() -> list[str]:
    paths, unfilled = [], []
    for regex in route_regexes():
        path = sample_path(regex)
        if path is None:
            unfilled.append(regex)
        elif path.startswith(WALKED):
            paths.append(path)
            if not regex.endswith(("$", "\\Z")):
                # An unanchored pattern (django-ckeditor's "^upload/") answers longer paths too.
                paths.append(path.rstrip("/") + "/anything/poc.html")
    assert not unfilled, f"routes the walk could not fill with sample values: {unfilled}"
    return sorted(set(paths))


def a_picture() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, "GIF")
    return SimpleUploadedFile("poc.html", buffer.getvalue(), "image/gif")


def request(client, method: str, path: str):
    if method == "get":
        return client.get(path)
    # A picture rides along (under the names both the old and the new upload read), so a view
    # that stores uploads would store one.
    return client.post(
        path, {"upload": a_picture(), "file": a_picture(), "caption": "x", "title": "x"}
    )


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


@pytest.fixture
def ad_manager(db):
    ensure_roles()
    user = get_user_model().objects.create_user(
        "ads", password="pw-for-tests-only-1234", is_staff=True
    )
    user.groups.add(Group.objects.get(name=AD_MANAGER))
    return user


def test_the_walk_covers_the_admin_and_the_editors_photo_picker():
    paths = walked_paths()
    assert len(paths) > 50  # every model admin's list, add, change, delete, history …
    assert {
        "/admin/",
        "/admin/login/",
        SEARCH_URL,
        UPLOAD_URL,
        "/admin/articles/article/1/change/",
    } <= set(paths)


def test_no_route_exists_under_ckeditor():
    assert [path for path in walked_paths() if path.startswith("/ckeditor/")] == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_reaches_only_the_login_page(client, method, media_root):
    opened = {}
    for path in walked_paths():
        response = request(client, method, path)
        if response.status_code == 302:
            # To the login form, or to the admin's index, which leads there.
            assert response["Location"].startswith(("/admin/login/", "/admin/")), path
        elif response.status_code == 200:
            opened[path] = response.status_code
    assert set(opened) <= ANONYMOUS_PAGES, opened
    assert stored_files(media_root) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_ad_manager_never_reaches_the_article_admin_or_the_editors_picker(
    client, ad_manager, method, media_root
):
    reached = {}
    for path in walked_paths():
        client.force_login(ad_manager)  # a walk past the logout address signs out
        response = request(client, method, path)
        if path.startswith(("/admin/articles/", "/ckeditor/")) and response.status_code < 300:
            reached[path] = response.status_code
    assert reached == {}
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "path",
    [
        "/ckeditor/upload/",
        "/ckeditor/upload/anything",
        "/ckeditor/upload/x/poc.html",
        "/ckeditor/browse/",
        "/ckeditor/browse/x",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_django_ckeditors_upload_and_browse_views_are_gone(
    client, ad_manager, superuser, path, method, media_root
):
    for user in (None, ad_manager, superuser):
        if user is not None:
            client.force_login(user)
        assert request(client, method, path).status_code == 404
    assert stored_files(media_root) == []


def test_an_ad_manager_cannot_upload_or_search_the_editors_photos(client, ad_manager, media_root):
    client.force_login(ad_manager)
    response = client.post(UPLOAD_URL, {"file": a_picture(), "caption": "x"})
    assert response.status_code == 403
    assert client.get(SEARCH_URL).status_code == 403
    assert stored_files(media_root) == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_legacy_editor_upload_is_gone(client, superuser, method, media_root):
    """articles/uploads.py (CKEditor's JSON upload protocol) was retired with the picker: its
    address is only an article id that does not exist, for every account."""
    with pytest.raises(NoReverseMatch):
        reverse("admin:articles_article_upload")
    client.force_login(superuser)
    response = request(client, method, LEGACY_UPLOAD_URL)
    assert response.status_code in (301, 302)
    assert "application/json" not in response.get("Content-Type", "")
    assert stored_files(media_root) == []


def test_ckeditors_callback_number_is_never_written_back(admin_client, media_root):
    """django-ckeditor's form-post answer wrote `?CKEditorFuncNum=` into an inline script."""
    marker = "1);alert(document.domain)//"
    for path in ("/ckeditor/upload/anything", LEGACY_UPLOAD_URL, UPLOAD_URL):
        response = admin_client.post(
            f"{path}?CKEditor=id_body&CKEditorFuncNum={quote(marker)}&langCode=ko",
            {"upload": a_picture(), "file": a_picture(), "caption": "x"},
        )
        assert marker not in response.content.decode(), path
        assert "callFunction" not in response.content.decode(), path
    assert response.status_code == 201  # the picker took the picture, and answered JSON
    assert response.json()["photo"]["id"]
