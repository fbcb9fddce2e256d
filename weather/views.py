from collections import defaultdict
from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from .charts import temperature_chart
from .kma import CREDIT
from .models import Station, WeatherReading
from .ticker import stale_after, time_label

CHART_HOURS = 24
_HOUR = timedelta(hours=1)


def index(request):
    """Every shown station's latest reading and its last 24 hours: three queries.

    The 24 hours end at the newest observation stored, so the page stays useful (and honest
    about its time) when the feed has stopped.
    """
    now = timezone.now()
    stations = list(Station.objects.shown())
    latest = {r.station_id: r for r in WeatherReading.objects.latest_per_station()}
    newest = max((r.observed_at for r in latest.values()), default=None)
    series = defaultdict(list)
    if newest is not None:
        window = WeatherReading.objects.between(newest - (CHART_HOURS - 1) * _HOUR, newest)
        for station_id, at, temp in window.filter(station__in=stations).values_list(
            "station_id", "observed_at", "temperature"
        ):
            series[station_id].append((at, temp))
    threshold = now - stale_after()
    cards = [
        {
            "station": station,
            "reading": latest.get(station.pk),
            "is_stale": station.pk in latest and latest[station.pk].observed_at < threshold,
            "chart": temperature_chart(
                series[station.pk], end=newest, hours=CHART_HOURS, label=station.name
            )
            if newest
            else None,
        }
        for station in stations
    ]
    return render(
        request,
        "weather/index.html",
        {
            "cards": cards,
            "newest": newest,
            "newest_label": time_label(newest, now=now) if newest else "",
            "is_stale": newest is not None and newest < threshold,
            "credit": CREDIT,
            "chart_hours": CHART_HOURS,
            "meta_title": "전국 날씨",
            "meta_description": "기상청 관측소별 최근 기온과 날씨, 최근 24시간 기온 변화",
        },
    )
