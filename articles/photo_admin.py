"""The photo library (사진) in the desk's admin.

The change list is a grid of thumbnails (the stored "thumb" rendition, looked up for the whole
page in one query) with search over caption, credit and keywords (`PhotoQuerySet.search`),
filters by 촬영·출처, month of upload and use, and a 사용 중 / 미사용 mark on every photo.

Every write goes through articles.services: an upload through `photo_add` (the upload
pipeline; a refused file is a Korean message on the form), a new focal point through
`photo_set_focal` (the cropped renditions are cut again), a delete through `photo_delete`. Who may
change or delete which photo is `services.can_change_photo` / `can_delete_photo`, checked here
for the pages and again by the services. A photo that an article uses cannot be deleted: the
delete page and the bulk delete say where it is used, with no delete button.
"""

import re
from collections import Counter
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from newsroom.admin.mixins import NewsroomModelAdmin
from newsroom.admin.saving import KeepsInputOnSaveErrorMixin
from newsroom.pictures import ImageRejected
from newsroom.timezones import KST

from . import services
from .models import Article, Photo
from .pagination import IdsFirstPaginator
from .photos import RENDITIONS, renditions_for

# What the change form shows of a photo: the whole picture to click on, the crops to preview.
PICKER_SPEC = "body800"
PREVIEW_SPECS = ("w800", "og")
# A search term is cut here: longer text cannot be in a 300-character caption anyway.
SEARCH_MAX = 100
REJECTED_FLAG = "_newsroom_photo_rejected"


def _uses_of(photo: Photo, user) -> tuple[list[tuple[str, Article]], int]:
    """Where the photo is used, as the user may see it: (kind, article) pairs of the articles
    they may open, and how many more uses are in articles hidden from them (others' drafts)."""
    uses = services.photo_uses(photo=photo)
    if not uses:
        return [], 0
    visible = set(
        Article.objects.visible_to(user)
        .filter(pk__in={article.pk for _, article in uses})
        .values_list("pk", flat=True)
    )
    shown = [(kind, article) for kind, article in uses if article.pk in visible]
    return shown, len(uses) - len(shown)


def _article_link(article: Article, kind: str):
    return format_html(
        '<a href="{}">{}</a> <span class="photo-use-kind">({}, {})</span>',
        reverse("admin:articles_article_change", args=[article.pk]),
        article.title or f"제목 없는 기사 {article.pk}",
        kind,
        article.get_status_display(),
    )


# --- filters ---------------------------------------------------------------------------------


class CreditFilter(admin.SimpleListFilter):
    """촬영·출처: the most frequent credits among the newest 2,000 photos, and the one chosen."""

    title = "촬영·출처"
    parameter_name = "credit"
    SHOWN = 20
    AMONG_NEWEST = 2000

    def lookups(self, request, model_admin):
        # The newest photos' credits, read along the date index and counted here: a GROUP BY
        # over them in SQL makes PostgreSQL read the whole library (~35 ms at 100,000).
        newest = (
            Photo.objects.order_by("-uploaded_at", "-id")
            .exclude(credit="")
            .values_list("credit", flat=True)[: self.AMONG_NEWEST]
        )
        credits = [credit for credit, _ in Counter(newest).most_common(self.SHOWN)]
        chosen = self.value()
        if chosen and chosen not in credits:
            credits.append(chosen)
        return [(credit, credit) for credit in sorted(credits)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(credit=self.value())
        return queryset


class MonthFilter(admin.SimpleListFilter):
    """올린 달: the last twelve months by the newsroom's calendar, and everything before them
    (listed without a query)."""

    title = "올린 달"
    parameter_name = "month"
    MONTHS = 12
    OLDER = "older"
    _VALUE = re.compile(r"^(\d{4})-(\d{2})$")

    @classmethod
    def recent_months(cls) -> list[tuple[int, int]]:
        today = timezone.localtime(timezone.now(), KST)
        year, month = today.year, today.month
        months = []
        for _ in range(cls.MONTHS):
            months.append((year, month))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return months

    def lookups(self, request, model_admin):
        months = [(f"{y:04d}-{m:02d}", f"{y}년 {m}월") for y, m in self.recent_months()]
        return [*months, (self.OLDER, "그 이전")]

    @classmethod
    def bounds(cls, value: str) -> tuple[datetime | None, datetime]:
        if value == cls.OLDER:
            year, month = cls.recent_months()[-1]
            return None, datetime(year, month, 1, tzinfo=KST)
        match = cls._VALUE.match(value)
        if not match or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
            raise IncorrectLookupParameters(f"올린 달이 올바르지 않습니다: {value[:20]}")
        year, month = int(match[1]), int(match[2])
        start = datetime(year, month, 1, tzinfo=KST)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=KST)
        return start, end

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        start, end = self.bounds(self.value())
        if start is not None:
            queryset = queryset.filter(uploaded_at__gte=start)
        return queryset.filter(uploaded_at__lt=end)


