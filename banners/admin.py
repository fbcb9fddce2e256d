"""The ad manager's admin: advertisers, campaigns with their banners, banners with their
placements, slots, reports, calendar.

Third-party ad tags (HTML/JavaScript) need `banners.manage_ad_tag` on top of the banner
permissions: without it the kind cannot be chosen and existing tag banners are read-only.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from newsroom.admin.mixins import NewsroomModelAdmin, ReadOnlyAdminMixin, VisibleChoicesMixin
from newsroom.admin.saving import KeepsInputOnSaveErrorMixin
from newsroom.params import ascii_int, parse_date
from newsroom.pictures import ImageRejected, process_image

from . import charts, report_links, reports, services
from .models import (
    Advertiser,
    Banner,
    BannerSlot,
    BannerStat,
    Campaign,
    Placement,
    ReportLink,
)

AD_TAG_PERMISSION = "banners.manage_ad_tag"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
KEEP_WIDTH = 100_000  # banners are shown at their own pixel size: never scaled
NOT_AN_IMAGE = (
    "이미지 파일이 아닙니다. JPEG, PNG, GIF, WebP 이미지만 올릴 수 있습니다 (SVG·HTML은 안 됩니다)."
)


class BannerForm(forms.ModelForm):
    target_url = forms.URLField(
        label="연결 주소",
        max_length=1000,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField"}),
        help_text="클릭하면 이동할 http:// 또는 https:// 주소.",
        error_messages={
            "invalid": "연결 주소는 http:// 또는 https://로 시작하는 전체 주소여야 합니다."
        },
    )

    class Meta:
        model = Banner
        fields = [
            "campaign",
            "name",
            "kind",
            "image",
            "alt_text",
            "target_url",
            "opens_new_window",
            "ad_tag",
            "starts_at",
            "ends_at",
            "weight",
            "is_active",
        ]
        error_messages = {
            "campaign": {"required": "캠페인을 고르세요. 배너는 캠페인에 속합니다."},
            "alt_text": {"required": "대체 텍스트를 입력하세요. 화면 낭독기 독자에게 필요합니다."},
            "weight": {"invalid": "가중치는 1 이상의 정수로 입력하세요."},
            "image": {"invalid_image": NOT_AN_IMAGE},
        }

    def __init__(self, *args, can_manage_ad_tag: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_manage_ad_tag = can_manage_ad_tag
        if not can_manage_ad_tag:
            if "kind" in self.fields:
                self.fields["kind"].choices = [(Banner.Kind.IMAGE, Banner.Kind.IMAGE.label)]
            self.fields.pop("ad_tag", None)

    def clean_image(self):
        """The upload pipeline of the articles (content checked, pixel limit, re-encoded from
        the pixels so nothing appended to an image survives), without scaling."""
        upload = self.cleaned_data.get("image")
        if not upload or not hasattr(upload, "content_type"):
            return upload  # unchanged or cleared
        if upload.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError("배너 이미지는 2MB 이하여야 합니다.")
        try:
            processed = process_image(upload, max_bytes=MAX_IMAGE_BYTES, max_width=KEEP_WIDTH)
        except ImageRejected as rejection:
            if rejection.code in {"not_image", "format"}:
                raise forms.ValidationError(NOT_AN_IMAGE) from None
            raise
        name, _ = processed.filenames()
        return SimpleUploadedFile(name, processed.content, processed.content_type)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Banner.Kind.AD_TAG and not self.can_manage_ad_tag:
            raise forms.ValidationError("광고 네트워크 태그를 다룰 권한이 없습니다.")
        return cleaned


class PlacementInline(VisibleChoicesMixin, admin.TabularInline):
    model = Placement
    extra = 1
    fields = ["slot", "starts_at", "ends_at", "weight", "sort_order", "is_active"]
    verbose_name = "게재 슬롯"
    verbose_name_plural = "게재 슬롯 (슬롯마다 기간과 가중치를 따로 둘 수 있습니다)"


def _status(thing: Banner | Campaign) -> str:
    now = timezone.now()
    if not thing.is_active:
        return "중지"
    if thing.starts_at and thing.starts_at > now:
        return "예정"
    if thing.ends_at and thing.ends_at <= now:
        return "종료"
    return "진행 중"


@admin.register(Banner)
class BannerAdmin(KeepsInputOnSaveErrorMixin, NewsroomModelAdmin):
    form = BannerForm
    inlines = [PlacementInline]
    list_display = [
        "thumbnail",
        "name",
        "campaign",
        "advertiser",
        "kind",
        "size",
        "starts_at",
        "ends_at",
        "weight",
        "status",
        "report_link",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["kind", "is_active", "advertiser", "campaign", "placements__slot"]
    search_fields = ["name", "campaign__name", "advertiser__name", "alt_text"]
    date_hierarchy = "starts_at"
    list_select_related = ["advertiser", "campaign"]
    readonly_fields = ["preview", "slot_fit"]
    fieldsets = [
        (None, {"fields": ["campaign", "name", "kind", "is_active"]}),
        (
            "이미지 배너",
            {"fields": ["image", "preview", "alt_text", "target_url", "opens_new_window"]},
        ),
        ("광고 네트워크 태그", {"fields": ["ad_tag"]}),
        (
            "기간과 가중치 (캠페인 기간 안에서 이 배너만 좁힐 때)",
            {"fields": ["starts_at", "ends_at", "weight", "slot_fit"]},
        ),
    ]

    def can_manage_ad_tag(self, request) -> bool:
        return request.user.has_perm(AD_TAG_PERMISSION)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.can_manage_ad_tag(request):
            return fieldsets
        return [fs for fs in fieldsets if "ad_tag" not in fs[1]["fields"]]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        allowed = self.can_manage_ad_tag(request)

        class RequestBannerForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, can_manage_ad_tag=allowed, **kw)

        return RequestBannerForm

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_ad_tag and not self.can_manage_ad_tag(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_ad_tag and not self.can_manage_ad_tag(request):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # Bulk deletion from the list must respect the ad-tag permission too.
        if not self.can_manage_ad_tag(request) and any(o.is_ad_tag for o in objs):
            raise PermissionDenied
        return super().get_deleted_objects(objs, request)

    @admin.display(description="미리보기")
    def thumbnail(self, banner):
        if banner.is_ad_tag or not banner.image:
            return "태그" if banner.is_ad_tag else "-"
        return format_html(
            '<img src="{}" alt="" style="max-width:120px;max-height:40px">', banner.image.url
        )

    @admin.display(description="미리보기")
    def preview(self, banner):
        if not banner.pk or banner.is_ad_tag or not banner.image:
            return "-"
        return format_html(
            '<img src="{}" alt="{}" style="max-width:100%;height:auto">',
            banner.image.url,
            banner.alt_text,
        )

    @admin.display(description="크기")
    def size(self, banner):
        if banner.image_width:
            return f"{banner.image_width}×{banner.image_height}"
        return "-"

    @admin.display(description="상태")
    def status(self, banner):
        return _status(banner)

    @admin.display(description="통계")
    def report_link(self, banner):
        return format_html(
            '<a href="{}?banner={}">보기</a>',
            reverse("admin:banners_bannerstat_changelist"),
            banner.pk,
        )

    @admin.display(description="슬롯 크기 확인")
    def slot_fit(self, banner):
        if not banner.pk:
            return "저장하면 게재 슬롯과 이미지 크기를 비교합니다."
        warnings = [banner.size_warning(p.slot) for p in banner.placements.select_related("slot")]
        return "\n".join(w for w in warnings if w) or "모든 게재 슬롯의 크기와 맞습니다."

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        banner = form.instance
        for placement in banner.placements.select_related("slot"):
            warning = banner.size_warning(placement.slot)
            if warning:
                self.message_user(request, warning, messages.WARNING)


class CampaignBannerForm(BannerForm):
    """A campaign's image banner, edited on the campaign's page (through the same upload
    pipeline); tag banners and slots are edited on the banner's own page."""

    class Meta(BannerForm.Meta):
        fields = [
            "name",
            "image",
            "alt_text",
            "target_url",
            "opens_new_window",
            "starts_at",
            "ends_at",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        kwargs["can_manage_ad_tag"] = False
        super().__init__(*args, **kwargs)


class CampaignBannerInline(VisibleChoicesMixin, admin.StackedInline):
    model = Banner
    form = CampaignBannerForm
    extra = 0
    show_change_link = True
    fields = [
        "name",
        "image",
        "alt_text",
        "target_url",
        "opens_new_window",
        ("starts_at", "ends_at"),
        "is_active",
        "slots",
    ]
    readonly_fields = ["slots"]
    verbose_name = "이미지 배너"
    verbose_name_plural = (
        "이미지 배너 (게재 슬롯은 배너 화면에서 고릅니다; 광고 네트워크 태그 배너는 배너 목록에서)"
    )

    def get_queryset(self, request):
        # Tag banners need their own permission and page: they are never edited here.
        return super().get_queryset(request).filter(kind=Banner.Kind.IMAGE)

    @admin.display(description="게재 슬롯")
    def slots(self, banner):
        if not banner.pk:
            return "저장한 뒤 배너 화면에서 게재 슬롯을 고릅니다."
        names = ", ".join(p.slot.name for p in banner.placements.select_related("slot"))
        url = reverse("admin:banners_banner_change", args=[banner.pk])
        return format_html('{} <a href="{}">슬롯 고르기</a>', names or "없음", url)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "advertiser",
            "name",
            "priority",
            "is_active",
            "starts_at",
            "ends_at",
            "goal_impressions",
            "goal_period",
            "daily_cap",
        ]
        error_messages = {
            "advertiser": {"required": "광고주를 고르세요."},
            "name": {"required": "캠페인 이름을 입력하세요."},
            "starts_at": {"required": "시작 시각을 입력하세요."},
            "goal_impressions": {"invalid": "노출 목표는 1 이상의 정수로 입력하세요."},
            "daily_cap": {"invalid": "노출 한도는 1 이상의 정수로 입력하세요."},
        }


