"""Every existing banner joins a campaign: one per advertiser, named "<advertiser> 기존 배너".

Nothing a reader sees changes: the campaign runs from its earliest banner's start to its latest
banner's end (no end when one banner has none), is "일반" priority (all of today's banners keep
rotating together by their placements' weights), has no goal and no cap, and each banner keeps
its own dates, weight and switch. Statistics are not touched: BannerStat rows stay on their
banner and slot, so every impression and click is still counted where it was.
"""

from django.db import migrations

STANDARD = 20  # Campaign.Priority.STANDARD


def move_banners_into_campaigns(apps, schema_editor):
    Advertiser = apps.get_model("banners", "Advertiser")
    Banner = apps.get_model("banners", "Banner")
    Campaign = apps.get_model("banners", "Campaign")
    for advertiser in Advertiser.objects.filter(banners__isnull=False).distinct():
        banners = list(Banner.objects.filter(advertiser=advertiser, campaign__isnull=True))
        if not banners:
            continue
        ends = [b.ends_at for b in banners]
        campaign = Campaign.objects.create(
            advertiser=advertiser,
            name=f"{advertiser.name} 기존 배너"[:100],
            starts_at=min(b.starts_at for b in banners),
            ends_at=None if None in ends else max(ends),
            priority=STANDARD,
            is_active=True,
        )
        Banner.objects.filter(pk__in=[b.pk for b in banners]).update(campaign=campaign)


def take_banners_out_of_campaigns(apps, schema_editor):
    """Backwards: banners get their campaign's start back where they had none, and the
    migrated campaigns go."""
    Banner = apps.get_model("banners", "Banner")
    Campaign = apps.get_model("banners", "Campaign")
    for banner in Banner.objects.filter(starts_at__isnull=True).select_related("campaign"):
        Banner.objects.filter(pk=banner.pk).update(starts_at=banner.campaign.starts_at)
    Banner.objects.update(campaign=None)
    Campaign.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("banners", "0004_campaign_model")]

    operations = [
        migrations.RunPython(move_banners_into_campaigns, take_banners_out_of_campaigns)
    ]
