"""Keep the weather ticker honest: a station added, renamed, reordered or removed in the admin
shows on every page at once. New readings refresh the ticker where they are stored
(weather/services.py)."""

from django.db.models.signals import post_delete, post_save

from .models import Station
from .ticker import forget_ticker


def _forget_ticker(sender, **kwargs):
    forget_ticker()


def connect() -> None:
    post_save.connect(_forget_ticker, sender=Station, dispatch_uid="weather-ticker-station-save")
    post_delete.connect(
        _forget_ticker, sender=Station, dispatch_uid="weather-ticker-station-delete"
    )
