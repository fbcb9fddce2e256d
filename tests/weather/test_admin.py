import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from tests.weather.kma_server import kma_server
from tests.weather.payloads import payload, readings, reference_rows, sample
from weather import services
from weather.models import Station, WeatherReading

pytestmark = [
    pytest.mark.django_db,
    # The payloads hold the reference hour: KMA answers it 40 minutes later.
    pytest.mark.usefixtures("at_reference_time"),
]

CHANGELIST = "/admin/weather/weatherreading/"
FETCH = "/admin/weather/weatherreading/fetch/"


def staff(*perms: str):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    for perm in perms:
        app, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def editor(client):
    client.force_login(staff("weather.view_weatherreading", "weather.fetch_weather"))
    return client


def test_fetch_now_stores_and_reports_what_it_stored(editor, kma_answers):
    opener = kma_answers((200, payload(*reference_rows(skip={90}))))
    response = editor.post(FETCH)
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert len(opener.urls) == 1
    assert WeatherReading.objects.filter(source=WeatherReading.Source.API_HUB).count() == 16
    (message,) = messages_of(response)
    assert message == (
        "기상청에서 가져왔습니다: 2025-08-26 15:00 관측 16개 지점 저장 (새로 16, 갱신 0)"
    )


def test_fetch_now_reports_a_partial_answer(editor, kma_answers):
    kma_answers((200, payload(*reference_rows(skip={90, 294}))))
    (message,) = messages_of(editor.post(FETCH))
    assert "15개 지점 저장" in message
    assert "응답에 없는 지점 1곳: 거제(294)" in message


def test_fetch_now_failure_keeps_readings_and_says_why(editor, kma_answers, import_reference):
    import_reference()
    opener = kma_answers((403, sample("apihub_403.json")))
    response = editor.post(FETCH)
    (message,) = messages_of(response)
    assert "인증키 또는 사용 한도를 거절했습니다" in message
    assert "저장된 관측값은 그대로입니다" in message
    assert "test-key" not in message
    assert len(opener.urls) == 1
    assert WeatherReading.objects.count() == 16


def test_fetch_now_in_a_request_retries_once_at_most(editor, kma_answers):
    opener = kma_answers(TimeoutError(), TimeoutError(), TimeoutError())
    (message,) = messages_of(editor.post(FETCH))
    assert len(opener.urls) == 2
    assert "기상청이 8초 안에 답하지 않았습니다" in message


def test_fetch_now_needs_the_fetch_permission(client, kma_answers):
    client.force_login(staff("weather.view_weatherreading"))
    opener = kma_answers((200, payload(*reference_rows())))
    assert client.post(FETCH).status_code == 403
    assert opener.urls == []
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "기상청에서 지금 가져오기" not in page.content.decode()


def test_fetch_now_is_post_only(editor, kma_answers):
    opener = kma_answers()
    assert editor.get(FETCH).status_code == 405
    assert opener.urls == []


def test_fetch_button_is_shown_to_staff_who_may_fetch(editor):
    html = editor.get(CHANGELIST).content.decode()
    assert f'action="{FETCH}"' in html
    assert "기상청에서 지금 가져오기" in html


def test_readings_are_listed_read_only_with_station_and_date_filters(editor, import_reference):
    import_reference()
    response = editor.get(CHANGELIST, {"station__id__exact": Station.objects.get(kma_id=108).pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "2025-08-26 15:00" in html
    assert html.count('class="field-station nowrap"') == 1
    assert "/admin/weather/weatherreading/add/" not in html
    assert editor.get("/admin/weather/weatherreading/add/").status_code == 403
    by_date = editor.get(
        CHANGELIST,
        {"observed_at__year": "2025", "observed_at__month": "8", "observed_at__day": "26"},
    )
    assert by_date.content.decode().count('class="field-station nowrap"') == 16
    reading = WeatherReading.objects.first()
    change = editor.post(
        f"/admin/weather/weatherreading/{reading.pk}/change/", {"temperature": "0"}
    )
    assert change.status_code == 403
    reading.refresh_from_db()
    assert reading.temperature != Decimal("0")


def test_staff_can_hide_and_reorder_stations(client, import_reference):
    import_reference()
    client.force_login(staff("weather.view_station", "weather.change_station"))
    stations = list(Station.objects.order_by("order"))
    data = {
        "form-TOTAL_FORMS": len(stations),
        "form-INITIAL_FORMS": len(stations),
        "_save": "저장",
    }
    for i, station in enumerate(stations):
        data[f"form-{i}-id"] = station.pk
        data[f"form-{i}-order"] = 1 if station.kma_id == 294 else station.order
        if station.kma_id != 108:
            data[f"form-{i}-is_shown"] = "on"
    response = client.post("/admin/weather/station/", data)
    assert response.status_code == 302
    assert Station.objects.get(kma_id=294).order == 1
    assert not Station.objects.get(kma_id=108).is_shown
    assert Station.objects.shown().first().kma_id == 294
    assert 108 in readings()  # hiding a station keeps its readings


def test_fetch_now_without_an_api_key_says_so(editor, kma_answers, settings):
    opener = kma_answers()
    settings.KMA_API_KEY = ""
    (message,) = messages_of(editor.post(FETCH))
    assert "KMA_API_KEY가 설정되지 않아" in message
    assert opener.urls == []


def test_desk_role_manages_stations_and_fetches_but_reporters_and_ad_managers_do_not(
    client, import_reference
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ensure_roles

    ensure_roles()
    expected = {DESK: 200, REPORTER: 403, AD_MANAGER: 403}
    for role, status in expected.items():
        user = get_user_model().objects.create_user(
            f"user-{len(role)}-{status}", password="pw-for-tests-only", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        assert client.get("/admin/weather/station/").status_code == status, role
        assert user.has_perm("weather.fetch_weather") is (role == DESK), role
        client.logout()


def test_fetch_now_answers_within_the_deadline_when_kma_is_silent(
    editor, settings, monkeypatch, kma_answers, import_reference
):
    # A KMA that accepts and never answers: a Korean message, not a worker killed into a 500.
    import_reference()
    settings.KMA_API_KEY = "test-key"
    settings.KMA_FETCH_DEADLINE_SECONDS = 2
    monkeypatch.setattr(services, "kma_connections", None)  # the real transport
    with kma_server(monkeypatch, "silent"):
        started = time.monotonic()
        response = editor.post(FETCH)
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    (message,) = messages_of(response)
    assert "기상청이 2초 안에 답하지 않았습니다" in message
    assert elapsed < 10
    assert WeatherReading.objects.count() == 16


def test_fetch_now_while_another_fetch_runs_says_so(editor, kma_answers):
    opener = kma_answers((200, payload(*reference_rows())))
    with services.fetch_lock(ttl=timedelta(minutes=1)):
        (message,) = messages_of(editor.post(FETCH))
    assert "다른 날씨 가져오기가 실행 중" in message
    assert opener.urls == []
