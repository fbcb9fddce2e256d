"""The short way through the stack for the two requests a page causes most after itself: the
view beacon and the banner click.

`POST /banners/v/` (banners/viewability.py) and `GET /banners/c/<placement id>/` (the click
redirect) have no session, no CSRF token, no user and no template, and are never pages to
cache: the page cache's lookup (a GET, and for a miss a render lock taken and let go: three
round trips to Redis) and everything the middleware after it does (sessions, locale, CSRF, auth,
the second factor, messages, axes) is work they never need. Placed right before the page
cache's middleware, this answers them at once with the same views the URLs name, inside a
counter batch of its own (newsroom.pagecache.counters: what they count goes to Redis in one
write); the security headers and the policy of the middleware before it are set as on every
response. Any other path, a click path that is not a placement's (`<int:…>`: ASCII digits,
here at most 18) and a click that is a 404 (its error page is rendered by the whole stack, as
any other) go on down the stack.
"""

from django.http import Http404
from django.urls import NoReverseMatch, reverse

from newsroom.pagecache import counters

from . import views

_UNKNOWN = object()


class BannerShortcutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path = _UNKNOWN
        self.click_prefix = None

    def _learn_paths(self) -> None:
        try:
            self.path = reverse("banners:viewed")
            click = reverse("banners:click", args=[0])
        except NoReverseMatch:  # a URLconf without the banners (some tests)
            self.path = None
            return
        self.click_prefix = click.removesuffix("0/")

    def __call__(self, request):
        with counters.batch():
            return self._respond(request)

    def _respond(self, request):
        if self.path is _UNKNOWN:
            self._learn_paths()
        path = request.path_info
        if path == self.path:
            return views.viewed(request)
        if self.click_prefix and path.startswith(self.click_prefix) and path.endswith("/"):
            number = path[len(self.click_prefix) : -1]
            if number.isascii() and number.isdigit() and len(number) <= 18:  # a bigint
                # CommonMiddleware is skipped: a click for another site is still a 400.
                request.get_host()
                try:
                    return views.click(request, int(number))
                except Http404:
                    pass
        return self.get_response(request)
