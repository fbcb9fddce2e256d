"""The editorial desk: sections, reporters, tags and articles in the Django admin.

Every rule is enforced here on the server, not by hiding buttons: the queryset a user sees, the
per-object change and delete permissions, read-only fields per role, actions with
`allowed_permissions`, and the workflow checks in articles.forms and articles.services.
"""

from datetime import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Prefetch, Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from newsroom.admin.mixins import NewsroomModelAdmin, ReadOnlyAdminMixin
from newsroom.admin.saving import KeepsInputOnSaveErrorMixin
from newsroom.params import ascii_int

from . import picker, presence, services
from . import revisions as article_revisions
from . import search as article_search
from .forms import ArticleAdminForm, CorrectionNoticeAdminForm, ReporterAdminForm
from .models import (
    EDIT_ANY_PERMISSION,
    Article,
    ArticleEvent,
    ArticleRevision,
    CorrectionNotice,
    FeedPartner,
    PartnerFetch,
    Reporter,
    Section,
    Series,
    Tag,
)
from .pagination import EstimatedCountPaginator
from .richtext import sanitize_html
from .templatetags.reader_tags import absolute

Status = Article.Status


def _own_byline(user) -> Reporter | None:
    """The byline of the signed-in user, when they write as a reporter."""
    return Reporter.objects.filter(user=user).first()


@admin.register(Section)
class SectionAdmin(NewsroomModelAdmin):
    list_display = ("name", "slug", "parent", "order", "in_navigation", "on_home")
    list_editable = ("order", "in_navigation", "on_home")
    list_filter = ("in_navigation", "on_home", "parent")
    search_fields = ("name", "slug")


@admin.register(Reporter)
class ReporterAdmin(NewsroomModelAdmin):
    form = ReporterAdminForm
    list_display = ("name", "email", "user", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "email", "user__username")
    list_select_related = ("user",)


@admin.register(Series)
class SeriesAdmin(NewsroomModelAdmin):
    """기획·연재: the desk names a series; articles join it from their own form (분류)."""

    list_display = ("title", "published_parts", "created_at")
    search_fields = ("title",)
    fields = ("title", "description")

    def get_queryset(self, request):
        published = Count("articles", filter=Q(articles__in=Article.objects.published()))
        return super().get_queryset(request).annotate(parts=published)

    @admin.display(description="게재된 편", ordering="parts")
    def published_parts(self, obj):
        return obj.parts


@admin.register(Tag)
class TagAdmin(NewsroomModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ArticleEvent)
class ArticleEventAdmin(ReadOnlyAdminMixin, NewsroomModelAdmin):
    """The desk's log of every step on every article (read-only: history is not edited)."""

    list_display = ("at", "action", "article", "actor_name", "note")
    list_filter = ("action", ("at", admin.DateFieldListFilter))
    search_fields = ("article__title", "actor_name", "note")
    list_select_related = ("article",)
    date_hierarchy = "at"


class MineFilter(admin.SimpleListFilter):
    title = "담당"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "내 기사")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.owned_by(request.user)
        return queryset


