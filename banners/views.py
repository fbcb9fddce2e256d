import logging

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from . import services
from .models import Banner, Placement, validate_target_url

logger = logging.getLogger(__name__)


@require_safe
def click(request, placement_id: int):
    """Count a click and send the reader to the banner's stored address, and only there.

    Nothing from the request (query string, path, headers) can choose the target: the
    address comes from the database and is checked again before redirecting.
    """
    placement = get_object_or_404(
        Placement.objects.select_related("banner"),
        pk=placement_id,
        banner__kind=Banner.Kind.IMAGE,
    )
    target = placement.banner.target_url
    try:
        validate_target_url(target)
    except ValidationError:
        raise Http404("배너의 연결 주소가 올바르지 않습니다.") from None
    if services.should_count(request):
        try:
            services.record_click(placement=placement)
        except Exception:  # the reader still gets to the advertiser
            logger.warning("banner click not counted", exc_info=True)
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "origin"
    return response
