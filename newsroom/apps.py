from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from django.apps import apps

    # post_migrate is sent once per app; permissions of every app exist after the last one.
    if sender is list(apps.get_app_configs())[-1]:
        from .site.roles import ensure_roles

        ensure_roles()


# django-axes and django-otp ship no Korean: their apps and models get Korean names here (at
# run time only: migrations keep the libraries' own), their field labels from locale/ko.
KOREAN_NAMES = {
    "axes": (
        "로그인 기록",
        {
            "accessattempt": "로그인 잠금",
            "accesslog": "로그인 성공 기록",
            "accessfailurelog": "로그인 실패 기록",
            "accessattemptexpiration": "로그인 잠금 만료",
        },
    ),
    "otp_totp": ("2단계 인증: 인증 앱", {"totpdevice": "인증 앱"}),
    "otp_static": (
        "2단계 인증: 백업 코드",
        {"staticdevice": "백업 코드", "statictoken": "백업 코드 값"},
    ),
}


def _korean_names(apps) -> None:
    for label, (app_name, models) in KOREAN_NAMES.items():
        config = apps.get_app_config(label)
        config.verbose_name = app_name
        for model_name, name in models.items():
            meta = config.get_model(model_name)._meta
            meta.verbose_name = meta.verbose_name_plural = name


class NewsroomConfig(AppConfig):
    """Site-wide pieces: the publisher's footer details, roles, health check, demo data."""

    name = "newsroom"
    verbose_name = "사이트"

    def ready(self):
        from django.apps import apps

        _korean_names(apps)
        from .accounts import staff  # noqa: F401  (its user_logged_in receiver stamps staff sessions)
        from .site import signals

        signals.connect()

        post_migrate.connect(_ensure_roles, dispatch_uid="newsroom.ensure_roles")

        from .pagecache import pages as pagecache
        from .site.breaking import render_breaking
        from .templatetags.newsroom_tags import render_date_bar

        pagecache.register_live_part("date", render_date_bar)
        pagecache.register_live_part("breaking", render_breaking)