@admin.register(Article)
class ArticleAdmin(KeepsInputOnSaveErrorMixin, NewsroomModelAdmin):
    extra_views = (
        ("photos/", "photo_search_view", "photo_search"),
        ("photos/upload/", "photo_upload_view", "photo_upload"),
        ("<path:object_id>/preview/", "preview_view", "preview"),
        ("<path:object_id>/presence/", "presence_view", "presence"),
        ("<path:object_id>/revisions/", "revisions_view", "revisions"),
        ("<path:object_id>/revisions/compare/", "revisions_compare_view", "revisions_compare"),
        (
            "<path:object_id>/revisions/<int:number>/restore/",
            "revision_restore_view",
            "revision_restore",
        ),
    )
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = (
        "title",
        "section",
        "status_column",
        "published_column",
        "byline_column",
        "is_headline",
        "updated_at",
    )
    list_display_links = ("title",)
    list_filter = (
        "status",
        "section",
        "reporters",
        ("published_at", admin.DateFieldListFilter),
        "is_headline",
        MineFilter,
    )
    search_fields = ("title", "subtitle", "body")
    search_help_text = "제목, 부제, 본문에서 찾습니다."
    list_select_related = ("section",)
    list_per_page = 50
    # A million-row archive: no full COUNT(*) per page view (see EstimatedCountPaginator), and
    # a filtered list does not count the whole table again for "N건 전체".
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Work in progress (no publish time yet) on top, then the newest publish times.
    ordering = (F("published_at").desc(nulls_first=True), "-updated_at")
    autocomplete_fields = ("reporters", "tags", "related")
    actions = (
        "publish_selected",
        "withdraw_selected",
        "set_headline_selected",
        "clear_headline_selected",
    )
    fieldsets = (
        (
            None,
            {"fields": ("title", "subtitle", "section", "reporters", "body", "expected_version")},
        ),
        ("대표 사진", {"fields": ("lead_photo", "lead_photo_caption")}),
        ("분류", {"fields": ("tags", "series", "related")}),
        ("게재", {"fields": ("status", "published_at", "is_headline", "headline_order")}),
        (
            "정보",
            {
                "classes": ("collapse",),
                "fields": (
                    "created_by",
                    "created_at",
                    "updated_at",
                    "content_changed_at",
                    "view_count",
                ),
            },
        ),
        ("이력", {"fields": ("history",)}),
    )

    def view_on_site(self, article):
        # "사이트에서 보기" only where readers can open it; the preview covers the rest.
        return article.get_absolute_url() if article.is_public() else None

    # --- who sees and changes what ----------------------------------------------------------

    def get_queryset(self, request):
        # The search index text is the database's business: never loaded into the desk.
        # Reporters: their own articles, and what readers can already see (read-only). Every
        # article widget of every form reads this too (VisibleChoicesMixin).
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .defer("search_document")
            .prefetch_related("reporters")
        )

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or services.can_edit(article=obj, user=request.user)

    def has_delete_permission(self, request, obj=None):
        # An article that readers have seen is withdrawn, not deleted: its URL stays stable.
        # Only a superuser may delete one (a court order, a legal takedown).
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.status in (Status.DRAFT, Status.SUBMITTED)

    def has_publish_permission(self, request):
        return request.user.has_perm(services.PUBLISH_PERMISSION)

    def has_headline_permission(self, request):
        return request.user.has_perm(services.HEADLINE_PERMISSION)

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "status", "created_by", "created_at", "updated_at", "content_changed_at",
            "view_count", "history",
        ]  # fmt: skip
        if not self.has_publish_permission(request):
            fields.append("published_at")
        if not self.has_headline_permission(request):
            fields += ["is_headline", "headline_order"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read-only: the body as readers see it rather than its HTML source, the related
        # articles this user may see (a read-only many-to-many lists every title), no lock field.
        swap = {"body": "body_rendered", "related": "related_visible"}
        return [
            (name, {**options, "fields": [swap.get(f, f) for f in options["fields"]
                                          if f != "expected_version"]})
            for name, options in fieldsets
        ]  # fmt: skip

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is not None:
            article.visible_related = list(
                Article.objects.visible_to(request.user).filter(pk__in=article.related.values("pk"))
            )
        return article

    def get_changeform_initial_data(self, request):
        # A reporter starts a new article with their own byline.
        initial = super().get_changeform_initial_data(request)
        reporter = _own_byline(request.user)
        if reporter is not None:
            initial.setdefault("reporters", [reporter.pk])
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_search_results(self, request, queryset, search_term):
        # The readers' search (the bigram index on PostgreSQL), not three LIKE scans of the
        # whole archive: every word must be in the title, subtitle or body.
        query = article_search.parse_query(search_term)
        may_have_duplicates = False
        if not query.is_empty:
            queryset = queryset.filter(article_search.matching(query))
        if request.GET.get("field_name") == "related" or (
            request.GET.get("model_name") == CorrectionNotice._meta.model_name
        ):
            # The related-articles and correction pickers offer only what readers can open.
            queryset = queryset.published()
        return queryset, may_have_duplicates

    # --- columns ----------------------------------------------------------------------------

    @admin.display(description="상태", ordering="status")
    def status_column(self, article):
        if article.is_scheduled:
            return format_html('<strong class="status-scheduled">{}</strong>', "예약")
        return article.get_status_display()

    @admin.display(description="게재 일시", ordering="published_at")
    def published_column(self, article):
        if article.published_at is None:
            return "-"
        local = timezone.localtime(article.published_at)
        return f"{local:%Y-%m-%d %H:%M}" + (" (예약)" if article.is_scheduled else "")

    @admin.display(description="기자")
    def byline_column(self, article):
        return ", ".join(reporter.name for reporter in article.reporters.all())

    @admin.display(description="본문")
    def body_rendered(self, article):
        # Stored bodies are sanitized already; cleaning again costs little and keeps this safe
        # even for a row written around the model.
        return mark_safe(sanitize_html(article.body))  # noqa: S308

    @admin.display(description="관련 기사")
    def related_visible(self, article):
        return ", ".join(str(related) for related in getattr(article, "visible_related", ()))

    @admin.display(description="누가 언제")
    def history(self, article):
        if article.pk is None:
            return "-"
        events = article.events.all()[:50]
        if not events:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(event.at):%Y-%m-%d %H:%M}",
                    event.get_action_display(),
                    event.actor_name or "-",
                    event.note,
                )
                for event in events
            ),
        )
        return format_html(
            '<table class="article-history"><thead><tr><th>일시</th><th>작업</th>'
            "<th>작업자</th><th>내용</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    # --- saving and the workflow ------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        edited = form.edited_fields() if change else []
        obj.note_edit(edited)
        if set(edited) & set(services.REVISED_FIELDS):
            services.revision_ensure_base(article_id=obj.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not change and not article.reporters.exists():
            reporter = _own_byline(request.user)
            if reporter is not None:
                article.reporters.add(reporter)
        # The body's library photos, linked and pointed at their renditions before the 판 is
        # taken. Recorded once the byline and tags are stored too, so the new 판 holds them; the
        # workflow step below then acts on that 판.
        services.article_sync_body_photos(article=article)
        edited = form.edited_fields() if change else []
        services.article_record_save(
            article=article,
            by=request.user,
            created=not change,
            edited=edited,
            note=", ".join(str(form.fields[name].label or name) for name in edited),
        )
        move = form.requested_move()
        if move is None:
            return
        if move == "_schedule":
            services.article_schedule(article=article, by=request.user, at=article.published_at)
        else:
            services.WORKFLOW[move](article=article, by=request.user)
        self.message_user(request, f"‘{article.title}’: {services.MOVE_LABELS[move]} 완료.")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        article = obj if obj is not None else Article()
        moves = services.available_moves(article=article, user=request.user)
        if obj is not None and not self.has_change_permission(request, obj):
            moves = []
        context["workflow_moves"] = [(move, services.MOVE_LABELS[move]) for move in moves]
        if obj is not None:
            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            editing = self.has_change_permission(request, obj)
            context.update(presence.form_context(article=obj, user=request.user, editing=editing))
            if self.may_compare(request, obj):
                context["revisions_url"] = reverse(
                    "admin:articles_article_revisions", args=[obj.pk]
                )
            context["correction_notices"] = list(obj.corrections.all())
            if obj.is_public() and request.user.has_perm(services.NOTICE_ADD_PERMISSION):
                add_url = reverse("admin:articles_correctionnotice_add")
                context["add_correction_url"] = f"{add_url}?article={obj.pk}"
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- the photo picker's JSON (articles/picker.py) -----------------------------------------

    def photo_search_view(self, request):
        """The picker's search of the photo library (GET ?q=&page=)."""
        return picker.search(request)

    def photo_upload_view(self, request):
        """The picker's upload into the photo library (POST multipart)."""
        return picker.upload(request)

    # --- preview ----------------------------------------------------------------------------

    def preview_view(self, request, object_id):
        """The article exactly as readers will see it, before it is published. Staff only."""
        from .views import render_article

        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404("미리 볼 수 있는 기사가 없습니다.")
        response = render_article(request, article, preview=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    def _visible_article(self, request, object_id) -> Article:
        """The article of an own admin page (heartbeat, revisions), without its body: a 404 for
        one the user may not see, as for any id that is not an article."""
        try:
            return (
                Article.objects.visible_to(request.user)
                .defer("body", "search_document")
                .get(pk=unquote(object_id))
            )
        except (Article.DoesNotExist, ValueError, ValidationError):
            raise Http404("열 수 있는 기사가 없습니다.") from None

    def presence_view(self, request, object_id):
        """The form's heartbeat (articles/presence.py): records that this user has the article
        open, or has left it, and answers with the others who have it open. Only those who may
        change the article count as editing; one who may only view it is told, not counted."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._visible_article(request, object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        if request.POST.get("left"):
            presence.leave(article_id=article.pk, user=request.user)
            return HttpResponse(status=204)
        editors = presence.others_editing(
            article_id=article.pk,
            user=request.user,
            record=self.has_change_permission(request, article),
        )
        return JsonResponse(presence.as_json(editors))

    # --- revisions (판): list, compare, restore ----------------------------------------------

    REVISIONS_PER_PAGE = 50

    def may_compare(self, request, article) -> bool:
        """The desk, and the article's own reporters: nobody else reads its earlier 판."""
        user = request.user
        if not self.has_view_or_change_permission(request):
            return False
        return user.has_perm(EDIT_ANY_PERMISSION) or article.is_owned_by(user)

    def _revisions_article(self, request, object_id) -> Article:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        article = self._visible_article(request, object_id)
        if not self.may_compare(request, article):
            raise PermissionDenied
        return article

    def _revisions_context(self, request, article, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "article": article,
            "may_restore": self.has_change_permission(request, article),
            "revisions_url": reverse("admin:articles_article_revisions", args=[article.pk]),
            "compare_url": reverse("admin:articles_article_revisions_compare", args=[article.pk]),
        }

    def revisions_view(self, request, object_id):
        """The article's 판, newest first, a page at a time: who saved each and when, and the
        workflow steps taken on it. Only what the list shows is read; no body."""
        article = self._revisions_article(request, object_id)
        revisions = (
            article.revisions.only(*ArticleRevision.METADATA_FIELDS)
            .order_by("-number")
            .prefetch_related(
                Prefetch(
                    "events",
                    queryset=ArticleEvent.objects.only(
                        "id", "revision_id", "action", "actor_name", "at"
                    ).order_by("at", "id"),
                )
            )
        )
        page = Paginator(revisions, self.REVISIONS_PER_PAGE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        context = {
            **self._revisions_context(request, article, f"‘{article.title}’의 판"),
            "page": page,
            "rows": rows,
            "newest_number": rows[0].number if page.number == 1 and rows else None,
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revisions_compare_view(self, request, object_id):
        """Two 판 side by side (?a=older&b=newer; by default the newest and the one before)."""
        article = self._revisions_article(request, object_id)
        newest = article.revisions.only("number").first()
        if newest is None:
            raise Http404("이 기사에는 아직 저장된 판이 없습니다.")
        newer = ascii_int(request.GET.get("b") or "") or newest.number
        older = ascii_int(request.GET.get("a") or "") or max(newer - 1, 1)
        older, newer = sorted((older, newer))
        found = {
            r.number: r
            for r in article.revisions.filter(number__in={older, newer}).select_related(
                "lead_photo"
            )
        }
        if older not in found or newer not in found:
            raise Http404("그런 판이 없습니다.")
        diffs = article_revisions.compare(found[older], found[newer])
        context = {
            **self._revisions_context(request, article, f"‘{article.title}’ 판 비교"),
            "older": found[older],
            "newer": found[newer],
            "newest_number": newest.number,
            "diffs": diffs,
            "unchanged": not any(diff.changed for diff in diffs),
            "numbers": range(newest.number, 0, -1) if newest.number <= 500 else None,
        }
        return TemplateResponse(request, "admin/articles/article/revisions_compare.html", context)

    def revision_restore_view(self, request, object_id, number):
        """Put an older 판 back (POST, after a confirmation page that shows what changes)."""
        article = self._revisions_article(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied("이 기사를 복원할 권한이 없습니다.")
        revision = article.revisions.filter(number=number).select_related("lead_photo").first()
        if revision is None:
            raise Http404("그런 판이 없습니다.")
        revisions_url = reverse("admin:articles_article_revisions", args=[article.pk])
        if request.method == "POST":
            try:
                restored = services.article_restore(
                    article=article, revision=revision, by=request.user
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
                return HttpResponseRedirect(revisions_url)
            self.message_user(
                request,
                f"{revision.number}판을 복원했습니다 (새 {restored.number}판).",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        current = article.revisions.select_related("lead_photo").first()
        diffs = article_revisions.compare(current, revision)
        context = {
            **self._revisions_context(request, article, f"{revision.number}판으로 복원"),
            "revision": revision,
            "current": current,
            "diffs": diffs,
            "unchanged": not any(diff.changed for diff in diffs),
        }
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)

    # --- bulk actions for the desk ----------------------------------------------------------

    def _bulk(self, request, queryset, service, done_label: str):
        done, refused = 0, []
        for article in queryset.select_related("section"):
            try:
                service(article=article, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", [str(error)]))
                refused.append(f"‘{article.title}’ ({reason})")
            else:
                done += 1
        if done:
            self.message_user(request, f"기사 {done}건을 {done_label}했습니다.", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"{done_label}하지 못한 기사: " + "; ".join(refused), messages.WARNING
            )

    @admin.action(description="선택한 기사 지금 게재", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_publish, "게재")

    @admin.action(description="선택한 기사 게재중지", permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_withdraw, "게재중지")

    @admin.action(description="선택한 기사를 헤드라인으로 지정", permissions=["headline"])
    def set_headline_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_set_headline, "헤드라인으로 지정")

    @admin.action(description="선택한 기사의 헤드라인 해제", permissions=["headline"])
    def clear_headline_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_clear_headline, "헤드라인에서 해제")


@admin.register(CorrectionNotice)
class CorrectionNoticeAdmin(KeepsInputOnSaveErrorMixin, NewsroomModelAdmin):
    """정정·반론·추후보도. Every save goes through articles.services (the permission checked
    again, the article's 수정 time moved, the history written); a notice is amended with a
    trail or withdrawn with a reason, and nobody deletes one."""

    form = CorrectionNoticeAdminForm
    list_display = ("published_at", "kind", "article_column", "text_column", "state_column")
    list_display_links = ("published_at", "kind")
    list_filter = ("kind", ("published_at", admin.DateFieldListFilter))
    search_fields = ("article__title", "text")
    search_help_text = "기사 제목과 정정·반론보도 내용에서 찾습니다."
    autocomplete_fields = ("article",)
    date_hierarchy = "published_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("article")
            .defer("article__body", "article__search_document")
        )

    def has_delete_permission(self, request, obj=None):
        # Removal is a logged withdrawal (the 내리기 box), never a delete.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_shown:
            return False  # a withdrawn notice stays as it was when it came down
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("article", "kind", "text")
        fields = ["article_link", "kind", "text", "published_at", "created_by", "amended_at"]
        fields.append("trail")
        if obj.is_shown:
            if self.has_change_permission(request, obj):
                fields += ["withdraw", "withdraw_reason"]
        else:
            fields += ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "article_link", "published_at", "created_by", "amended_at", "trail",
            "withdrawn_at", "withdrawn_by", "withdrawal_reason",
        )  # fmt: skip

    @admin.display(description="내용")
    def text_column(self, notice):
        return Truncator(notice.text).chars(60)

    @admin.display(description="기사")
    def article_column(self, notice):
        # Cut like the text, so a long headline leaves the text column room to read.
        return Truncator(notice.article.title).chars(30)

    @admin.display(description="상태")
    def state_column(self, notice):
        if not notice.is_shown:
            return "내림"
        return "게시 중 (수정됨)" if notice.amended_at else "게시 중"

    @admin.display(description="기사")
    def article_link(self, notice):
        article = notice.article
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_change", args=[article.pk]),
            article,
        )

    @admin.display(description="이전 내용")
    def trail(self, notice):
        if not notice.previous:
            return "-"
        kinds = dict(CorrectionNotice.Kind.choices)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(datetime.fromisoformat(old['until'])):%Y-%m-%d %H:%M}",
                    kinds.get(old["kind"], old["kind"]),
                    old["by"] or "-",
                    old["text"],
                )
                for old in reversed(notice.previous)
            ),
        )
        return format_html(
            '<table class="article-history"><thead><tr><th>바뀐 일시</th><th>종류</th>'
            "<th>바꾼 사람</th><th>이전 내용</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.notice_add(
                article=data["article"], kind=data["kind"], text=data["text"], by=request.user
            )
        else:
            saved = CorrectionNotice.objects.select_related("article").get(pk=obj.pk)
            if data.get("withdraw"):
                services.notice_withdraw(
                    notice=saved, by=request.user, reason=data["withdraw_reason"]
                )
            else:
                services.notice_amend(
                    notice=saved, kind=data["kind"], text=data["text"], by=request.user
                )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # nothing related: the notice is saved whole by articles.services


