"""`{% weather_ticker %}`: the weather ticker of the top bar (empty until readings exist)."""

from django import template

register = template.Library()


@register.simple_tag
def weather_ticker() -> str:
    return ""
