"""The editor's picture upload: the one way a picture gets into an article's body.

django-ckeditor's own upload and browse views (ckeditor_uploader, csrf_exempt, open to every
staff account, storing whatever they are sent under the sender's name) are not installed. Ours
is served under the admin (ArticleAdmin.upload_view, behind admin_site.admin_view: login, CSRF,
no caching), requires an account that may write articles, and runs every file through
newsroom.pictures before storing it under a name of our own.

It speaks CKEditor 4's JSON upload protocol only (`uploaded`, `url`, `error.message`); nothing
from the request (such as `CKEditorFuncNum`) is ever written back into the answer.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from newsroom.pictures import ImageRejected, process_image

EDITOR_PERMISSIONS = ("articles.add_article", "articles.change_article")


def may_upload(user) -> bool:
    return user.is_active and user.is_staff and any(user.has_perm(p) for p in EDITOR_PERMISSIONS)


def _error(message: str, status: int = 200) -> JsonResponse:
    # The shape CKEditor 4's XHR upload expects. A refused picture is answered with 200: on any
    # other status CKEditor shows its own generic "HTTP error" and our Korean reason is lost.
    return JsonResponse({"uploaded": 0, "error": {"message": message}}, status=status)


@require_POST
def upload(request):
    if not may_upload(request.user):
        return _error("기사 사진을 올릴 권한이 없습니다.", 403)
    uploaded = request.FILES.get("upload")
    if uploaded is None:
        return _error("올릴 사진 파일이 없습니다.")
    try:
        processed = process_image(uploaded)
    except ImageRejected as rejection:
        return _error(" ".join(rejection.messages))
    name, thumb_name = processed.filenames()
    folder = f"uploads/{timezone.localdate():%Y/%m/%d}"
    saved = default_storage.save(f"{folder}/{name}", ContentFile(processed.content))
    # The thumbnail beside it, for the photo library's picker.
    default_storage.save(f"{folder}/{thumb_name}", ContentFile(processed.thumbnail))
    return JsonResponse(
        {"uploaded": 1, "fileName": saved.rsplit("/", 1)[-1], "url": default_storage.url(saved)}
    )
