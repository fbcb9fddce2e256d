"""Advertisers' report links: `/banners/report/<token>/`, no account needed.

The token is the link's random key (`ReportLink.key`, 128 bits) signed with Django's
TimestampSigner under a salt of its own, so a made-up or altered token is refused before any
query, and a token older than MAX_LINK_DAYS is refused whatever the row says. The row decides
the rest: it expires at `expires_at`, and the ad manager revokes it (폐기) in the admin. The
page shows only that advertiser's figures (narrowed to the link's campaign when it has one).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Advertiser, Campaign, ReportLink

SALT = "banners.report-link"
MAX_LINK_DAYS = 366
DEFAULT_DAYS = 90


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def new_key() -> str:
    return secrets.token_urlsafe(16)


def issue(
    *,
    advertiser: Advertiser,
    campaign: Campaign | None = None,
    days: int = DEFAULT_DAYS,
    by=None,
    now: datetime | None = None,
) -> ReportLink:
    now = now or timezone.now()
    days = max(1, min(days, MAX_LINK_DAYS))
    return ReportLink.objects.create(
        advertiser=advertiser,
        campaign=campaign,
        key=new_key(),
        expires_at=now + timedelta(days=days),
        created_by=by,
    )


def token_for(link: ReportLink) -> str:
    return _signer().sign(link.key)


def url_for(link: ReportLink) -> str:
    return reverse("banners:report", args=[token_for(link)])


class LinkRefused(Exception):
    """The token names no usable link: `reason` is "wrong" (404) or "expired"/"revoked" (403)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def resolve(token: str, *, now: datetime | None = None) -> ReportLink:
    now = now or timezone.now()
    try:
        key = _signer().unsign(token, max_age=timedelta(days=MAX_LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except signing.BadSignature:
        raise LinkRefused("wrong") from None
    link = ReportLink.objects.select_related("advertiser", "campaign").filter(key=key).first()
    if link is None:
        raise LinkRefused("wrong")
    if link.revoked_at is not None:
        raise LinkRefused("revoked")
    if link.expires_at <= now:
        raise LinkRefused("expired")
    return link


def revoke(*, link: ReportLink, now: datetime | None = None) -> bool:
    """Mark the link revoked; False when it already was."""
    return bool(
        ReportLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=now or timezone.now()
        )
    )