@admin.register(Campaign)
class CampaignAdmin(NewsroomModelAdmin):
    form = CampaignForm
    inlines = [CampaignBannerInline]
    list_display = [
        "name",
        "advertiser",
        "priority",
        "starts_at",
        "ends_at",
        "goal",
        "daily_cap",
        "status",
        "report_link",
    ]
    list_filter = ["priority", "is_active", "advertiser"]
    search_fields = ["name", "advertiser__name"]
    list_select_related = ["advertiser"]
    date_hierarchy = "starts_at"
    fieldsets = [
        (None, {"fields": ["advertiser", "name", "priority", "is_active"]}),
        ("기간", {"fields": ["starts_at", "ends_at"]}),
        (
            "노출 목표와 독자당 한도",
            {
                "fields": ["goal_impressions", "goal_period", "daily_cap"],
                "description": (
                    "목표를 두면 기간(또는 하루)에 고르게 나누어 노출하고, 채우면 멈춥니다. "
                    "한도는 같은 독자에게 하루에 보이는 횟수입니다 (쿠키 없이 셉니다)."
                ),
            },
        ),
    ]

    @admin.display(description="노출 목표")
    def goal(self, campaign):
        if not campaign.goal_impressions:
            return "-"
        return f"{campaign.goal_impressions:,} ({campaign.get_goal_period_display()})"

    @admin.display(description="상태")
    def status(self, campaign):
        return _status(campaign)

    @admin.display(description="통계")
    def report_link(self, campaign):
        url = reverse("admin:banners_bannerstat_changelist")
        return format_html('<a href="{}?campaign={}">보기</a>', url, campaign.pk)


