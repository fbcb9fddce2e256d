from django.contrib import admin

from .login_throttle import ThrottledAdminAuthenticationForm
from .models import SiteInfo


@admin.register(SiteInfo)
class SiteInfoAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "registration_number", "updated_at")

    def has_add_permission(self, request):
        # One row only: the footer shows the first one.
        return super().has_add_permission(request) and not SiteInfo.objects.exists()


# Failed logins are counted and lock the account or address for a while (login_throttle.py).
admin.site.login_form = ThrottledAdminAuthenticationForm
