from django.apps import AppConfig


class BannersConfig(AppConfig):
    name = "banners"
    verbose_name = "광고"

    def ready(self):
        from django.core.signals import request_finished

        from newsroom import pagecache

        from . import services, signals
        from .templatetags.banner_tags import counter_keys, render_slot

        signals.connect()
        request_finished.connect(services.flush_if_due, dispatch_uid="banners.flush_if_due")
        # Cached pages draw their banners (and count them) on every request.
        pagecache.register_live_part("banner", render_slot)
        # A hit reads the reader's cap counters with the page, in one round trip.
        pagecache.register_lookup_read(counter_keys)
