from django.apps import AppConfig


class WeatherConfig(AppConfig):
    name = "weather"
    verbose_name = "날씨"

    def ready(self):
        from newsroom import pagecache

        from . import signals

        signals.connect()

        from .templatetags.weather_tags import render_ticker

        # Cached pages show the ticker of the moment they are served.
        pagecache.register_live_part("weather", render_ticker)
