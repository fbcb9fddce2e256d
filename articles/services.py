"""The editorial workflow: every change of an article's status goes through here.

작성중 (draft) → 출고대기 (submitted) → 게재 (published, possibly scheduled) → 게재중지 (withdrawn).
Each function checks the actor's permission on the server, refuses a move the workflow does not
allow with a Korean message, saves, and writes the step into the article's history.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from newsroom.pictures import process_image

from .models import (
    EDIT_ANY_PERMISSION,
    Article,
    ArticleEvent,
    ArticleRevision,
    CorrectionNotice,
    Photo,
    Reporter,
    Section,
    Tag,
)
from .photos import fit_body_photos, make_renditions

Status = Article.Status
Action = ArticleEvent.Action

PUBLISH_PERMISSION = "articles.publish_article"
HEADLINE_PERMISSION = "articles.set_headline"


def display_name(user) -> str:
    """How the desk names a user: their byline, else their full name, else the username."""
    if user is None:
        return ""
    reporter = getattr(user, "reporter", None)
    if reporter is not None:
        return reporter.name
    return user.get_full_name() or user.get_username()


def record_event(
    *,
    article: Article,
    action: str,
    by,
    note: str = "",
    revision: ArticleRevision | None = None,
) -> ArticleEvent:
    """One step in the article's history, linked to the 판 it made or acted on (by default the
    article's newest)."""
    if revision is None:
        revision = article.revisions.only("pk").first()
    return ArticleEvent.objects.create(
        article=article,
        action=action,
        actor=by,
        actor_name=display_name(by),
        note=note[:300],
        revision=revision,
    )


# --- revisions (판) ----------------------------------------------------------------------------

# What a 판 keeps: a change to any of these makes a new one.
REVISED_FIELDS = (*Article.CONTENT_FIELDS, "tags")


def revision_snapshot(*, article: Article) -> dict:
    """The article's content as stored now, as the fields of an ArticleRevision."""
    section = article.section if article.section_id else None
    return {
        "title": article.title,
        "subtitle": article.subtitle,
        "body": article.body,
        "section_id": article.section_id,
        "section_name": section.name if section else "",
        "byline": [
            {"id": pk, "name": name}
            for pk, name in article.reporters.order_by("pk").values_list("pk", "name")
        ],
        "tags": list(article.tags.order_by("name").values_list("name", flat=True)),
        "lead_photo_id": article.lead_photo_id,
        "lead_photo_caption": article.lead_photo_caption,
        "notices": [
            {"kind": kind, "text": text}
            for kind, text in CorrectionNotice.objects.shown()
            .filter(article=article)
            .order_by("published_at", "pk")
            .values_list("kind", "text")
        ],
    }


def revision_record(*, article: Article, by, note: str = "") -> ArticleRevision:
    """Store the article's current content as its next 판. Callers hold the article's row (the
    admin's save and article_restore lock it), so two saves cannot take the same number."""
    last = article.revisions.aggregate(last=Max("number"))["last"] or 0
    return ArticleRevision.objects.create(
        article=article,
        number=last + 1,
        created_by=by,
        created_by_name=display_name(by),
        note=note[:300],
        **revision_snapshot(article=article),
    )


def revision_ensure_base(*, article_id: int) -> None:
    """An article written around the desk (an import, a script) has no 판 yet: before its first
    edit, keep what it was, so the edit can be compared and undone."""
    if ArticleRevision.objects.filter(article_id=article_id).exists():
        return
    stored = Article.objects.select_related("section").defer("search_document").get(pk=article_id)
    revision_record(article=stored, by=None, note="이전 상태")


@transaction.atomic
def article_record_save(*, article: Article, by, created: bool, edited: list[str], note: str = ""):
    """What the admin's save leaves behind, once the article and its links are stored: a new 판
    when its content changed (always for a new article), and the 작성/수정 step linked to it. A
    save that changes nothing records nothing."""
    if created:
        revision = revision_record(article=article, by=by)
        return record_event(article=article, action=Action.CREATED, by=by, revision=revision)
    if not edited:
        return None
    revision = None
    if set(edited) & set(REVISED_FIELDS):
        revision = revision_record(article=article, by=by)
    return record_event(article=article, action=Action.EDITED, by=by, note=note, revision=revision)


