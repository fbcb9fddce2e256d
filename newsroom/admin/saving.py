"""An admin save that fails in the database keeps what the editor typed.

Validation errors already come back as the form with its data. A database error during the save
(a lost connection, a failover, a deadlock, a constraint the form did not foresee) would
otherwise end in the 503 or 500 page, and the text of a half-hour article with it.

`KeepsInputOnSaveErrorMixin` catches it. The save's transaction is rolled back as a whole, so
nothing half-saved remains. When the database still answers, the change form comes back bound to
the posted data, with a Korean message at the top, and the editor presses save again. When it
does not, a plain page (rendered without a query) shows every text they typed, ready to copy,
with the 503 status; uploaded files cannot be kept and the message says so.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

SAVE_FAILED = (
    "데이터베이스 오류로 저장하지 못했습니다. 입력하신 내용은 아래에 그대로 남아 있습니다. "
    "잠시 후 다시 저장하세요. (올린 사진 파일은 다시 선택해야 합니다.)"
)
REQUEST_FLAG = "_newsroom_save_failed"
# Form fields that are bookkeeping, not the editor's text.
NOT_TYPED = {"csrfmiddlewaretoken", "expected_version"}


class KeepsInputOnSaveErrorMixin:
    """For ModelAdmin classes: put it before admin.ModelAdmin in the bases."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DatabaseError as error:
            if request.method != "POST" or getattr(request, REQUEST_FLAG, False):
                raise
            logger.error(
                "admin save failed in the database (%s %s): %s",
                self.model._meta.label,
                object_id or "new",
                error.__class__.__name__,
            )
            setattr(request, REQUEST_FLAG, True)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DatabaseError:
            return typed_input_page(request, title=str(self.model._meta.verbose_name))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not getattr(request, REQUEST_FLAG, False):
            return form

        class SaveFailedForm(form):
            def clean(self):
                cleaned = super().clean()
                raise ValidationError(SAVE_FAILED, code="save_failed")
                return cleaned  # pragma: no cover

        SaveFailedForm.__name__ = form.__name__
        return SaveFailedForm


def typed_input_page(request, *, title: str) -> HttpResponse:
    fields = [
        (name, "\n".join(request.POST.getlist(name)))
        for name in request.POST
        if name not in NOT_TYPED and not name.startswith(("_", "placements-", "initial-"))
    ]
    fields = [(name, value) for name, value in fields if value.strip()]
    html = render_to_string(
        "admin/save_failed.html", {"title": title, "message": SAVE_FAILED, "fields": fields}
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response
