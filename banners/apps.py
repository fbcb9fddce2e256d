from django.apps import AppConfig


class BannersConfig(AppConfig):
    name = "banners"
    verbose_name = "광고"

    def ready(self):
        from django.core.signals import request_finished
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from . import services
        from .models import Advertiser, Banner, BannerSlot, Placement

        def forget(sender, **kwargs):
            # Now, and again after the commit: a page read in between must not keep old data.
            services.forget_deliveries()
            transaction.on_commit(services.forget_deliveries)

        for model in (Advertiser, Banner, BannerSlot, Placement):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"banners.{model}.s")
            post_delete.connect(forget, sender=model, weak=False, dispatch_uid=f"banners.{model}.d")
        request_finished.connect(services.flush_if_due, dispatch_uid="banners.flush_if_due")

        from newsroom import pagecache

        from .templatetags.banner_tags import render_slot

        # Cached pages draw their banners (and count them) on every request.
        pagecache.register_live_part("banner", render_slot)
