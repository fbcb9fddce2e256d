"""The signed links of the newsletter's mails (django.core.signing).

A token carries only the subscriber's row id; the address is part of the signing salt, so a
token is good for that address alone (a row id reused by another address later fails), and no
address ever appears in a link, a server log or a browser's history. Confirmation links expire
after NEWSLETTER_CONFIRM_DAYS; unsubscribe links never do (an old mail must still work).
"""

from django.conf import settings
from django.core import signing

from .models import Subscriber

CONFIRM_SALT = "newsroom.newsletter.confirm"
UNSUBSCRIBE_SALT = "newsroom.newsletter.unsubscribe"


class Expired(Exception):
    """A confirmation link whose time has passed (the reader may subscribe again)."""


def _confirm_signer(email: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{CONFIRM_SALT}:{email}")


def _unsubscribe_signer(email: str) -> signing.Signer:
    return signing.Signer(salt=f"{UNSUBSCRIBE_SALT}:{email}")


def confirm_token(subscriber: Subscriber) -> str:
    return _confirm_signer(subscriber.email).sign(str(subscriber.pk))


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _unsubscribe_signer(subscriber.email).sign(str(subscriber.pk))


def _row_of(token: str) -> Subscriber | None:
    number = token.partition(":")[0]
    if not (number.isascii() and number.isdigit()) or len(number) > 18:
        return None
    return Subscriber.objects.filter(pk=int(number)).first()


def subscriber_to_confirm(token: str) -> Subscriber | None:
    """The subscriber a confirmation token names, or None for a token that is not ours (or
    whose subscriber is gone); Expired for one of ours that came too late."""
    subscriber = _row_of(token)
    if subscriber is None:
        return None
    signer = _confirm_signer(subscriber.email)
    try:
        value = signer.unsign(token, max_age=settings.NEWSLETTER_CONFIRM_DAYS * 24 * 60 * 60)
    except signing.SignatureExpired:
        raise Expired from None
    except signing.BadSignature:
        return None
    return subscriber if value == str(subscriber.pk) else None


def subscriber_to_unsubscribe(token: str) -> Subscriber | None:
    """The subscriber an unsubscribe token names, or None (not ours, or already gone)."""
    subscriber = _row_of(token)
    if subscriber is None:
        return None
    try:
        value = _unsubscribe_signer(subscriber.email).unsign(token)
    except signing.BadSignature:
        return None
    return subscriber if value == str(subscriber.pk) else None
