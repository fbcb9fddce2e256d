"""Keep the reader site's cache honest (newsroom.pagecache.generation): a published or edited
article bumps what shows it (its own page, the pages that link to it as related, its section's
and series' article-page blocks, every list), so it shows up at once everywhere while the other
articles' pages stay cached; any other change readers see (a section, a tag, a reporter, a
photo) bumps the whole content generation. Saving a draft that was not public and is not now
changes nothing readers see, and bumps nothing.

`QuerySet.update()` sends no signal: code that changes public fields in bulk (an admin action
that publishes several articles, say) must call `newsroom.pagecache.generation.bump_generation()`
itself.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from newsroom.pagecache.generation import LISTS, bump_generation, bump_scopes, register_expiry

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


def article_scopes(article: Article, *, before: dict | None = None) -> set[str]:
    """What shows `article`: its own page, the pages listing it as related, its section's and
    series' blocks on article pages (where it was `before` too) and every list."""
    scopes = {LISTS, f"article:{article.pk}"}
    for field, scope in (("section_id", "section"), ("series_id", "series")):
        for value in {getattr(article, field), (before or {}).get(field)}:
            if value:
                scopes.add(f"{scope}:{value}")
    if article.pk is not None:
        relating = Article.related.through.objects.filter(to_article_id=article.pk)
        scopes |= {f"article:{pk}" for pk in relating.values_list("from_article_id", flat=True)}
    return scopes


def bump_article(article: Article, *, before: dict | None = None) -> None:
    """An article readers may see changed: what shows it is stale, now and again once the
    change is committed (a page rendered in between, from the old rows, must not stay)."""
    scopes = article_scopes(article, before=before)
    bump_scopes(scopes)
    transaction.on_commit(lambda: bump_scopes(scopes))


def _note_before(sender, instance, raw=False, **kwargs):
    """Before an article's save: was it published (or scheduled) until now, and where did it
    show (its section and series)?"""
    instance._before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._before = (
        sender.objects.filter(pk=instance.pk).values("status", "section_id", "series_id").first()
    )


def _bump_unless_private(sender, instance, raw=False, **kwargs):
    """A draft saved again (reporters save often while writing) changes no public page: every
    cached page would be rendered anew for nothing. Published, scheduled, and just unpublished
    articles bump what shows them."""
    before = getattr(instance, "_before", None)
    was_published = before is not None and before["status"] == Article.Status.PUBLISHED
    if instance.status == Article.Status.PUBLISHED or was_published:
        bump_article(instance, before=before)


def _bump_deleted_article(sender, instance, **kwargs):
    bump_article(instance)


def _bump_on_m2m(sender, instance, action, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Article):
        # The article's own tags, bylines, related articles or body photos.
        if instance.status == Article.Status.PUBLISHED:
            bump_article(instance)
        return
    _bump_now_and_after_commit()  # a tag's or reporter's side of the list: many articles


def _bump_notice(sender, instance, **kwargs):
    """A correction notice shows on its article's page, the feeds and /corrections/."""
    article = Article.objects.filter(pk=instance.article_id).first()
    if article is None:
        _bump_now_and_after_commit()
    else:
        bump_article(article)


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
    for model in (Section, Tag, Reporter, Series, Photo):
        uid = f"articles-cache-{model.__name__}"
        post_delete.connect(_bump, sender=model, dispatch_uid=f"{uid}-delete")
        if model is not Photo:
            post_save.connect(_bump, sender=model, dispatch_uid=f"{uid}-save")
    post_save.connect(_bump_unless_new, sender=Photo, dispatch_uid="articles-cache-Photo-save")
    for signal, action in (("save", post_save), ("delete", post_delete)):
        action.connect(
            _bump_notice, sender=CorrectionNotice, dispatch_uid=f"articles-cache-notice-{signal}"
        )
    post_delete.connect(
        _bump_deleted_article, sender=Article, dispatch_uid="articles-cache-Article-delete"
    )
    pre_save.connect(_note_before, sender=Article, dispatch_uid="articles-cache-pre")
    post_save.connect(_bump_unless_private, sender=Article, dispatch_uid="articles-cache-save")
    for through in (Article.tags.through, Article.reporters.through, Article.related.through):
        m2m_changed.connect(_bump_on_m2m, sender=through, dispatch_uid=f"articles-cache-{through}")
    register_expiry(next_scheduled_publish)
