"""Banner clicks, and the frames that run ad-network tags.

Why ad tags are served from their own URL and not written into `<iframe srcdoc>`: a srcdoc
document inherits the page's Content-Security-Policy, whose `script-src` is `'self'` plus the
page's nonce, so every inline `<script>` of an ad tag (which is how ad networks ship them) was
blocked. Putting the page's nonce into the ad's scripts would make them run, but with the page's
nonce in third-party hands and with the page's policy loosened for the ad network's origins.

Instead `/banners/tag/<banner id>/` answers with the tag alone under a policy of its own: inline
scripts and the ad network's origins (`CSP_AD_SOURCES`) are allowed there and nowhere else, and
the policy's `sandbox` directive gives the document an opaque origin even when someone opens the
URL directly. The page embeds it with `<iframe sandbox="allow-scripts allow-popups
allow-popups-to-escape-sandbox">` and no `allow-same-origin`, so the ad cannot read the page,
our cookies or storage, nor reach the admin with the reader's session, exactly as in srcdoc.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from newsroom.readers import is_reader

from . import audience, charts, report_links, reports, services, viewability
from .models import validate_target_url

AD_FRAME_SANDBOX = "allow-scripts allow-popups allow-popups-to-escape-sandbox"
AD_FRAME_DOCUMENT = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
    '<meta name="robots" content="noindex">'
    "<style>html,body{{margin:0;padding:0;overflow:hidden}}</style></head>"
    "<body>{tag}</body></html>"
)


def ad_frame_policy() -> str:
    """The ad frame's own policy: the ad network's origins and inline scripts, in a sandbox."""
    ads = " ".join(getattr(settings, "CSP_AD_SOURCES", []))
    only_ads = ads or "'none'"
    directives = [
        "default-src 'none'",
        f"script-src 'unsafe-inline' {ads}",
        f"style-src 'unsafe-inline' {ads}",
        f"img-src data: {ads}",
        f"font-src data: {ads}",
        f"media-src {only_ads}",
        f"connect-src {only_ads}",
        f"frame-src {only_ads}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        f"sandbox {AD_FRAME_SANDBOX}",
    ]
    return "; ".join(" ".join(d.split()) for d in directives)


logger = logging.getLogger(__name__)


@require_safe
def click(request, placement_id: int):
    """Send the reader to the banner's stored address, and only there; count the click when it
    is honest (services.record_click: a reader, a live placement, not a repeat, after an
    impression).

    Nothing from the request (query string, path, headers) can choose the target: the
    address is the banner's own (from the slots' cached live set, or the database for a
    placement not in it) and is checked again before redirecting. A click on a live banner
    touches no database (banners/middleware.py answers it before sessions and CSRF).
    """
    now = timezone.now()
    target = services.click_target(placement_id, now=now)
    if target is None:
        raise Http404("배너를 찾을 수 없습니다.")
    try:
        validate_target_url(target.target_url)
    except ValidationError:
        raise Http404("배너의 연결 주소가 올바르지 않습니다.") from None
    try:
        reader = audience.reader_id(request, now=now)
        services.record_click(target=target, reader=reader, now=now)
    except Exception:  # the reader still gets to the advertiser
        logger.warning("banner click not counted", exc_info=True)
    response = HttpResponseRedirect(target.target_url)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "origin"
    return response


@require_safe
@xframe_options_sameorigin
def ad_tag(request, banner_id: int):
    """One ad-network tag as a document of its own, for the sandboxed frame of `_banner.html`.

    Only a tag banner that is live now is served (read from the slots' cached deliveries, so a
    frame costs no query); anything else is an empty 404 under the same sandbox policy.
    """
    tag = services.live_ad_tag(banner_id, now=timezone.now())
    if tag is None:
        response = HttpResponse("", status=404, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
    else:
        response = HttpResponse(AD_FRAME_DOCUMENT.format(tag=tag))
        # Browsers may keep a frame a little; an edited or ended tag shows within a minute.
        response["Cache-Control"] = "private, max-age=60"
    response["Content-Security-Policy"] = ad_frame_policy()
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # no session, no cookie: every count is proven by the server's own signature
@require_POST
def viewed(request):
    """The reader's browser reports banners seen (banners/viewability.py): 204 whatever was
    counted, 400 for what is not a beacon, 413 for a body too big, 429 over the client's rate.
    Touches no database and no session."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > viewability.MAX_BODY_BYTES:
        return _beacon_answer(413)
    if not is_reader(request, method="POST"):  # bots, previews, prefetches: never counted
        return _beacon_answer(204)
    try:
        tokens = viewability.parse_body(request.body)
    except viewability.BadBeacon:
        return _beacon_answer(400)
    if not tokens:
        return _beacon_answer(204)
    if viewability.record_views(request, tokens) == viewability.Beacon.LIMITED:
        return _beacon_answer(429)
    return _beacon_answer(204)


def _beacon_answer(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- Advertisers' report links (banners/report_links.py) --------------------------------------

REFUSED = {
    "wrong": (
        404,
        "보고서 링크를 찾을 수 없습니다",
        "주소가 잘못되었습니다. 받은 링크 전체를 다시 열어 보세요.",
    ),
    "expired": (403, "보고서 링크의 기한이 지났습니다", "광고 담당자에게 새 링크를 요청하세요."),
    "revoked": (403, "폐기된 보고서 링크입니다", "광고 담당자에게 새 링크를 요청하세요."),
}


def _private(response):
    """The advertiser's page: never indexed, kept only by the advertiser's own browser, and
    its address (the token) never sent on as a referrer."""
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_or_refusal(request, token: str):
    try:
        return report_links.resolve(token), None
    except report_links.LinkRefused as refused:
        status, title, message = REFUSED[refused.reason]
        response = TemplateResponse(
            request,
            "banners/report_refused.html",
            {"title": title, "message": message},
            status=status,
        )
        return None, _private(response)


def _link_period(request, link):
    today = timezone.localdate()
    default_days = 30
    if link.campaign is not None:
        first = timezone.localdate(link.campaign.starts_at)
        default_days = max(1, min((today - first).days + 1, reports.MAX_REPORT_DAYS))
    return reports.parse_period(
        request.GET.get("start"), request.GET.get("end"), default_days=default_days
    )


@require_safe
def advertiser_report(request, token: str):
    """One advertiser's figures (or one campaign's), its charts and CSV, through a signed,
    expiring, revocable link; nothing of other advertisers."""
    link, refusal = _link_or_refusal(request, token)
    if refusal is not None:
        return refusal
    try:
        services.flush_stats()
    except Exception:
        logger.warning("banner statistics not flushed for a report link", exc_info=True)
    start, end, error = _link_period(request, link)
    filters = {"advertiser": link.advertiser_id, "campaign": link.campaign_id}
    report = reports.build_report(start=start, end=end, **filters)
    response = TemplateResponse(
        request,
        "banners/advertiser_report.html",
        {
            "link": link,
            "report": report,
            "error": error,
            "charts": charts.daily_charts(report.by_day),
            "goal_chart": charts.goal_chart(report.progress),
            "csv_query": f"start={start.isoformat()}&end={end.isoformat()}",
        },
    )
    return _private(response)


@require_safe
def advertiser_report_csv(request, token: str):
    link, refusal = _link_or_refusal(request, token)
    if refusal is not None:
        return refusal
    start, end, _ = _link_period(request, link)
    body = reports.report_csv(
        start=start, end=end, advertiser=link.advertiser_id, campaign=link.campaign_id
    )
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"report-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
