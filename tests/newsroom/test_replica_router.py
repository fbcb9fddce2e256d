"""Read replicas: anonymous reads spread over the replicas; writes, migrations, the admin and
staff stay on the primary."""

import contextvars
import copy

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, connections
from django.db.utils import load_backend
from django.http import HttpResponse
from django.urls import include, path

from newsroom.models import SiteInfo
from newsroom.site.database import ReplicaRouter
from tests.factories import site_info
from tests.newsroom.conftest import settings_in_production

REPLICAS = ["replica1", "replica2"]


def fresh_context(function, *args):
    """Run in a new context: the router's read-your-writes flag does not leak between tests."""
    return contextvars.Context().run(function, *args)


@pytest.fixture
def two_replicas(settings):
    settings.DATABASE_REPLICAS = REPLICAS
    return REPLICAS


def test_reads_go_to_a_random_replica(two_replicas):
    router = ReplicaRouter()
    chosen = {fresh_context(router.db_for_read, SiteInfo) for _ in range(60)}
    assert chosen == set(REPLICAS)


def test_without_replicas_everything_uses_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    router = ReplicaRouter()
    assert fresh_context(router.db_for_read, SiteInfo) == "default"
    assert fresh_context(router.db_for_write, SiteInfo) == "default"


def test_writes_go_to_the_primary_and_later_reads_follow_them(two_replicas):
    router = ReplicaRouter()

    def write_then_read():
        assert router.db_for_read(SiteInfo) in REPLICAS
        assert router.db_for_write(SiteInfo) == "default"
        return router.db_for_read(SiteInfo)

    assert fresh_context(write_then_read) == "default"


def test_logins_sessions_and_permissions_are_read_from_the_primary(two_replicas):
    router = ReplicaRouter()
    for model in (get_user_model(), Session):
        assert fresh_context(router.db_for_read, model) == "default"


def test_migrations_run_on_the_primary_only(two_replicas):
    router = ReplicaRouter()
    assert router.allow_migrate("default", "articles") is True
    for alias in REPLICAS:
        assert router.allow_migrate(alias, "articles") is False


def test_rows_from_primary_and_replicas_may_be_related(two_replicas):
    router = ReplicaRouter()
    a, b = SiteInfo(), SiteInfo()
    a._state.db, b._state.db = "default", "replica2"
    assert router.allow_relation(a, b) is True
    b._state.db = "elsewhere"
    assert router.allow_relation(a, b) is None


def where_reads_go(request):
    return HttpResponse(ReplicaRouter().db_for_read(SiteInfo))


@pytest.fixture
def probe_urls(settings):
    from django.contrib import admin

    urlconf = type(
        "urls",
        (),
        {
            "urlpatterns": [
                path("probe/", where_reads_go),
                path("admin/probe/", where_reads_go),
                path("admin/", admin.site.urls),
                path("", include("articles.urls")),
            ]
        },
    )
    settings.ROOT_URLCONF = urlconf


@pytest.mark.django_db
def test_anonymous_readers_read_from_a_replica(client, two_replicas, probe_urls):
    assert client.get("/probe/").content.decode() in REPLICAS


@pytest.mark.django_db
def test_signed_in_staff_read_from_the_primary(client, two_replicas, probe_urls, editor):
    client.force_login(editor)
    assert client.get("/probe/").content.decode() == "default"


@pytest.mark.django_db
def test_a_signed_in_reader_who_is_not_staff_reads_from_a_replica(
    client, two_replicas, probe_urls, django_user_model
):
    client.force_login(django_user_model.objects.create_user("독자", password="x" * 12))
    assert client.get("/probe/").content.decode() in REPLICAS


@pytest.mark.django_db
def test_the_admin_reads_from_the_primary_even_before_login(client, two_replicas, probe_urls):
    assert client.get("/admin/probe/").content.decode() == "default"


@pytest.mark.django_db
def test_posts_read_from_the_primary(client, two_replicas, probe_urls):
    assert client.post("/probe/").content.decode() == "default"


def test_replica_urls_become_databases_that_tests_mirror_to_the_primary():
    printed = settings_in_production(
        "settings.DATABASE_REPLICAS, settings.DATABASES['replica2']['HOST'],"
        " settings.DATABASES['replica2']['TEST']['MIRROR'], settings.DATABASE_ROUTERS",
        DATABASE_URL="postgres://news@primary.internal:5432/newsroom",
        DATABASE_REPLICA_URLS="postgres://news@r1.internal:5432/newsroom, "
        "postgres://news@r2.internal:5432/newsroom",
    )
    assert printed == (
        "['replica1', 'replica2'] r2.internal default ['newsroom.site.database.ReplicaRouter']"
    )


# --- PostgreSQL: a second database on the same server stands in for the replica -------------


@pytest.fixture
def replica_database(settings):
    """A copy of the test database (CREATE DATABASE ... TEMPLATE) registered as `replica1`;
    dropped afterwards."""
    primary = connection.settings_dict
    name = f"{primary['NAME']}_replica"
    server = {
        "host": primary["HOST"] or "127.0.0.1",
        "port": primary["PORT"] or 5432,
        "user": primary["USER"],
        "password": primary["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    connection.close()  # a template database must have no other connection
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')
    replica = copy.deepcopy(primary)
    replica["NAME"] = name
    # Registered as a live connection, not in settings.DATABASES, so pytest-django neither
    # creates a test database for it nor forbids it.
    replica_connection = load_backend(replica["ENGINE"]).DatabaseWrapper(replica, "replica1")
    connections["replica1"] = replica_connection
    settings.DATABASE_REPLICAS = ["replica1"]
    yield "replica1"
    replica_connection.close()
    del connections["replica1"]
    with psycopg.connect(**server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readers_see_the_replica_and_editors_the_primary(client, replica_database, editor):
    # Different rows on each side, as during replication lag.
    site_info(name="원본신문").save(using="default")
    site_info(name="복제본신문").save(using=replica_database)
    cache.clear()

    reader_page = client.get("/").content.decode()
    assert "복제본신문" in reader_page
    assert "원본신문" not in reader_page

    cache.clear()
    client.force_login(editor)
    editor_page = client.get("/").content.decode()
    assert "원본신문" in editor_page
    assert "복제본신문" not in editor_page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_lists_and_saves_on_the_primary(client, replica_database, django_user_model):
    site_info(name="원본신문").save(using="default")
    site_info(name="복제본신문").save(using=replica_database)
    boss = django_user_model.objects.create_superuser("boss", password="x" * 14)
    client.force_login(boss)
    listing = client.get("/admin/newsroom/siteinfo/").content.decode()
    assert "원본신문" in listing
    assert "복제본신문" not in listing
    info = SiteInfo.objects.using("default").get(name="원본신문")
    response = client.post(
        f"/admin/newsroom/siteinfo/{info.pk}/change/",
        {
            "name": "원본신문",
            "tagline": "의약 전문지",
            "company": info.company,
            "address": info.address,
            "phone": info.phone,
            "registration_number": info.registration_number,
            "registration_date": "2020-01-01",
            "publisher": info.publisher,
            "editor": info.editor,
            "youth_protection_officer": info.youth_protection_officer,
        },
    )
    assert response.status_code == 302
    assert SiteInfo.objects.using("default").get(pk=info.pk).tagline == "의약 전문지"
    assert not SiteInfo.objects.using(replica_database).filter(tagline="의약 전문지").exists()
