"""The editor's picture upload, replacing django-ckeditor's (which is csrf_exempt, open to every
staff account and stores whatever it is sent).

Ours keeps Django's CSRF check (the editor sends the token by XHR, see editor.js), requires an
account that may write articles, and runs every file through articles.images before storing it.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .images import ImageRejected, process_image

EDITOR_PERMISSIONS = ("articles.add_article", "articles.change_article")


def _may_upload(user) -> bool:
    return user.is_active and user.is_staff and any(user.has_perm(p) for p in EDITOR_PERMISSIONS)


def _error(message: str, status: int = 200) -> JsonResponse:
    # The shape CKEditor 4's XHR upload expects. A refused picture is answered with 200: on any
    # other status CKEditor shows its own generic "HTTP error" and our Korean reason is lost.
    return JsonResponse({"uploaded": 0, "error": {"message": message}}, status=status)


@never_cache
@require_POST
def upload(request):
    if not request.user.is_authenticated:
        return _error("로그인이 필요합니다. 다시 로그인한 뒤 올려 주세요.", 403)
    if not _may_upload(request.user):
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
    # django-ckeditor's browser looks for "<name>_thumb.<ext>" beside the picture.
    default_storage.save(f"{folder}/{thumb_name}", ContentFile(processed.thumbnail))
    return JsonResponse(
        {"uploaded": 1, "fileName": saved.rsplit("/", 1)[-1], "url": default_storage.url(saved)}
    )


def browse(request):
    """django-ckeditor's picture browser, for those who may write articles only."""
    from ckeditor_uploader.views import browse as ckeditor_browse
    from django.core.exceptions import PermissionDenied

    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not _may_upload(request.user):
        raise PermissionDenied("기사 사진을 볼 권한이 없습니다.")
    return never_cache(ckeditor_browse)(request)
