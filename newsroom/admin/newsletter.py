"""The newsletter at the desk: compose an issue (default articles, reorder, remove, add, an
introduction), preview it as sent, send a test to oneself, queue it for `send_newsletter`, and
watch its progress. Subscribers' addresses are for administrators alone."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from articles.models import Article
from newsroom.newsletter import mail, services
from newsroom.newsletter.models import Delivery, Issue, IssueArticle, Subscriber, masked_email
from newsroom.newsletter.sending import Progress

from .mixins import AdministratorsOnlyMixin, NewsroomModelAdmin, VisibleChoicesMixin

NOT_PUBLIC = "게재된 기사만 넣을 수 있습니다. 목록에서 다시 고르세요."
# Failures listed on the progress page; the rest are counted.
FAILURES_SHOWN = 50


class IssueArticleInline(VisibleChoicesMixin, admin.TabularInline):
    """The issue's articles: the desk types the order (10, 20, 30 …: 15 goes between), removes
    with the checkbox, adds with the search box. Only public articles are accepted."""

    model = IssueArticle
    fields = ("position", "article")
    autocomplete_fields = ("article",)
    extra = 1
    ordering = ("position", "pk")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article":
            kwargs["queryset"] = Article.objects.published()
            kwargs.setdefault("error_messages", {})["invalid_choice"] = NOT_PUBLIC
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    def _editable(self, request, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ("title", "period", "edition_date", "introduction")
        widgets = {"introduction": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def clean_title(self):
        title = self.cleaned_data["title"]
        # The title is the mail's subject: a line break there would split the header.
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in title):
            raise ValidationError("제목에는 줄바꿈이나 제어 문자를 넣을 수 없습니다.")
        return title


@admin.register(Issue)
class IssueAdmin(NewsroomModelAdmin):
    form = IssueForm
    inlines = [IssueArticleInline]
    list_display = ("title", "edition_date", "period", "status", "progress_column", "created_by")
    list_filter = ("status", "period")
    search_fields = ("title",)
    date_hierarchy = "edition_date"
    extra_views = (
        ("<path:object_id>/preview/", "preview_view", "preview"),
        ("<path:object_id>/send-test/", "send_test_view", "send_test"),
        ("<path:object_id>/send/", "send_view", "send"),
        ("<path:object_id>/progress/", "progress_view", "progress"),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(
                delivered=models.Count(
                    "deliveries",
                    filter=models.Q(
                        deliveries__status__in=[
                            Delivery.Status.SENT,
                            Delivery.Status.FAILED,
                            Delivery.Status.SKIPPED,
                        ]
                    ),
                ),
                delivery_total=models.Count("deliveries"),
            )
        )

    @admin.display(description="발송 진행")
    def progress_column(self, obj):
        if obj.status == Issue.Status.DRAFT:
            return "-"
        return f"{obj.delivered} / {obj.delivery_total}"

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        today = timezone.localdate()
        initial.setdefault("edition_date", today)
        initial.setdefault("title", f"{mail.site_name()} 뉴스레터 {today:%Y.%m.%d}")
        return initial

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return IssueForm.Meta.fields
        return ()

    def has_delete_permission(self, request, obj=None):
        # A queued or sent issue keeps its record of who got it.
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            added = services.fill_default_articles(issue=form.instance)
            if added:
                self.message_user(
                    request,
                    f"기본 기사 {added}건(헤드라인과 많이 본 뉴스)을 골랐습니다. "
                    "순서를 고치고, 빼고, 더한 뒤 저장하세요.",
                    messages.INFO,
                )

    def response_add(self, request, obj, post_url_continue=None):
        # The desk goes on to the issue's articles, whichever save button was pressed.
        url = reverse("admin:newsroom_issue_change", args=[obj.pk])
        return HttpResponseRedirect(url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, unquote(object_id))
        extra = {}
        if issue is not None:
            may_send = request.user.has_perm(services.SEND_PERMISSION)
            extra = {
                "preview_url": reverse("admin:newsroom_issue_preview", args=[issue.pk]),
                "progress_url": reverse("admin:newsroom_issue_progress", args=[issue.pk]),
                "send_test_url": may_send
                and reverse("admin:newsroom_issue_send_test", args=[issue.pk]),
                "send_url": may_send
                and issue.is_editable
                and reverse("admin:newsroom_issue_send", args=[issue.pk]),
                "progress": None if issue.is_editable else Progress.of(issue),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # --- own pages --------------------------------------------------------------------------

    def _issue(self, request, object_id, *, send: bool = False) -> Issue:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if send and not request.user.has_perm(services.SEND_PERMISSION):
            raise PermissionDenied("뉴스레터를 발송할 권한이 없습니다.")
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("그런 뉴스레터가 없습니다.")
        return issue

    def _context(self, request, issue: Issue, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "issue": issue,
            "change_url": reverse("admin:newsroom_issue_change", args=[issue.pk]),
        }

    def preview_view(self, request, object_id):
        """The issue's HTML exactly as a reader's mail carries it (the unsubscribe link of a
        sample reader, which unsubscribes nobody)."""
        issue = self._issue(request, object_id)
        html = mail.IssueMail(issue).html_for(mail.unsubscribe_url(None))
        response = HttpResponse(html)
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    def send_test_view(self, request, object_id):
        """POST: the issue to the user's own address alone."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[object_id]))
        issue = self._issue(request, object_id, send=True)
        try:
            address = services.issue_send_test(issue=issue, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        except OSError as error:
            self.message_user(request, f"메일 서버에 보내지 못했습니다: {error}", messages.ERROR)
        else:
            self.message_user(request, f"시험 메일을 {address}(으)로 보냈습니다.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[issue.pk]))

    def send_view(self, request, object_id):
        """GET: what is about to happen; POST: queue the issue for `send_newsletter`."""
        issue = self._issue(request, object_id, send=True)
        if request.method == "POST":
            try:
                services.issue_queue(issue=issue, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:newsroom_issue_change", args=[issue.pk]))
            self.message_user(
                request,
                "발송을 시작합니다. 1분 안에 발송 프로그램이 보내기 시작합니다.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:newsroom_issue_progress", args=[issue.pk]))
        context = {
            **self._context(request, issue, f"‘{issue.title}’ 발송"),
            "articles": issue.ordered_articles(),
            "subscribers": Subscriber.objects.confirmed().count(),
            "may_send": issue.is_editable,
        }
        return TemplateResponse(request, "admin/newsroom/issue/send.html", context)

    def progress_view(self, request, object_id):
        """Sent, failed and waiting, refreshed every few seconds while sending."""
        issue = self._issue(request, object_id)
        progress = Progress.of(issue)
        failures = [
            {"address": masked_email(row.subscriber.email) if row.subscriber else "(해지됨)",
             "error": row.error, "at": row.finished_at}
            for row in issue.deliveries.filter(status=Delivery.Status.FAILED)
            .select_related("subscriber")
            .order_by("pk")[:FAILURES_SHOWN]
        ]  # fmt: skip
        done = progress.sent + progress.failed + progress.skipped
        context = {
            **self._context(request, issue, f"‘{issue.title}’ 발송 진행"),
            "progress": progress,
            "done": done,
            "percent": round(100 * done / progress.total) if progress.total else 0,
            "failures": failures,
            "refresh": issue.status in (Issue.Status.QUEUED, Issue.Status.SENDING),
        }
        response = TemplateResponse(request, "admin/newsroom/issue/progress.html", context)
        add_never_cache_headers(response)
        return response


@admin.register(Subscriber)
class SubscriberAdmin(AdministratorsOnlyMixin, NewsroomModelAdmin):
    """Administrators only: to answer a reader's request (열람, 삭제) under 개인정보 보호법.
    Nobody adds or edits an address here; a reader subscribes and confirms on the site."""

    list_display = ("email", "status", "consented_at", "confirmed_at")
    list_filter = ("status",)
    search_fields = ("=email",)
    readonly_fields = ("email", "status", "consented_at", "confirmed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
