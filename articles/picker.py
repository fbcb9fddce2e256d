"""The article editor's photo picker: two JSON endpoints under the admin.

The body's image button and the form's lead photo open our own picker
(articles/static/articles/admin/photo-picker.js), which searches the photo library and uploads
into it through these views. They are served under the admin (ArticleAdmin.extra_views, behind
admin_site.admin_view: login, CSRF on POST, no caching) to accounts that may write articles, and
answer JSON only: a refused picture answers its Korean reason with a 4xx, never a 500.

Everything a picture becomes on the page comes from here: the thumbnail the picker shows and
the renditions the editor inserts into the body (articles/photos.py, one query for a page of
photos). The picker builds the <figure> from these values as DOM text, and the server's
sanitizer (articles/richtext.py) keeps only the allowed markup whatever a browser sends.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from newsroom.params import ascii_int
from newsroom.pictures import ImageRejected

from . import services
from .models import Photo
from .photos import BODY_SRCSET, renditions_for

PER_PAGE = 24
MAX_PAGE = 400  # deeper than anyone scrolls a picker; the search narrows it instead
QUERY_MAX = 100
# What the picker reads of each photo (never the keywords or licence text it does not show).
FIELDS = ("id", "image", "width", "height", "caption", "credit", "focal_x", "focal_y")
SPECS = ("thumb", *BODY_SRCSET)
# The body column is at most 800 px wide; a phone takes the screen's width.
BODY_SIZES = "(max-width: 800px) 100vw, 800px"
EDITOR_PERMISSIONS = ("articles.add_article", "articles.change_article")

MESSAGE_FORBIDDEN = "기사 사진을 고르거나 올릴 권한이 없습니다."


def may_write_articles(user) -> bool:
    return user.is_active and user.is_staff and any(user.has_perm(p) for p in EDITOR_PERMISSIONS)


def _refusal(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def photo_json(photo: Photo, renditions: dict) -> dict:
    """One photo as the picker shows and inserts it."""
    thumb = renditions["thumb"]
    # Smallest first, one candidate per width (a small photo's renditions share its width).
    body = {}
    for spec in BODY_SRCSET:
        rendition = renditions[spec]
        body.setdefault(rendition.width, rendition)
    widths = sorted(body)
    largest = body[widths[-1]]
    return {
        "id": photo.pk,
        "caption": photo.caption,
        "credit": photo.credit,
        "width": photo.width,
        "height": photo.height,
        "thumb": {"url": thumb.file.url, "width": thumb.width, "height": thumb.height},
        "body": {
            "src": largest.file.url,
            "srcset": ", ".join(f"{body[w].file.url} {w}w" for w in widths),
            "sizes": BODY_SIZES,
            "width": largest.width,
            "height": largest.height,
        },
    }


def photos_json(photos: list[Photo]) -> list[dict]:
    renditions = renditions_for(photos, SPECS)  # one query for the whole page
    return [photo_json(photo, renditions[photo.pk]) for photo in photos]


@require_GET
def search(request):
    """GET ?q=(Korean substring of caption, credit or keywords)&page=N: a page of the library,
    newest first, and whether there is a next one (no COUNT over the library)."""
    if not may_write_articles(request.user):
        return _refusal(MESSAGE_FORBIDDEN, 403)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    page = min(ascii_int(request.GET.get("page", ""), default=1) or 1, MAX_PAGE)
    start = (page - 1) * PER_PAGE
    found = list(Photo.objects.search(query).only(*FIELDS)[start : start + PER_PAGE + 1])
    return JsonResponse(
        {
            "query": query,
            "page": page,
            "next_page": page + 1 if len(found) > PER_PAGE and page < MAX_PAGE else None,
            "photos": photos_json(found[:PER_PAGE]),
        }
    )


class PhotoUploadForm(forms.Form):
    """What the picker's upload posts: the file, and the caption and credit the body shows."""

    file = forms.FileField(
        error_messages={
            "required": "올릴 사진 파일을 선택하세요.",
            "empty": "빈 파일입니다. 사진 파일을 선택하세요.",
            "invalid": "사진 파일을 다시 선택하세요.",
        },
    )
    caption = forms.CharField(
        max_length=Photo._meta.get_field("caption").max_length,
        error_messages={
            "required": "사진 설명을 입력하세요. 사진을 볼 수 없는 독자에게 대신 읽히는 글입니다.",
            "max_length": "사진 설명은 %(limit_value)d자 이내로 입력하세요.",
        },
    )
    credit = forms.CharField(
        max_length=Photo._meta.get_field("credit").max_length,
        required=False,
        error_messages={"max_length": "촬영·출처는 %(limit_value)d자 이내로 입력하세요."},
    )


@require_POST
def upload(request):
    """POST multipart (file, caption, credit): the picture goes into the library through
    services.photo_add (the upload pipeline); the answer is the new photo, as search lists it."""
    if not may_write_articles(request.user):
        return _refusal(MESSAGE_FORBIDDEN, 403)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        first = next(iter(form.errors.values()))
        return _refusal(first[0], 400)
    data = form.cleaned_data
    try:
        photo = services.photo_add(
            upload=data["file"], by=request.user, caption=data["caption"], credit=data["credit"]
        )
    except PermissionDenied:
        return _refusal(MESSAGE_FORBIDDEN, 403)
    except ImageRejected as rejection:
        # 413 for a file over the limit would read the same to the picker; one status for all.
        return _refusal(" ".join(rejection.messages), 400)
    except ValidationError as error:
        return _refusal(" ".join(error.messages), 400)
    return JsonResponse({"photo": photos_json([photo])[0]}, status=201)