@admin.register(FeedPartner)
class FeedPartnerAdmin(NewsroomModelAdmin):
    """Partners of the full-text feed (articles/syndication.py): administrators only (no role is
    given these permissions). A key is shown once, when it is issued; only its hash is kept."""

    list_display = ("name", "key_prefix", "key_state", "issued_at", "last_fetch")
    search_fields = ("name",)
    fields = ("name", "contact", "memo", "key_prefix", "issued_at", "revoked_at")
    readonly_fields = ("key_prefix", "issued_at", "revoked_at")
    actions = ["revoke_keys", "issue_new_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(latest_fetch=Max("fetches__fetched_at"))

    @admin.display(description="키 상태")
    def key_state(self, obj):
        return "사용 중" if obj.is_active else "폐기됨"

    @admin.display(description="마지막으로 가져간 시각", ordering="latest_fetch")
    def last_fetch(self, obj):
        return (
            timezone.localtime(obj.latest_fetch).strftime("%Y-%m-%d %H:%M")
            if obj.latest_fetch
            else "-"
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj._issued_key = obj.issue_key()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._key_page(request, obj, obj._issued_key)

    def _key_page(self, request, partner, key):
        response = TemplateResponse(
            request,
            "admin/articles/feedpartner/key_issued.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{partner.name}: 제휴 피드 키 발급",
                "opts": self.model._meta,
                "partner": partner,
                "key": key,
                "feed_url": absolute(reverse("feed-partner")),
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description="선택한 제휴처의 키 폐기")
    def revoke_keys(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request, f"키 {count}개를 폐기했습니다. 그 키로는 더 이상 피드를 가져갈 수 없습니다."
        )

    @admin.action(description="새 키 발급 (한 곳만 선택)")
    def issue_new_key(self, request, queryset):
        partners = list(queryset[:2])
        if len(partners) != 1:
            self.message_user(request, "새 키는 제휴처 한 곳씩 발급합니다.", messages.ERROR)
            return None
        partner = partners[0]
        key = partner.issue_key()
        partner.save(update_fields=["key_hash", "key_prefix", "issued_at", "revoked_at"])
        return self._key_page(request, partner, key)


@admin.register(PartnerFetch)
class PartnerFetchAdmin(ReadOnlyAdminMixin, NewsroomModelAdmin):
    """Every fetch of the partner feed (read-only)."""

    list_display = ("fetched_at", "partner", "items")
    list_filter = ("partner",)
    list_select_related = ("partner",)
    date_hierarchy = "fetched_at"


# The photo library's admin lives in its own module; importing it registers it.
from . import photo_admin  # noqa: E402, F401
