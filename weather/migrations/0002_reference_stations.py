"""The 16 stations of the reference page's ticker, in its order (= KMA id order).

Copied here rather than imported from weather.kma, so the migration stays as it was written.
"""

from django.db import migrations

STATIONS = [
    (98, "동두천"),
    (105, "강릉"),
    (108, "서울"),
    (133, "대전"),
    (143, "대구"),
    (152, "울산"),
    (156, "광주"),
    (159, "부산"),
    (172, "고창"),  # 251 is a different station (고창군)
    (184, "제주"),
    (201, "강화"),
    (226, "보은"),
    (238, "금산"),
    (259, "강진군"),
    (283, "경주시"),
    (294, "거제"),
]


def create_stations(apps, schema_editor):
    Station = apps.get_model("weather", "Station")
    for position, (kma_id, name) in enumerate(STATIONS, start=1):
        Station.objects.get_or_create(
            kma_id=kma_id, defaults={"name": name, "order": position * 10, "is_shown": True}
        )


def remove_stations(apps, schema_editor):
    Station = apps.get_model("weather", "Station")
    Station.objects.filter(kma_id__in=[kma_id for kma_id, _ in STATIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("weather", "0001_stations_and_hourly_readings")]

    operations = [migrations.RunPython(create_stations, remove_stations)]
