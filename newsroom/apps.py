from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from django.apps import apps

    # post_migrate is sent once per app; permissions of every app exist after the last one.
    if sender is list(apps.get_app_configs())[-1]:
        from .roles import ensure_roles

        ensure_roles()


class NewsroomConfig(AppConfig):
    """Site-wide pieces: the publisher's footer details, roles, health check, demo data."""

    name = "newsroom"
    verbose_name = "사이트"

    def ready(self):
        post_migrate.connect(_ensure_roles, dispatch_uid="newsroom.ensure_roles")

        from . import pagecache
        from .templatetags.newsroom_tags import render_date_bar

        pagecache.register_live_part("date", render_date_bar)
