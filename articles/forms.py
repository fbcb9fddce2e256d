"""The desk's article form: Korean messages, the workflow buttons' checks and the edit lock."""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from newsroom.pictures import NewsImageFormField

from .models import Article, CorrectionNotice, Photo, Reporter
from .richtext import has_inline_pictures
from .services import MOVE_LABELS, available_moves
from .widgets import LeadPhotoWidget

TITLE_MAX = Article._meta.get_field("title").max_length
SUBTITLE_MAX = Article._meta.get_field("subtitle").max_length


class LinesField(forms.CharField):
    """Text of several lines: a browser posts a textarea's line breaks as CRLF, stored as LF,
    so an untouched subtitle is not a change."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class ArticleAdminForm(forms.ModelForm):
    # The version the editor opened; saving is refused when someone saved after that.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A photo of the library (the picker's widget, set in __init__); a number that names no
    # photo is refused in Korean.
    lead_photo = forms.ModelChoiceField(
        label="대표 사진",
        queryset=Photo.objects.all(),
        required=False,
        error_messages={"invalid_choice": "사진DB에 없는 사진 번호입니다."},
    )

    # Set by ArticleAdmin.get_form: the workflow checks need the user.
    request = None

    class Meta:
        model = Article
        # The admin's fieldsets pick and order the fields; these are all the editable ones.
        fields = (
            "title", "subtitle", "section", "reporters", "body", "lead_photo",
            "lead_photo_caption", "tags", "series", "related", "published_at", "is_headline",
            "headline_order",
        )  # fmt: skip
        field_classes = {"subtitle": LinesField}
        error_messages = {
            "title": {
                "required": "제목을 입력하세요.",
                "max_length": (f"제목은 {TITLE_MAX}자 이내로 입력하세요 (지금 %(show_value)d자)."),
            },
            "subtitle": {
                "max_length": (
                    f"부제는 모두 {SUBTITLE_MAX}자 이내로 입력하세요 (지금 %(show_value)d자)."
                ),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version
        if "lead_photo" in self.fields:
            # Chosen from the photo library, or uploaded into it, with the editor's picker.
            self.fields["lead_photo"].widget = LeadPhotoWidget()
            self.fields["lead_photo"].help_text = ""

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        if has_inline_pictures(body):
            raise ValidationError(
                "본문에 붙여 넣은 사진이 올라가지 않은 채 남아 있습니다. 그 사진을 지우고 "
                "편집기의 이미지 버튼으로 다시 올려 주세요.",
                code="inline_picture",
            )
        if self.instance.pk is not None and "body" not in self.changed_data:
            # CKEditor's re-serialisation of an untouched body: the stored text stays as it was.
            return self.instance.body
        return body

    def edited_fields(self) -> list[str]:
        """The article's fields this save changes: the body compared as it would be stored,
        links as sets (the lock field is bookkeeping, not an edit)."""
        return [name for name in self.changed_data if name != "expected_version"]

    def requested_move(self) -> str | None:
        """Which workflow button was pressed (작성중 → 출고 → 게재 …), if any."""
        for move in MOVE_LABELS:
            if move in self.data:
                return move
        return None

    def _field_value(self, name):
        if name in self.fields:
            return self.cleaned_data.get(name)
        return getattr(self.instance, name)

    def _check_version(self) -> None:
        if self.instance.pk is None:
            return
        # Lock the row until the admin's transaction ends, so two saves cannot both pass.
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        expected = self.cleaned_data.get("expected_version")
        if current is not None and expected != current:
            last = self.instance.events.order_by("-at", "-id").first()
            who = f"{last.actor_name}님이 {timezone.localtime(last.at):%H:%M}에 " if last else ""
            raise ValidationError(
                f"{who}이 기사를 먼저 저장했습니다. 다른 사람의 수정 내용을 덮어쓰지 않도록 "
                "이번 저장은 하지 않았습니다. 아래 입력 내용을 복사해 두고, 기사를 새로 열어 "
                "최신 내용에 다시 반영하세요.",
                code="conflict",
            )

    def clean(self):
        cleaned = super().clean()
        move = self.requested_move()
        if move is not None:
            user = self.request.user
            if move not in available_moves(article=self.instance, user=user):
                raise PermissionDenied("이 기사에 그 작업을 할 권한이 없습니다.")
            if move in ("_publish", "_schedule") and not self._field_value("section"):
                self.add_error("section", "게재하려면 섹션을 선택하세요.")
            if move == "_schedule" and "published_at" not in self.errors:
                at = self._field_value("published_at")
                if at is None:
                    self.add_error("published_at", "예약 게재할 일시를 입력하세요.")
                elif at <= timezone.now():
                    self.add_error(
                        "published_at",
                        "예약 게재 일시가 이미 지났습니다. 지금 이후의 일시를 입력하세요.",
                    )
        self._check_version()
        return cleaned


class ReporterAdminForm(forms.ModelForm):
    photo = NewsImageFormField(label="사진", required=False, widget=AdminFileWidget)

    class Meta:
        model = Reporter
        fields = ("user", "name", "email", "photo", "is_active")


class CorrectionNoticeAdminForm(forms.ModelForm):
    """The desk's 정정·반론보도 form: a new notice names its (published) article; a standing one
    is amended, or withdrawn with a reason (never deleted). Saved by articles.services."""

    text = LinesField(
        label="내용",
        max_length=CorrectionNotice._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="독자에게 보이는 그대로의 글입니다(HTML은 쓰지 않습니다). 줄바꿈은 유지됩니다.",
    )
    withdraw = forms.BooleanField(
        label="내리기",
        required=False,
        help_text="독자 화면에서 내립니다. 기록은 지워지지 않고 이력에 남습니다.",
    )
    withdraw_reason = forms.CharField(label="내리는 사유", max_length=200, required=False)

    class Meta:
        model = CorrectionNotice
        fields = ("article", "kind", "text")

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article")
        if self.instance.pk is None and article is not None and not article.is_public():
            self.add_error("article", "게재 중인 기사에만 정정·반론보도를 붙일 수 있습니다.")
        if cleaned.get("withdraw") and not (cleaned.get("withdraw_reason") or "").strip():
            self.add_error("withdraw_reason", "내리는 사유를 입력하세요.")
        return cleaned