class UseFilter(admin.SimpleListFilter):
    title = "사용 여부"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [("used", "사용 중"), ("unused", "미사용")]

    def queryset(self, request, queryset):
        if self.value() == "used":
            return queryset.used()
        if self.value() == "unused":
            return queryset.unused()
        return queryset


# --- forms -----------------------------------------------------------------------------------


class PhotoAddForm(forms.ModelForm):
    """A new photo: the file goes to services.photo_add (the upload pipeline), not to the
    model field; Django's own image check would open it a second time."""

    image = forms.FileField(
        label="사진 파일",
        help_text="JPEG, PNG, WebP, GIF. 올리면 메타데이터(위치 정보 등)는 지워집니다.",
        error_messages={"required": "올릴 사진 파일을 선택하세요."},
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    class Meta:
        model = Photo
        fields = ("image", "caption", "credit", "licence", "taken_at", "keywords")


class PhotoChangeForm(forms.ModelForm):
    """The photo's description and its focal point (the two number inputs are the keyboard's
    way to set it; a click on the picture fills them, see photo-focal.js)."""

    focal_x = forms.FloatField(
        label="초점 가로 위치",
        min_value=0,
        max_value=1,
        help_text="0 = 왼쪽 끝, 0.5 = 가운데, 1 = 오른쪽 끝",
        error_messages={
            "min_value": "초점은 0에서 1 사이의 값이어야 합니다.",
            "max_value": "초점은 0에서 1 사이의 값이어야 합니다.",
            "invalid": "초점에는 0에서 1 사이의 숫자를 입력하세요.",
            "required": "초점 가로 위치를 입력하세요.",
        },
        widget=forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
    )
    focal_y = forms.FloatField(
        label="초점 세로 위치",
        min_value=0,
        max_value=1,
        help_text="0 = 위쪽 끝, 0.5 = 가운데, 1 = 아래쪽 끝",
        error_messages={
            "min_value": "초점은 0에서 1 사이의 값이어야 합니다.",
            "max_value": "초점은 0에서 1 사이의 값이어야 합니다.",
            "invalid": "초점에는 0에서 1 사이의 숫자를 입력하세요.",
            "required": "초점 세로 위치를 입력하세요.",
        },
        widget=forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
    )

    class Meta:
        model = Photo
        fields = ("caption", "credit", "licence", "taken_at", "keywords", "focal_x", "focal_y")


# --- the admin -------------------------------------------------------------------------------


@admin.register(Photo)
class PhotoAdmin(KeepsInputOnSaveErrorMixin, NewsroomModelAdmin):
    change_list_template = "admin/articles/photo/change_list.html"
    change_form_template = "admin/articles/photo/change_form.html"
    delete_confirmation_template = "admin/articles/photo/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/articles/photo/delete_selected_confirmation.html"
    # The grid shows these (templates/admin/articles/photo/_grid.html); the columns are for
    # Django's own checks and the action form.
    list_display = ("caption", "credit", "uploaded_at")
    list_filter = (CreditFilter, MonthFilter, UseFilter)
    # The search box: PhotoQuerySet.search (get_search_results), not these LIKE scans.
    search_fields = ("caption",)
    search_help_text = "사진 설명, 촬영·출처, 키워드에 들어 있는 글자로 찾습니다."
    list_per_page = 60
    list_max_show_all = 60  # no "전체 보기" of a 100,000-photo library
    paginator = IdsFirstPaginator
    show_full_result_count = False
    ordering = ("-uploaded_at", "-id")
    sortable_by = ()
    # Counts beside every filter choice would count the library once per choice.
    show_facets = admin.ShowFacets.NEVER

    # --- who sees and changes what ----------------------------------------------------------

    def get_queryset(self, request):
        # The grid's 사용 중 mark, in the page's one query (a deep page reads its ids first:
        # LibraryPaginator, so the marks are worked out for the 60 shown only).
        return super().get_queryset(request).with_uses()

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or services.can_change_photo(photo=obj, user=request.user)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or services.can_delete_photo(photo=obj, user=request.user)

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term[:SEARCH_MAX]), False

    # --- the grid ---------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "사진DB", **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            photos = list(context["cl"].result_list)
            thumbs = renditions_for(photos, ["thumb"])  # one query for the whole page
            context["photo_cards"] = [
                (photo, thumbs[photo.pk].get("thumb"), self._size_label(photo)) for photo in photos
            ]
        return response

    @staticmethod
    def _size_label(photo: Photo) -> str:
        return f"{photo.width}×{photo.height} · {filesizeformat(photo.file_size)}"

    # --- the forms --------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = PhotoChangeForm if obj is not None else PhotoAddForm
        form = super().get_form(request, obj, change=change, **kwargs)
        rejection = getattr(request, REJECTED_FLAG, None)
        if rejection is None:
            return form

        class RejectedUploadForm(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error("image", rejection)
                return cleaned

        RejectedUploadForm.__name__ = form.__name__
        return RejectedUploadForm

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("image", "caption", "credit", "licence", "taken_at",
                                       "keywords")})]  # fmt: skip
        focal = ["focal_picker", "focal_x", "focal_y"]
        return [
            (None, {"fields": ("caption", "credit", "licence", "taken_at", "keywords")}),
            ("초점", {"fields": focal, "description": self._focal_help(request, obj)}),
            ("사진 정보", {"fields": ("size", "uploader", "uploaded_at", "renditions")}),
            ("쓰인 곳", {"fields": ("uses",)}),
        ]

    def _focal_help(self, request, photo) -> str:
        if not self.has_change_permission(request, photo):
            return "기사와 카드에 맞춰 자를 때 남길 곳(초점)입니다."
        return (
            "사진에서 꼭 남길 곳(얼굴, 제품)을 누르면 초점이 옮겨집니다. 키보드로는 아래 가로·세로 "
            "칸에 0에서 1 사이의 값을 넣습니다. 저장하면 잘린 사진이 모두 다시 만들어집니다."
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("focal_picker", "size", "uploader", "uploaded_at", "renditions", "uses")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # What the read-only parts show: the stored renditions (one query; one missing is
            # made now) and where the photo is used, as this user may see it.
            specs = list(dict.fromkeys((PICKER_SPEC, *PREVIEW_SPECS, *RENDITIONS)))
            obj.stored = renditions_for([obj], specs)[obj.pk]
            obj.shown_uses, obj.hidden_uses = _uses_of(obj, request.user)
            context["may_set_focal"] = self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ImageRejected as rejection:
            # The pipeline refused the file inside the save (its transaction is rolled back):
            # the form comes back with the Korean reason on the file field.
            if request.method != "POST" or getattr(request, REJECTED_FLAG, None) is not None:
                raise
            setattr(request, REJECTED_FLAG, rejection)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            photo = services.photo_add(
                upload=data["image"],
                by=request.user,
                caption=data.get("caption", ""),
                credit=data.get("credit", ""),
                licence=data.get("licence", ""),
                keywords=data.get("keywords", ""),
                taken_at=data.get("taken_at"),
            )
            obj.pk = photo.pk
            obj.refresh_from_db()
            return
        obj.save(update_fields=["caption", "credit", "licence", "taken_at", "keywords"])
        if {"focal_x", "focal_y"} & set(form.changed_data):
            # The service stores the new point and cuts the cropped renditions again around it.
            services.photo_set_focal(
                photo=obj, focal_x=obj.focal_x, focal_y=obj.focal_y, by=request.user
            )

    def save_related(self, request, form, formsets, change):
        pass  # nothing related: renditions are the services' business

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the photo's page: its focal point is the next thing to set.
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            f"사진 ‘{obj}’을(를) 올렸습니다. 사진을 눌러 초점을 정하세요.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_photo_change", args=[obj.pk]))

    # --- read-only parts of the change form -------------------------------------------------

    @admin.display(description="사진")
    def focal_picker(self, photo):
        stored = getattr(photo, "stored", {})
        whole = stored.get(PICKER_SPEC)
        if whole is None:
            return "-"
        previews = format_html_join(
            "",
            '<figure class="focal-preview focal-preview-{}"><div class="focal-crop">'
            '<img src="{}" width="{}" height="{}" alt="" data-whole="{}"></div>'
            "<figcaption>{}</figcaption></figure>",
            (
                (
                    spec,
                    stored[spec].file.url,
                    stored[spec].width,
                    stored[spec].height,
                    whole.file.url,
                    label,
                )
                for spec, label in (
                    ("w800", "16:9 (기사 대표 사진·카드)"),
                    ("og", "1200×630 (링크 미리보기)"),
                )
                if spec in stored
            ),
        )
        return format_html(
            '<div class="focal-picker" data-focal-picker>'
            '<div class="focal-frame"><img class="focal-image" src="{}" width="{}" height="{}" '
            'alt="{}"><span class="focal-marker" hidden></span></div>'
            '<div class="focal-previews" aria-label="잘린 모습 미리보기">{}</div></div>',
            whole.file.url,
            whole.width,
            whole.height,
            photo.caption or "초점을 정할 사진",
            previews,
        )

    @admin.display(description="크기")
    def size(self, photo):
        return self._size_label(photo)

    @admin.display(description="올린 사람")
    def uploader(self, photo):
        return services.display_name(photo.uploaded_by) if photo.uploaded_by_id else "-"

    @admin.display(description="저장된 규격")
    def renditions(self, photo):
        stored = getattr(photo, "stored", {})
        rows = [(spec, stored[spec]) for spec in RENDITIONS if spec in stored]
        if not rows:
            return "-"
        return format_html(
            '<ul class="photo-renditions">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}</a> {}×{}</li>',
                ((r.file.url, spec, r.width, r.height) for spec, r in rows),
            ),
        )

    @admin.display(description="이 사진을 쓰는 기사")
    def uses(self, photo):
        shown, hidden = getattr(photo, "shown_uses", []), getattr(photo, "hidden_uses", 0)
        if not shown and not hidden:
            return "아직 어느 기사에도 쓰이지 않았습니다 (미사용)."
        items = format_html_join(
            "", "<li>{}</li>", ((_article_link(article, kind),) for kind, article in shown)
        )
        more = format_html("<li>볼 수 없는 다른 기자의 기사 {}건</li>", hidden) if hidden else ""
        return format_html('<ul class="photo-uses">{}{}</ul>', items, more)

    # --- delete: never a photo in use -------------------------------------------------------

    def get_deleted_objects(self, objs, request):
        """Django's list of what a delete takes with it, with our refusals as its "protected"
        list: the photos an article uses (where, as the user may see it) and those this user
        may not delete. Django's delete page and bulk delete then show them and offer no
        button, and refuse the POST."""
        deleted, counts, perms_needed, _protected = super().get_deleted_objects(objs, request)
        refusals = []
        for photo in objs:
            label = Truncator(str(photo)).chars(40)
            if not services.can_delete_photo(photo=photo, user=request.user):
                refusals.append(
                    format_html("‘{}’: 다른 사람이 올린 사진은 데스크만 삭제할 수 있습니다.", label)
                )
                continue
            shown, hidden = _uses_of(photo, request.user)
            if shown or hidden:
                where = format_html_join(
                    ", ", "{}", ((_article_link(article, kind),) for kind, article in shown)
                )
                if hidden:
                    where = format_html(
                        "{}{}볼 수 없는 다른 기자의 기사 {}건", where, ", " if shown else "", hidden
                    )
                refusals.append(format_html("‘{}’: {}에 쓰이고 있습니다.", label, where))
        # Renditions go with their photo; Django's own PROTECT of an article's lead photo is
        # named above in our words.
        return deleted, counts, perms_needed, refusals

    def delete_model(self, request, obj):
        services.photo_delete(photo=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            services.photo_delete(photo=photo, by=request.user)