@admin.register(Advertiser)
class AdvertiserAdmin(NewsroomModelAdmin):
    list_display = [
        "name",
        "contact_name",
        "contact_email",
        "contact_phone",
        "banner_count",
        "report_link",
    ]
    search_fields = ["name", "contact_name", "contact_email"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(banner_total=Count("banners"))

    @admin.display(description="배너 수", ordering="banner_total")
    def banner_count(self, advertiser):
        return advertiser.banner_total

    @admin.display(description="통계")
    def report_link(self, advertiser):
        url = reverse("admin:banners_bannerstat_changelist")
        return format_html('<a href="{}?advertiser={}">보기</a>', url, advertiser.pk)


class PlacementForm(forms.ModelForm):
    class Meta:
        model = Placement
        fields = ["banner", "slot", "starts_at", "ends_at", "weight", "sort_order", "is_active"]


@admin.register(Placement)
class PlacementAdmin(NewsroomModelAdmin):
    form = PlacementForm
    list_display = ["banner", "slot", "starts_at", "ends_at", "weight", "sort_order", "is_active"]
    list_filter = ["slot", "is_active", "banner__advertiser"]
    list_select_related = ["banner__advertiser", "slot"]
    search_fields = ["banner__name", "banner__advertiser__name", "slot__name", "slot__code"]

    def _is_protected_tag(self, request, obj) -> bool:
        return (
            obj is not None
            and obj.banner.is_ad_tag
            and not request.user.has_perm(AD_TAG_PERMISSION)
        )

    def has_change_permission(self, request, obj=None):
        if self._is_protected_tag(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._is_protected_tag(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        if any(self._is_protected_tag(request, obj) for obj in objs):
            raise PermissionDenied
        return super().get_deleted_objects(objs, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "banner" and not request.user.has_perm(AD_TAG_PERMISSION):
            kwargs["queryset"] = Banner.objects.filter(kind=Banner.Kind.IMAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warning = obj.banner.size_warning(obj.slot)
        if warning:
            self.message_user(request, warning, messages.WARNING)


@admin.register(BannerSlot)
class BannerSlotAdmin(NewsroomModelAdmin):
    extra_views = (("calendar/", "calendar_view", "calendar"),)
    list_display = [
        "name",
        "code",
        "area",
        "size_label",
        "max_banners",
        "rotation",
        "sort_order",
        "is_active",
    ]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["area", "rotation", "is_active"]
    search_fields = ["name", "code", "position"]
    change_list_template = "banners/admin/slot_change_list.html"

    @admin.display(description="크기")
    def size_label(self, slot):
        return slot.size_label

    def calendar_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        error = ""
        try:
            start = parse_date(request.GET.get("start") or today.isoformat())
        except ValueError as problem:
            start, error = today, str(problem)
        days = ascii_int(request.GET.get("days") or "14")
        if days is None:
            days, error = 14, "일수는 숫자로 입력하세요."
        days = max(1, min(days, reports.MAX_CALENDAR_DAYS))
        if error:
            messages.error(request, error)
        rows = reports.slot_calendar(start=start, days=days)
        last = start + timedelta(days=days - 1)
        context = {
            **self.admin_site.each_context(request),
            "title": "슬롯 달력",
            "opts": self.model._meta,
            "rows": rows,
            "campaign_rows": reports.campaign_rows(start=start, end=last),
            "days": [start + timedelta(days=i) for i in range(days)],
            "start": start,
            "day_count": days,
            "previous_start": start - timedelta(days=days),
            "next_start": start + timedelta(days=days),
        }
        return TemplateResponse(request, "banners/admin/calendar.html", context)


@admin.register(BannerStat)
class BannerStatAdmin(ReadOnlyAdminMixin, NewsroomModelAdmin):
    """The reports page; statistics themselves are never edited by hand."""

    extra_views = (("csv/", "csv_view", "csv"),)

    def _period(self, request):
        start, end, error = reports.parse_period(request.GET.get("start"), request.GET.get("end"))
        filters = {}
        for name in ("advertiser", "campaign", "banner", "slot"):
            filters[name] = ascii_int(request.GET.get(name)) or None
        return start, end, filters, error

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            services.flush_stats()  # show the latest counts, including those still in the cache
        except Exception:
            messages.warning(request, "최근 노출 수 일부를 아직 반영하지 못했습니다.")
        start, end, filters, error = self._period(request)
        if error:
            messages.error(request, error)
        report = reports.build_report(start=start, end=end, **filters)
        query = {"start": start.isoformat(), "end": end.isoformat()}
        query.update({name: value for name, value in filters.items() if value})
        context = {
            **self.admin_site.each_context(request),
            "title": "광고 통계",
            "opts": self.model._meta,
            "report": report,
            "charts": charts.daily_charts(report.by_day),
            "goal_chart": charts.goal_chart(report.progress),
            "filters": filters,
            "advertisers": Advertiser.objects.all(),
            "campaigns": Campaign.objects.order_by("name"),
            "banners": Banner.objects.order_by("name"),
            "slots": BannerSlot.objects.all(),
            "csv_url": reverse("admin:banners_bannerstat_csv") + "?" + urlencode(query),
            "campaigns_csv_url": reverse("admin:banners_bannerstat_csv")
            + "?"
            + urlencode({**query, "table": "campaigns"}),
            "calendar_url": reverse("admin:banners_bannerslot_calendar"),
        }
        return TemplateResponse(request, "banners/admin/report.html", context)

    def csv_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        start, end, filters, _ = self._period(request)
        if request.GET.get("table") == "campaigns":
            body = reports.campaigns_csv(start=start, end=end, **filters)
            name = "campaign-report"
        else:
            body = reports.report_csv(start=start, end=end, **filters)
            name = "banner-report"
        response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = f"{name}-{start.isoformat()}-{end.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class ReportLinkForm(forms.ModelForm):
    class Meta:
        model = ReportLink
        fields = ["advertiser", "campaign", "expires_at"]
        error_messages = {
            "advertiser": {"required": "광고주를 고르세요."},
            "expires_at": {"required": "만료 시각을 입력하세요."},
        }

    def clean_expires_at(self):
        expires = self.cleaned_data["expires_at"]
        now = timezone.now()
        if expires <= now:
            raise forms.ValidationError("만료 시각은 지금보다 뒤여야 합니다.")
        if expires > now + timedelta(days=report_links.MAX_LINK_DAYS):
            raise forms.ValidationError(
                f"링크는 {report_links.MAX_LINK_DAYS}일까지만 유효하게 만들 수 있습니다."
            )
        return expires


@admin.register(ReportLink)
class ReportLinkAdmin(NewsroomModelAdmin):
    """Issued links (발급한 링크) and 폐기; a link is never edited: a new one is issued."""

    form = ReportLinkForm
    list_display = ["advertiser", "campaign", "created_at", "expires_at", "state", "address"]
    list_filter = ["advertiser"]
    list_select_related = ["advertiser", "campaign"]
    actions = ["revoke"]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("expires_at", timezone.now() + timedelta(days=report_links.DEFAULT_DAYS))
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["advertiser", "campaign", "expires_at", "state", "address"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["advertiser", "campaign", "expires_at"]
        return ["advertiser", "campaign", "expires_at", "state", "address"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.key = report_links.new_key()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(
            request,
            format_html(
                "광고주에게 보낼 링크를 만들었습니다: {}",
                request.build_absolute_uri(report_links.url_for(obj)),
            ),
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="상태")
    def state(self, link):
        if link.revoked_at:
            return f"폐기됨 ({timezone.localtime(link.revoked_at):%Y-%m-%d %H:%M})"
        if link.expires_at <= timezone.now():
            return "만료됨"
        return "사용 중"

    @admin.display(description="링크")
    def address(self, link):
        if not link.is_usable_at(timezone.now()):
            return "-"
        url = report_links.url_for(link)
        return format_html('<a href="{}" rel="noreferrer" target="_blank">열기</a>', url)

    @admin.action(description="선택한 링크 폐기", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(report_links.revoke(link=link) for link in queryset)
        messages.success(request, f"링크 {revoked}개를 폐기했습니다. 더는 열리지 않습니다.")
