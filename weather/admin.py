from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from newsroom.admin.mixins import NewsroomModelAdmin, ReadOnlyAdminMixin

from . import kma
from .models import Station, WeatherReading
from .services import FetchRunningError, NoStationsError, fetch_and_store

# The "fetch now" button runs inside a request: one retry at most, and the whole fetch ends
# within KMA_FETCH_DEADLINE_SECONDS whatever KMA does, so the editor waits seconds, not a minute.
ADMIN_FETCH_RETRIES = 1


@admin.register(Station)
class StationAdmin(NewsroomModelAdmin):
    list_display = ("name", "kma_id", "order", "is_shown", "reading_count", "last_observed")
    list_display_links = ("name",)
    list_editable = ("order", "is_shown")
    list_filter = ("is_shown",)
    search_fields = ("name", "kma_id")
    ordering = ("order", "kma_id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(reading_count=Count("readings"), last_observed=Max("readings__observed_at"))
        )

    @admin.display(description="관측값 수", ordering="reading_count")
    def reading_count(self, station):
        return station.reading_count

    @admin.display(description="마지막 관측", ordering="last_observed")
    def last_observed(self, station):
        if station.last_observed is None:
            return "-"
        return f"{timezone.localtime(station.last_observed):%Y-%m-%d %H:%M}"


@admin.register(WeatherReading)
class WeatherReadingAdmin(ReadOnlyAdminMixin, NewsroomModelAdmin):
    """Readings come from KMA only: listed and filtered, never edited by hand."""

    extra_views = (("fetch/", "fetch_now_view", "fetch"),)

    change_list_template = "admin/weather/weatherreading/change_list.html"
    list_display = (
        "observed_local",
        "station",
        "sky",
        "temperature",
        "cloud_amount",
        "precipitation_mm",
        "source",
        "fetched_at",
    )
    list_filter = ("station", ("observed_at", admin.DateFieldListFilter), "source", "sky")
    date_hierarchy = "observed_at"
    list_select_related = ("station",)
    list_per_page = 100
    readonly_fields = [f.name for f in WeatherReading._meta.fields]

    @admin.display(description="관측 시각", ordering="observed_at")
    def observed_local(self, reading):
        return f"{timezone.localtime(reading.observed_at):%Y-%m-%d %H:%M}"

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_fetch_weather": request.user.has_perm("weather.fetch_weather"),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def fetch_now_view(self, request):
        """POST only: fetch the latest hour now and say what was stored (or why not)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("weather.fetch_weather"):
            raise PermissionDenied
        changelist = HttpResponseRedirect(reverse("admin:weather_weatherreading_changelist"))
        if not settings.KMA_API_KEY:
            self.message_user(
                request,
                "KMA_API_KEY가 설정되지 않아 기상청에서 가져올 수 없습니다 (서버 환경 변수).",
                messages.ERROR,
            )
            return changelist
        try:
            report = fetch_and_store(retries=ADMIN_FETCH_RETRIES)
        except kma.KmaAuthError as error:
            self.message_user(
                request,
                "기상청이 인증키 또는 사용 한도를 거절했습니다. "
                f"저장된 관측값은 그대로입니다. ({error})",
                messages.ERROR,
            )
        except kma.KmaTimeout as error:
            self.message_user(
                request,
                f"기상청이 {settings.KMA_FETCH_DEADLINE_SECONDS}초 안에 답하지 않았습니다. "
                f"저장된 관측값은 그대로입니다. 잠시 뒤 다시 시도하세요. ({error})",
                messages.ERROR,
            )
        except kma.KmaError as error:
            self.message_user(
                request,
                f"기상청 자료를 가져오지 못했습니다. 저장된 관측값은 그대로입니다. ({error})",
                messages.ERROR,
            )
        except (NoStationsError, FetchRunningError) as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            level = messages.SUCCESS if report.complete else messages.WARNING
            self.message_user(request, f"기상청에서 가져왔습니다: {report.summary()}", level)
        return changelist
