"""Migrations 0004–0006: existing banners and placements move into campaigns, one per
advertiser, and not a single impression or click is lost or moved."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from banners.models import Banner, BannerStat, Campaign, Placement

BEFORE = [("banners", "0003_store_image_sizes")]
START = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_banners_move_into_one_campaign_per_advertiser_with_every_count_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    OldAdvertiser = apps.get_model("banners", "Advertiser")
    OldBanner = apps.get_model("banners", "Banner")
    OldPlacement = apps.get_model("banners", "Placement")
    OldStat = apps.get_model("banners", "BannerStat")
    OldSlot = apps.get_model("banners", "BannerSlot")
    slots = list(OldSlot.objects.order_by("pk")[:2])
    hanbit = OldAdvertiser.objects.create(name="한빛제약")
    nuri = OldAdvertiser.objects.create(name="누리바이오")
    OldAdvertiser.objects.create(name="광고 없는 광고주")

    def banner(owner, name, start_days, end_days, **fields):
        return OldBanner.objects.create(
            advertiser=owner,
            name=name,
            alt_text=name,
            target_url="https://ads.example.com/",
            image="banners/x.png",
            image_width=300,
            image_height=250,
            starts_at=START + timedelta(days=start_days),
            ends_at=START + timedelta(days=end_days) if end_days is not None else None,
            **fields,
        )

    spring = banner(hanbit, "봄", 0, 30, weight=3)
    summer = banner(hanbit, "여름", 20, 60, is_active=False)
    trial = banner(nuri, "임상", 5, None)
    placements = {
        (b.name, s.pk): OldPlacement.objects.create(banner=b, slot=s, weight=w).pk
        for b, w in ((spring, 3), (summer, 1), (trial, 2))
        for s in slots
    }
    stats = {}
    for offset in range(5):
        for b in (spring, summer, trial):
            for s in slots:
                day = date(2026, 3, 1) + timedelta(days=offset)
                row = OldStat.objects.create(
                    banner=b, slot=s, day=day, impressions=1000 + offset * 7 + b.pk, clicks=offset
                )
                stats[row.pk] = (b.pk, s.pk, day, row.impressions, row.clicks)
    totals = (sum(v[3] for v in stats.values()), sum(v[4] for v in stats.values()))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    after = {
        s.pk: (s.banner_id, s.slot_id, s.day, s.impressions, s.clicks)
        for s in BannerStat.objects.all()
    }
    assert after == stats  # every row where it was, with the same figures
    assert sum(v[3] for v in after.values()) == totals[0]
    assert sum(v[4] for v in after.values()) == totals[1]
    assert set(BannerStat.objects.values_list("flagged_clicks", flat=True)) == {0}

    campaigns = {c.advertiser.name: c for c in Campaign.objects.select_related("advertiser")}
    assert set(campaigns) == {"한빛제약", "누리바이오"}  # one per advertiser with banners
    first = campaigns["한빛제약"]
    assert first.name == "한빛제약 기존 배너"
    assert (first.starts_at, first.ends_at) == (START, START + timedelta(days=60))
    assert campaigns["누리바이오"].ends_at is None  # a banner with no end: no end
    for c in campaigns.values():
        assert (c.priority, c.goal_impressions, c.daily_cap, c.is_active) == (
            Campaign.Priority.STANDARD,
            None,
            None,
            True,
        )
    by_name = {b.name: b for b in Banner.objects.all()}
    assert by_name["봄"].campaign == by_name["여름"].campaign == first
    assert by_name["임상"].campaign == campaigns["누리바이오"]
    # Each banner keeps its own period, weight and switch, so what is live is unchanged.
    assert by_name["봄"].starts_at == START and by_name["봄"].weight == 3
    assert by_name["여름"].is_active is False
    assert {
        (p.banner.name, p.slot_id): p.pk for p in Placement.objects.select_related("banner")
    } == placements
    moment = START + timedelta(days=25)
    live = set(Placement.objects.live_at(moment).values_list("banner__name", flat=True))
    assert live == {"봄", "임상"}