def article_sync_body_photos(*, article: Article) -> list[int]:
    """After a save: the body's library figures point at their photos' current renditions (a
    plain update of the stored body when they did not: no new version, nothing a reader reads
    changed), and body_photos lists exactly the photos the body shows, which is what the
    library's "where used" and its refusal to delete a photo in use read. A figure naming a
    photo that does not exist loses the claim (its data-photo); it can bring in nothing."""
    body, photo_ids = fit_body_photos(article.body)
    if body != article.body:
        article.body = body
        Article.objects.filter(pk=article.pk).update(body=body)
    article.body_photos.set(photo_ids)
    return photo_ids


@transaction.atomic
def article_restore(*, article: Article, revision: ArticleRevision, by) -> ArticleRevision:
    """Put an older 판's content back: the article takes its fields (through the same save as
    an edit: sanitized, a new version, the 수정 time moved once published), and the restore is
    itself a new 판. Who may not edit the article now (a reporter, once it is published) may not
    restore either."""
    article = (
        Article.objects.select_for_update(of=("self",)).select_related("section").get(pk=article.pk)
    )
    if not can_edit(article=article, user=by):
        raise PermissionDenied("이 기사를 복원할 권한이 없습니다.")
    if revision.article_id != article.pk:
        raise ValidationError("이 기사의 판이 아닙니다.")
    current = revision_snapshot(article=article)
    wanted = {
        "title": revision.title,
        "subtitle": revision.subtitle,
        "body": revision.body,
        "lead_photo_caption": revision.lead_photo_caption,
    }
    edited = [name for name, value in wanted.items() if current[name] != value]
    for name in edited:
        setattr(article, name, wanted[name])
    # The lead photo as it was; one deleted from the library since cannot come back.
    if revision.lead_photo_id != article.lead_photo_id:
        article.lead_photo_id = revision.lead_photo_id
        edited.append("lead_photo")
    # Links to what no longer exists (a deleted section, tag or byline) cannot come back.
    section = (
        Section.objects.filter(pk=revision.section_id).first() if revision.section_id else None
    )
    if (section.pk if section else None) != article.section_id:
        article.section = section
        edited.append("section")
    reporters = list(Reporter.objects.filter(pk__in=[e.get("id") for e in revision.byline]))
    if {r.pk for r in reporters} != {e["id"] for e in current["byline"]}:
        edited.append("reporters")
    tags = list(Tag.objects.filter(name__in=revision.tags))
    if {t.name for t in tags} != set(current["tags"]):
        edited.append("tags")
    if not edited:
        raise ValidationError(f"지금 기사가 이미 {revision.number}판과 같습니다.")
    article.note_edit(edited)
    article.save()
    if "reporters" in edited:
        article.reporters.set(reporters)
    if "tags" in edited:
        article.tags.set(tags)
    article_sync_body_photos(article=article)
    restored = revision_record(article=article, by=by, note=f"{revision.number}판으로 복원")
    record_event(
        article=article,
        action=Action.RESTORED,
        by=by,
        note=f"{revision.number}판으로 복원",
        revision=restored,
    )
    return restored


def can_edit(*, article: Article, user) -> bool:
    """Desk editors edit every article; a reporter only their own drafts and submitted ones."""
    if not user.has_perm("articles.change_article"):
        return False
    if user.has_perm(EDIT_ANY_PERMISSION):
        return True
    return article.status in (Status.DRAFT, Status.SUBMITTED) and article.is_owned_by(user)


