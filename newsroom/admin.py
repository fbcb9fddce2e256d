from django.contrib import admin

from .admin_mixins import NewsroomModelAdmin
from .login_throttle import ThrottledAdminAuthenticationForm
from .models import SiteInfo, TwoFactorDevice


@admin.register(SiteInfo)
class SiteInfoAdmin(NewsroomModelAdmin):
    list_display = ("name", "company", "registration_number", "updated_at")

    def has_add_permission(self, request):
        # One row only: the footer shows the first one.
        return super().has_add_permission(request) and not SiteInfo.objects.exists()


# Failed logins are counted and lock the account or address for a while (login_throttle.py).
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(NewsroomModelAdmin):
    """Lets an administrator turn off the second factor of an editor who lost their phone
    (delete); nobody can see or set a key here."""

    list_display = ("user", "confirmed_at")
    search_fields = ("user__username",)
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
