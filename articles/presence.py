"""Who else has an article's form open: a warning for the desk, not a lock.

Each open change form beats (articles/static/articles/admin/presence.js, every BEAT_SECONDS)
and the article's admin answers with the other people editing it. What is known lives in the
shared cache only, with a TTL: an editor whose browser stops beating is gone within TTL_SECONDS;
one who leaves the page says so at once. A cache that cannot be reached (the Redis backend
reads as empty, newsroom/pagecache/redis_cache.py) means no notice, never an error. Saving is
untouched: two saves of the same version are still refused by the form's version check.

Keys: `presence:<article>:<user>` holds one editor ({name, since, seen}); `presence:<article>`
lists the user ids to look up. A member lost from that list by two beats writing it at once is
put back by its own next beat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .services import display_name

BEAT_SECONDS = 20
TTL_SECONDS = 60


@dataclass(frozen=True)
class Editor:
    name: str
    since: dt.datetime

    @property
    def since_label(self) -> str:
        """Korean time, as the notice says it: "14:05부터"."""
        return f"{timezone.localtime(self.since):%H:%M}부터"


def _members_key(article_id: int) -> str:
    return f"presence:{article_id}"


def _editor_key(article_id: int, user_id: int) -> str:
    return f"presence:{article_id}:{user_id}"


def others_editing(*, article_id: int, user, record: bool) -> list[Editor]:
    """The people other than `user` who have the article open, earliest first. With `record`,
    `user` is counted as having it open from now on: their first beat sets "since" and their
    name (a query, once); later beats only move "seen"."""
    now = timezone.now()
    members = set(cache.get(_members_key(article_id)) or ())
    keys = {_editor_key(article_id, member): member for member in members | {user.pk}}
    found = cache.get_many(list(keys))
    fresh = {
        keys[key]: entry
        for key, entry in found.items()
        if (now - entry["seen"]).total_seconds() < TTL_SECONDS
    }
    if record:
        mine = fresh.get(user.pk)
        entry = {
            "name": mine["name"] if mine else display_name(user),
            "since": mine["since"] if mine else now,
            "seen": now,
        }
        cache.set(_editor_key(article_id, user.pk), entry, TTL_SECONDS)
        fresh[user.pk] = entry
    if set(fresh) != members:
        cache.set(_members_key(article_id), set(fresh), TTL_SECONDS)
    elif fresh:
        cache.touch(_members_key(article_id), TTL_SECONDS)
    editors = [
        Editor(name=entry["name"], since=entry["since"])
        for member, entry in fresh.items()
        if member != user.pk
    ]
    return sorted(editors, key=lambda editor: (editor.since, editor.name))


def leave(*, article_id: int, user) -> None:
    """The user closed the form: others stop seeing them at their next beat."""
    cache.delete(_editor_key(article_id, user.pk))


def notice(editors: list[Editor]) -> str:
    """The Korean warning shown above the form ("" when nobody else is editing)."""
    if not editors:
        return ""
    who = ", ".join(f"{editor.name} 님이 {editor.since_label}" for editor in editors)
    return f"{who} 이 기사를 편집하고 있습니다. 저장하면 서로의 변경을 덮어쓸 수 있습니다."


def form_context(*, article, user, editing: bool) -> dict:
    """What the change form shows on load (no wait for the first beat), and counts the user
    as editing when they may change the article."""
    editors = others_editing(article_id=article.pk, user=user, record=editing)
    return {
        "presence_url": reverse("admin:articles_article_presence", args=[article.pk]),
        "presence_beat_seconds": BEAT_SECONDS,
        "presence_notice": notice(editors),
    }


def as_json(editors: list[Editor]) -> dict:
    return {
        "editors": [{"name": e.name, "since": e.since_label} for e in editors],
        "notice": notice(editors),
    }
