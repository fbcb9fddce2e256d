"""Keep the reader site's cache honest: any change to what readers see bumps the content
generation (newsroom.pagecache.generation), so a published or edited article shows up at once
everywhere. Saving a draft that was not public and is not now changes nothing readers see, and bumps
nothing.

`QuerySet.update()` sends no signal: code that changes public fields in bulk (an admin action
that publishes several articles, say) must call `newsroom.pagecache.generation.bump_generation()`
itself.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from newsroom.pagecache.generation import bump_generation, register_expiry

from .models import Article, CorrectionNotice, Photo, Reporter, Section, Series, Tag


def _bump_now_and_after_commit() -> None:
    # Now, and again once the change is committed: a reader's page rendered in between (the
    # new generation, the old rows) must not stay in the cache as the new version.
    bump_generation()
    transaction.on_commit(bump_generation)


def _bump(sender, **kwargs):
    _bump_now_and_after_commit()


def _bump_unless_new(sender, instance, created=False, **kwargs):
    """A photo just put into the library is on no page yet (uploads come all day long)."""
    if not created:
        _bump_now_and_after_commit()


def _note_if_public_before(sender, instance, raw=False, **kwargs):
    """Before an article's save: was it published (or scheduled) until now? Asked only when
    it is not published now (a published article bumps anyway)."""
    if raw or instance._state.adding or instance.pk is None:
        instance._was_published = False
        return
    if instance.status == Article.Status.PUBLISHED:
        instance._was_published = True
        return
    instance._was_published = sender.objects.filter(
        pk=instance.pk, status=Article.Status.PUBLISHED
    ).exists()


def _bump_unless_private(sender, instance, **kwargs):
    """A draft saved again (reporters save often while writing) changes no public page: every
    cached page would be rendered anew for nothing. Published, scheduled, and just unpublished
    articles bump."""
    if instance.status == Article.Status.PUBLISHED or getattr(instance, "_was_published", True):
        _bump_now_and_after_commit()


def _bump_on_m2m(sender, instance, action, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    own_list = sender in (Article.tags.through, Article.reporters.through)
    if own_list and isinstance(instance, Article) and instance.status != Article.Status.PUBLISHED:
        return  # a draft's own tags or bylines
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
    # A correction notice is on its article's page, the feeds and /corrections/; a photo's
    # caption, credit and renditions (a focal point move cuts new ones) on every page using it.
    for model in (Article, Section, Tag, Reporter, CorrectionNotice, Series, Photo):
        uid = f"articles-cache-{model.__name__}"
        post_delete.connect(_bump, sender=model, dispatch_uid=f"{uid}-delete")
        if model not in (Article, Photo):
            post_save.connect(_bump, sender=model, dispatch_uid=f"{uid}-save")
    post_save.connect(_bump_unless_new, sender=Photo, dispatch_uid="articles-cache-Photo-save")
    pre_save.connect(_note_if_public_before, sender=Article, dispatch_uid="articles-cache-pre")
    post_save.connect(_bump_unless_private, sender=Article, dispatch_uid="articles-cache-save")
    for through in (Article.tags.through, Article.reporters.through, Article.related.through):
        m2m_changed.connect(_bump_on_m2m, sender=through, dispatch_uid=f"articles-cache-{through}")
    register_expiry(next_scheduled_publish)
