"""Keep the reader site's cache honest: any change to what readers see bumps the content
generation (newsroom.cache), so a published or edited article shows up at once everywhere.

`QuerySet.update()` sends no signal: code that changes public fields in bulk (an admin action
that publishes several articles, say) must call `newsroom.cache.bump_generation()` itself.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from newsroom.cache import bump_generation, register_expiry

from .models import Article, Reporter, Section, Tag


def _bump_now_and_after_commit() -> None:
    # Now, and again once the change is committed: a reader's page rendered in between (the
    # new generation, the old rows) must not stay in the cache as the new version.
    bump_generation()
    transaction.on_commit(bump_generation)


def _bump(sender, **kwargs):
    _bump_now_and_after_commit()


def _bump_on_m2m(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        _bump_now_and_after_commit()


def next_scheduled_publish():
    """When the next scheduled article becomes public by itself (None when none is waiting)."""
    return (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def connect() -> None:
    for model in (Article, Section, Tag, Reporter):
        uid = f"articles-cache-{model.__name__}"
        post_save.connect(_bump, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"{uid}-delete")
    for through in (Article.tags.through, Article.reporters.through, Article.related.through):
        m2m_changed.connect(_bump_on_m2m, sender=through, dispatch_uid=f"articles-cache-{through}")
    register_expiry(next_scheduled_publish)
