from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.accounts.login import StaffLoginForm
from newsroom.site.models import BreakingNews, PolicyPage, SiteInfo

from . import newsletter  # noqa: F401  (the newsletter's issues and subscribers)
from .mixins import AdministratorsOnlyMixin, NewsroomModelAdmin, ReadOnlyAdminMixin


@admin.register(SiteInfo)
class SiteInfoAdmin(NewsroomModelAdmin):
    list_display = ("name", "company", "registration_number", "updated_at")

    def has_add_permission(self, request):
        # One row only: the footer shows the first one.
        return super().has_add_permission(request) and not SiteInfo.objects.exists()


@admin.register(PolicyPage)
class PolicyPageAdmin(NewsroomModelAdmin):
    """The policy pages: administrators only (no role is given their permissions)."""

    list_display = ("__str__", "effective_on", "updated_at")
    ordering = ("kind",)

    def get_readonly_fields(self, request, obj=None):
        # Each kind has one page and its address follows the kind: fixed once created.
        return ("kind",) if obj else ()


@admin.register(BreakingNews)
class BreakingNewsAdmin(NewsroomModelAdmin):
    """속보: the desk sets a one-line banner over every page; it goes away by itself."""

    list_display = ("headline", "state_label", "starts_at", "expires_at", "created_by")
    list_filter = ("is_active",)
    search_fields = ("headline",)
    fields = ("headline", "link", "starts_at", "expires_at", "is_active")
    # A usual 속보 stays up for a few hours; the desk can change it.
    DEFAULT_HOURS = 3

    @admin.display(description="상태")
    def state_label(self, obj):
        return obj.state

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial.setdefault("starts_at", now)
        initial.setdefault("expires_at", now + timedelta(hours=self.DEFAULT_HOURS))
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# Password and second factor in one form; failures lock the address, then the account
# (django-axes, newsroom/accounts/login.py).
admin.site.login_form = StaffLoginForm


# django-otp's own admins show keys and QR codes; ours show only who has which device.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class DeviceAdmin(AdministratorsOnlyMixin, ReadOnlyAdminMixin, NewsroomModelAdmin):
    """Lets an administrator turn off the second factor of an editor who lost their phone
    (delete); nobody can see or set a key or a backup code here."""

    # django-otp's fields have no translatable labels: Korean ones here.
    list_display = ("owner", "device_name", "is_confirmed", "enrolled_at", "used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("owner", "device_name", "is_confirmed", "enrolled_at", "used_at")
    readonly_fields = fields

    @admin.display(description="사용자", ordering="user__username")
    def owner(self, obj):
        return obj.user

    @admin.display(description="이름")
    def device_name(self, obj):
        return obj.name

    @admin.display(description="확인됨", boolean=True)
    def is_confirmed(self, obj):
        return obj.confirmed

    @admin.display(description="등록일시", ordering="created_at")
    def enrolled_at(self, obj):
        return obj.created_at

    @admin.display(description="마지막 사용", ordering="last_used_at")
    def used_at(self, obj):
        return obj.last_used_at

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)


class LoginRecordAdmin(AdministratorsOnlyMixin, ReadOnlyAdminMixin, NewsroomModelAdmin):
    """django-axes' records of logins, read-only, for administrators only (ASVS V7)."""

    date_hierarchy = "attempt_time"
    search_fields = ("username", "ip_address")
    readonly_fields = ()

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(AccessAttempt)
class AccessAttemptAdmin(LoginRecordAdmin):
    """Failures that count towards a lock; deleting one lifts its lock (an administrator's
    reset for an editor locked out)."""

    list_display = ("attempt_time", "username", "ip_address", "failures_since_start")
    exclude = ("get_data", "post_data")

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f not in self.exclude]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(AccessLog)
class AccessLogAdmin(LoginRecordAdmin):
    list_display = ("attempt_time", "username", "ip_address", "logout_time")
    list_filter = ("attempt_time", "logout_time")
    exclude = ("session_hash",)

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f not in self.exclude]


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(LoginRecordAdmin):
    list_display = ("attempt_time", "username", "ip_address", "locked_out")
    list_filter = ("attempt_time", "locked_out")
