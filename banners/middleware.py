"""The view beacon's short way through the stack.

`POST /banners/v/` (banners/viewability.py) has no session, no CSRF token, no user and no
template: everything the middleware after the page cache does (sessions, locale, CSRF, auth,
the second factor, messages, axes) is work it never needs, and it is the most frequent request
a page causes after the page itself. Placed right after the page cache's middleware (which opens
the request's counter batch), this answers it at once with the same view the URL names; the
security headers and the policy of the middleware before it are set as on every response.
"""

from django.urls import NoReverseMatch, reverse

from . import views

_UNKNOWN = object()


class ViewBeaconMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path = _UNKNOWN

    def __call__(self, request):
        if self.path is _UNKNOWN:
            try:
                self.path = reverse("banners:viewed")
            except NoReverseMatch:  # a URLconf without the banners (some tests)
                self.path = None
        if request.path_info == self.path:
            return views.viewed(request)
        return self.get_response(request)
