"""Keep banner delivery honest: a campaign, banner, slot, placement or advertiser changed in the
admin is served from the next request on (banners/services.py keeps the live placements in
memory)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import services
from .models import Advertiser, Banner, BannerSlot, Campaign, Placement


def _forget_deliveries(sender, **kwargs):
    # Now, and again after the commit: a page read in between must not keep old data.
    services.forget_deliveries()
    transaction.on_commit(services.forget_deliveries)


def connect() -> None:
    for model in (Advertiser, Campaign, Banner, BannerSlot, Placement):
        uid = f"banners-deliveries-{model.__name__}"
        post_save.connect(_forget_deliveries, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_forget_deliveries, sender=model, dispatch_uid=f"{uid}-delete")
