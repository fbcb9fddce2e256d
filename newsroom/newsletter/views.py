"""The reader's newsletter pages: subscribe, confirm, unsubscribe.

None is stored by the page cache (no view marks them cacheable) and none may be kept by a
browser or a proxy: the forms carry a CSRF token, the links a reader's token. Every answer to
the subscribe form is the same whatever the address (no one learns who subscribes).
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from . import services, throttle, tokens
from .forms import CONSENT_TERMS, SubscribeForm
from .mail import ONE_CLICK

THROTTLED = "신청이 너무 잦습니다. 한 시간쯤 뒤에 다시 시도해 주세요."
# Pages reached by a reader's own link: not for search engines, canonical without the token.
TOKEN_PAGE = {"meta_robots": "noindex, nofollow", "canonical_url": "/newsletter/"}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        # Every post counts, good or bad: a script trying addresses is slowed the same.
        if not throttle.allow_client(request, limit=settings.NEWSLETTER_SUBSCRIBE_PER_HOUR):
            form.add_error(None, THROTTLED)
            status = 429
        elif form.is_valid():
            services.subscribe(email=form.cleaned_data["email"])
            return redirect("newsletter-sent")
        else:
            status = 400
    context = {"form": form, "terms": CONSENT_TERMS, "days": settings.NEWSLETTER_CONFIRM_DAYS}
    return render(request, "newsletter/subscribe.html", context, status=status)


@never_cache
@require_safe
def subscribe_sent(request):
    context = {**TOKEN_PAGE, "days": settings.NEWSLETTER_CONFIRM_DAYS}
    return render(request, "newsletter/sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET shows a button (a mail scanner opening the link confirms nothing); POST confirms."""
    try:
        subscriber = tokens.subscriber_to_confirm(token)
    except tokens.Expired:
        return _confirm_page(request, "expired", status=410)
    if subscriber is None:
        return _confirm_page(request, "invalid", status=404)
    if request.method == "POST":
        services.confirm(subscriber=subscriber)
        return _confirm_page(request, "done")
    already = subscriber.status == subscriber.Status.CONFIRMED
    return _confirm_page(request, "already" if already else "ask")


def _confirm_page(request, state: str, *, status: int = 200):
    context = {**TOKEN_PAGE, "state": state, "days": settings.NEWSLETTER_CONFIRM_DAYS}
    return render(request, "newsletter/confirm.html", context, status=status)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """The link in every mail. GET shows a button, whose form POSTs with a CSRF token; a mail
    app's one-click POST (RFC 8058: the body `List-Unsubscribe=One-Click`, no cookie, no token)
    unsubscribes at once: the signed token in the address is the proof."""
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == ONE_CLICK.split("=")[1]:
        return _unsubscribe(request, token, one_click=True)
    return _unsubscribe_with_page(request, token)


@csrf_protect
def _unsubscribe_with_page(request, token):
    return _unsubscribe(request, token, one_click=False)


def _unsubscribe(request, token, *, one_click: bool):
    subscriber = tokens.subscriber_to_unsubscribe(token)
    if subscriber is None:
        state, status = "invalid", 404
    elif request.method == "POST":
        services.unsubscribe(subscriber=subscriber)
        state, status = "done", 200
    else:
        state, status = "ask", 200
    context = {**TOKEN_PAGE, "state": state, "one_click": one_click}
    return render(request, "newsletter/unsubscribe.html", context, status=status)