def _require(user, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied(message)


def _require_section(article: Article) -> None:
    if article.section_id is None:
        raise ValidationError({"section": "게재하려면 섹션을 선택하세요."})


@transaction.atomic
def article_submit(*, article: Article, by) -> Article:
    """A reporter sends the draft to the desk."""
    if not can_edit(article=article, user=by):
        raise PermissionDenied("이 기사를 출고할 권한이 없습니다.")
    if article.status != Status.DRAFT:
        raise ValidationError("작성중인 기사만 출고할 수 있습니다.")
    article.status = Status.SUBMITTED
    article.save(update_fields=["status"])
    record_event(article=article, action=Action.SUBMITTED, by=by)
    return article


@transaction.atomic
def article_return(*, article: Article, by, note: str = "") -> Article:
    """The desk sends a submitted article back to its reporter as a draft."""
    _require(by, PUBLISH_PERMISSION, "기사를 반려할 권한이 없습니다.")
    if article.status != Status.SUBMITTED:
        raise ValidationError("출고대기 중인 기사만 반려할 수 있습니다.")
    article.status = Status.DRAFT
    article.save(update_fields=["status"])
    record_event(article=article, action=Action.RETURNED, by=by, note=note)
    return article


@transaction.atomic
def article_publish(*, article: Article, by, now: datetime | None = None) -> Article:
    """Publish now. A withdrawn article that is published again keeps its first publish time."""
    _require(by, PUBLISH_PERMISSION, "기사를 게재할 권한이 없습니다.")
    _require_section(article)
    now = now or timezone.now()
    if article.status == Status.PUBLISHED and article.is_public(now):
        raise ValidationError("이미 게재된 기사입니다.")
    if article.published_at is None or article.published_at > now:
        article.published_at = now
    article.status = Status.PUBLISHED
    article.save(update_fields=["status", "published_at"])
    record_event(article=article, action=Action.PUBLISHED, by=by)
    return article


@transaction.atomic
def article_schedule(
    *, article: Article, by, at: datetime | None, now: datetime | None = None
) -> Article:
    """Publish at a future time: the published queryset shows it by itself when the time comes."""
    _require(by, PUBLISH_PERMISSION, "기사를 예약 게재할 권한이 없습니다.")
    _require_section(article)
    now = now or timezone.now()
    if at is None:
        raise ValidationError({"published_at": "예약 게재할 일시를 입력하세요."})
    if at <= now:
        raise ValidationError(
            {"published_at": "예약 게재 일시가 이미 지났습니다. 지금 이후의 일시를 입력하세요."}
        )
    if article.status == Status.PUBLISHED and article.is_public(now):
        raise ValidationError("이미 게재된 기사는 예약할 수 없습니다. 먼저 게재중지하세요.")
    article.status = Status.PUBLISHED
    article.published_at = at
    article.save(update_fields=["status", "published_at"])
    local = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    record_event(article=article, action=Action.SCHEDULED, by=by, note=f"{local} 게재 예약")
    return article


@transaction.atomic
def article_withdraw(*, article: Article, by) -> Article:
    """Take a published (or scheduled) article off the site without deleting it."""
    _require(by, PUBLISH_PERMISSION, "기사를 게재중지할 권한이 없습니다.")
    if article.status != Status.PUBLISHED:
        raise ValidationError("게재 중인 기사만 게재중지할 수 있습니다.")
    article.status = Status.WITHDRAWN
    fields = ["status"]
    if article.is_headline:
        article.is_headline = False
        fields.append("is_headline")
    article.save(update_fields=fields)
    record_event(article=article, action=Action.WITHDRAWN, by=by)
    return article


@transaction.atomic
def article_set_headline(*, article: Article, by, order: int | None = None) -> Article:
    _require(by, HEADLINE_PERMISSION, "헤드라인을 지정할 권한이 없습니다.")
    if article.status != Status.PUBLISHED:
        raise ValidationError("게재된 기사만 헤드라인으로 지정할 수 있습니다.")
    article.is_headline = True
    if order is not None:
        article.headline_order = order
    article.save(update_fields=["is_headline", "headline_order"])
    record_event(article=article, action=Action.HEADLINE_SET, by=by)
    return article


@transaction.atomic
def article_clear_headline(*, article: Article, by) -> Article:
    _require(by, HEADLINE_PERMISSION, "헤드라인을 해제할 권한이 없습니다.")
    if not article.is_headline:
        raise ValidationError("헤드라인이 아닌 기사입니다.")
    article.is_headline = False
    article.save(update_fields=["is_headline"])
    record_event(article=article, action=Action.HEADLINE_CLEARED, by=by)
    return article


# --- 정정·반론·추후보도 ------------------------------------------------------------------------

NOTICE_ADD_PERMISSION = "articles.add_correctionnotice"
NOTICE_CHANGE_PERMISSION = "articles.change_correctionnotice"


def _note_notice_edit(article: Article, now: datetime, *, by, note: str) -> ArticleRevision:
    """A notice is part of what readers see: adding, amending or withdrawing one is an edit of
    the article (the public 수정 time moves, open forms of the article become stale) and makes a
    new 판 holding the notices as readers now see them. Returns that 판."""
    article.content_changed_at = now
    article.save(update_fields=["content_changed_at"])
    return revision_record(article=article, by=by, note=note)


def _hold_for_notice(article_id: int) -> Article:
    """Lock the article's row (its 판 numbers) and keep what it was before the notice changes,
    when it has no 판 yet."""
    article = Article.objects.select_for_update(of=("self",)).get(pk=article_id)
    revision_ensure_base(article_id=article_id)
    return article


@transaction.atomic
def notice_add(
    *, article: Article, kind: str, text: str, by, now: datetime | None = None
) -> CorrectionNotice:
    """The desk attaches a 정정보도, 반론보도 or 추후보도 to a published article."""
    _require(by, NOTICE_ADD_PERMISSION, "정정·반론보도를 게시할 권한이 없습니다.")
    now = now or timezone.now()
    if not article.is_public(now):
        raise ValidationError("게재 중인 기사에만 정정·반론보도를 붙일 수 있습니다.")
    article = _hold_for_notice(article.pk)
    notice = CorrectionNotice(
        article=article, kind=kind, text=text, published_at=now, created_by=by
    )
    notice.full_clean()
    notice.save()
    revision = _note_notice_edit(article, now, by=by, note=f"{notice.get_kind_display()} 게시")
    record_event(
        article=article,
        action=Action.CORRECTION_ADDED,
        by=by,
        note=notice.plain,
        revision=revision,
    )
    return notice


@transaction.atomic
def notice_amend(
    *, notice: CorrectionNotice, kind: str, text: str, by, now: datetime | None = None
) -> CorrectionNotice:
    """A new wording of a standing notice; the earlier one is kept in `previous`."""
    _require(by, NOTICE_CHANGE_PERMISSION, "정정·반론보도를 수정할 권한이 없습니다.")
    if not notice.is_shown:
        raise ValidationError("삭제된 정정·반론보도는 수정할 수 없습니다.")
    if kind == notice.kind and text == notice.text:
        return notice
    now = now or timezone.now()
    _hold_for_notice(notice.article_id)
    before = {
        "kind": notice.kind,
        "text": notice.text,
        "until": now.isoformat(),
        "by": display_name(by),
    }
    notice.kind, notice.text = kind, text
    notice.full_clean()
    notice.previous = [*notice.previous, before]
    notice.amended_at = now
    notice.save()
    revision = _note_notice_edit(
        notice.article, now, by=by, note=f"{notice.get_kind_display()} 수정"
    )
    record_event(
        article=notice.article,
        action=Action.CORRECTION_AMENDED,
        by=by,
        note=notice.plain,
        revision=revision,
    )
    return notice


@transaction.atomic
def notice_withdraw(
    *, notice: CorrectionNotice, by, reason: str, now: datetime | None = None
) -> CorrectionNotice:
    """Take a notice off the site: it is kept, with who removed it, when and why."""
    _require(by, NOTICE_CHANGE_PERMISSION, "정정·반론보도를 삭제할 권한이 없습니다.")
    if not notice.is_shown:
        raise ValidationError("이미 삭제된 정정·반론보도입니다.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"withdrawal_reason": "삭제 사유를 입력하세요."})
    now = now or timezone.now()
    _hold_for_notice(notice.article_id)
    notice.withdrawn_at, notice.withdrawn_by, notice.withdrawal_reason = now, by, reason[:200]
    notice.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    revision = _note_notice_edit(
        notice.article, now, by=by, note=f"{notice.get_kind_display()} 삭제"
    )
    record_event(
        article=notice.article,
        action=Action.CORRECTION_WITHDRAWN,
        by=by,
        note=f"{notice.get_kind_display()} 삭제: {reason}",
        revision=revision,
    )
    return notice


WORKFLOW = {
    "_submit": article_submit,
    "_return": article_return,
    "_publish": article_publish,
    "_withdraw": article_withdraw,
}


def available_moves(*, article: Article, user, now: datetime | None = None) -> list[str]:
    """The workflow buttons the user may press on this article (the server checks again)."""
    now = now or timezone.now()
    moves = []
    adding = article.pk is None
    may_write = (
        user.has_perm("articles.add_article") if adding else can_edit(article=article, user=user)
    )
    if may_write and article.status == Status.DRAFT:
        moves.append("_submit")
    if user.has_perm(PUBLISH_PERMISSION):
        if article.status == Status.SUBMITTED:
            moves.append("_return")
        if not (article.status == Status.PUBLISHED and article.is_public(now)):
            moves += ["_publish", "_schedule"]
        if article.status == Status.PUBLISHED:
            moves.append("_withdraw")
    return moves


MOVE_LABELS = {
    "_submit": "출고 (데스크로 보내기)",
    "_return": "반려 (기자에게 돌려보내기)",
    "_publish": "지금 게재",
    "_schedule": "예약 게재",
    "_withdraw": "게재중지",
}


# The photo library (사진). -------------------------------------------------------------------

PHOTO_ADD_PERMISSION = "articles.add_photo"
PHOTO_CHANGE_PERMISSION = "articles.change_photo"
PHOTO_DELETE_PERMISSION = "articles.delete_photo"


def photo_shown_to_readers(*, photo: Photo) -> bool:
    """Whether a published article shows the photo (as its lead photo or in its body)."""
    return Article.objects.published().filter(Q(lead_photo=photo) | Q(body_photos=photo)).exists()


def can_change_photo(*, photo: Photo, user) -> bool:
    """The desk describes and re-crops every photo. A reporter changes the photos they uploaded
    while no published article shows them: after that a new caption or crop is a change
    readers see, which is the desk's call (as for a published article itself)."""
    if not user.has_perm(PHOTO_CHANGE_PERMISSION):
        return False
    if user.has_perm(EDIT_ANY_PERMISSION):
        return True
    return (
        photo.uploaded_by_id is not None
        and photo.uploaded_by_id == user.pk
        and not photo_shown_to_readers(photo=photo)
    )


def can_delete_photo(*, photo: Photo, user) -> bool:
    """Who may delete the photo if it is unused: the desk any photo, a reporter their own
    uploads (a wrong file, a duplicate). A photo in use is refused to everyone (photo_delete)."""
    if not user.has_perm(PHOTO_DELETE_PERMISSION):
        return False
    if user.has_perm(EDIT_ANY_PERMISSION):
        return True
    return photo.uploaded_by_id is not None and photo.uploaded_by_id == user.pk


class PhotoInUse(ValidationError):
    """A photo that an article shows cannot be deleted; the message says where it is used."""


def photo_add(
    *,
    upload,
    by,
    caption: str = "",
    credit: str = "",
    licence: str = "",
    keywords: str = "",
    taken_at: datetime | None = None,
    focal_x: float = 0.5,
    focal_y: float = 0.5,
) -> Photo:
    """Put one uploaded picture into the library: through the upload pipeline (verified by
    content, re-encoded, metadata stripped; ImageRejected with a Korean message otherwise),
    stored under a name of our own, with every rendition made now."""
    if by is not None and not by.has_perm(PHOTO_ADD_PERMISSION):
        raise PermissionDenied("사진을 올릴 권한이 없습니다.")
    processed = process_image(upload)
    name, _ = processed.filenames()
    photo = Photo(
        caption=caption.strip(),
        credit=credit.strip(),
        licence=licence.strip(),
        keywords=keywords.strip(),
        taken_at=taken_at,
        focal_x=focal_x,
        focal_y=focal_y,
        uploaded_by=by,
        width=processed.width,
        height=processed.height,
        file_size=len(processed.content),
    )
    photo.full_clean(exclude=["image"])
    photo.image.save(name, ContentFile(processed.content), save=False)
    photo.save()
    make_renditions(photo)
    return photo


def photo_set_focal(*, photo: Photo, focal_x: float, focal_y: float, by) -> Photo:
    """Move the focal point: the photo's cropped renditions are cut again around it."""
    if by is not None and not can_change_photo(photo=photo, user=by):
        raise PermissionDenied("이 사진의 초점을 바꿀 권한이 없습니다.")
    if not (0 <= focal_x <= 1 and 0 <= focal_y <= 1):
        raise ValidationError("초점은 사진 안의 한 점이어야 합니다.")
    photo.focal_x, photo.focal_y = round(focal_x, 3), round(focal_y, 3)
    photo.save(update_fields=["focal_x", "focal_y"])
    make_renditions(photo)
    return photo


def photo_uses(*, photo: Photo) -> list[tuple[str, Article]]:
    """Where the photo appears: ("대표 사진" | "본문", article) pairs, newest article first."""
    uses = [("대표 사진", a) for a in photo.lead_of.only("pk", "title", "status")]
    uses += [("본문", a) for a in photo.in_bodies.only("pk", "title", "status")]
    return uses


def photo_delete(*, photo: Photo, by) -> None:
    """Delete an unused photo with its files; a photo in use is refused, naming the articles."""
    if by is not None and not can_delete_photo(photo=photo, user=by):
        raise PermissionDenied("이 사진을 삭제할 권한이 없습니다.")
    uses = photo_uses(photo=photo)
    if uses:
        where = ", ".join(f"「{article.title}」({kind})" for kind, article in uses[:5])
        more = f" 외 {len(uses) - 5}건" if len(uses) > 5 else ""
        raise PhotoInUse(f"기사에 쓰이고 있는 사진은 삭제할 수 없습니다: {where}{more}")
    with transaction.atomic():
        files = [r.file for r in photo.renditions.all()] + [photo.image]
        photo.delete()
        transaction.on_commit(lambda: [f.delete(save=False) for f in files])
