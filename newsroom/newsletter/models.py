"""The newsletter: readers who asked for it, the desk's issues, and one delivery row per address
and issue (what the sending command claims, sends and records).

What is kept of a reader is the least the law allows (개인정보 보호법 제3조, 제16조): the address
and when consent was given and confirmed. An unsubscribe deletes the row; an address never confirmed
is deleted when its link expires (services.forget_unconfirmed).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from articles.models import Article
from newsroom.timezones import KST


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Who receives issues: only addresses confirmed by the link in the confirmation mail."""
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def unconfirmed_before(self, moment: datetime):
        """Pending addresses whose consent (and so their link) is older than `moment`."""
        return self.filter(status=Subscriber.Status.PENDING, consented_at__lt=moment)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "확인 대기"
        CONFIRMED = "confirmed", "구독 중"

    # Stored lowercased (services.normalize_email): Kim@ and kim@ are one reader.
    email = models.EmailField("이메일 주소", max_length=254, unique=True)
    status = models.CharField(
        "상태", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    consented_at = models.DateTimeField("동의 일시")
    confirmed_at = models.DateTimeField("구독 확인 일시", null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = "뉴스레터 구독자"
        verbose_name_plural = "뉴스레터 구독자"
        ordering = ["-consented_at", "-id"]

    def __str__(self) -> str:
        return masked_email(self.email)


def masked_email(email: str) -> str:
    """`kim.seoyeon@example.com` → `ki***@example.com`: enough for the desk to tell failures
    apart, never the whole address."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}" if domain else "***"


class IssueQuerySet(models.QuerySet):
    def to_send(self):
        """Issues the sending command works on: queued by the desk, or started and unfinished."""
        return self.filter(status__in=[Issue.Status.QUEUED, Issue.Status.SENDING]).order_by(
            "queued_at", "pk"
        )


class Issue(models.Model):
    """One newsletter, composed by the desk from the day's or week's articles."""

    class Period(models.TextChoices):
        DAY = "day", "하루"
        WEEK = "week", "한 주"

    class Status(models.TextChoices):
        DRAFT = "draft", "작성 중"
        QUEUED = "queued", "발송 대기"
        SENDING = "sending", "발송 중"
        SENT = "sent", "발송 완료"

    title = models.CharField(
        "제목", max_length=120, help_text="메일의 제목으로 쓰입니다. 예: 오늘의 헬스·의약 뉴스"
    )
    period = models.CharField("기사 범위", max_length=4, choices=Period.choices, default=Period.DAY)
    edition_date = models.DateField(
        "기준일", help_text="이 날(한 주이면 이 날까지 7일) 게재된 기사로 기본 목록을 만듭니다."
    )
    introduction = models.TextField(
        "머리말",
        max_length=2000,
        blank=True,
        help_text=(
            "기사 목록 위에 들어가는 글. 빈 줄로 문단을 나눕니다. 글자 그대로 보입니다(HTML 불가)."
        ),
    )
    articles = models.ManyToManyField(
        Article, through="IssueArticle", verbose_name="기사", related_name="+", blank=True
    )
    status = models.CharField(
        "상태", max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="작성자",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("작성 일시", auto_now_add=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="발송 요청자",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    queued_at = models.DateTimeField("발송 요청 일시", null=True, blank=True, editable=False)
    started_at = models.DateTimeField("발송 시작", null=True, blank=True, editable=False)
    finished_at = models.DateTimeField("발송 끝", null=True, blank=True, editable=False)

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = "뉴스레터"
        verbose_name_plural = "뉴스레터"
        ordering = ["-edition_date", "-id"]
        permissions = [("send_issue", "뉴스레터를 발송할 수 있음")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def period_bounds(self) -> tuple[datetime, datetime]:
        """The period's start and end in Korea's time: the edition date's day, or the seven days
        ending with it."""
        end = datetime.combine(self.edition_date + timedelta(days=1), datetime.min.time(), KST)
        days = 7 if self.period == self.Period.WEEK else 1
        return end - timedelta(days=days), end

    def ordered_articles(self) -> list[Article]:
        """The issue's articles in the desk's order, those no longer public left out."""
        items = (
            self.items.filter(article__in=Article.objects.published())
            .select_related("article__section")
            .order_by("position", "pk")
        )
        return [item.article for item in items]

    def progress(self) -> dict[str, int]:
        """Deliveries by outcome: sent, failed, unknown (claimed by a run that never finished),
        skipped (unsubscribed meanwhile), waiting, and the total."""
        counts = self.deliveries.aggregate(
            total=Count("pk"),
            **{
                state: Count("pk", filter=Q(status=value))
                for state, value in Delivery.Status.choices_by_name().items()
            },
        )
        return counts


class IssueArticle(models.Model):
    """An article in an issue, at the place the desk gave it."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, verbose_name="기사", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField("순서", default=0)

    class Meta:
        verbose_name = "뉴스레터 기사"
        verbose_name_plural = "뉴스레터 기사"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "article"], name="newsletter_item_uniq")
        ]

    def __str__(self) -> str:
        # What the desk weighs when ordering (the compose screen shows it above each row).
        article = self.article
        when = timezone.localtime(article.published_at) if article.published_at else None
        return f"{when:%m.%d %H:%M} 게재 · 조회 {article.view_count:,}" if when else "미게재"


class Delivery(models.Model):
    """One issue to one address. The sending command claims the row just before it hands the
    message to the SMTP server and records the outcome just after; a row left claimed by a run
    that died is "unknown" and is not sent again unless an operator says so
    (`send_newsletter --resend-unknown`, docs/operations.md)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "대기"
        CLAIMED = "claimed", "보내는 중"
        SENT = "sent", "발송"
        FAILED = "failed", "실패"
        SKIPPED = "skipped", "제외(구독 해지)"

        @classmethod
        def choices_by_name(cls) -> dict[str, str]:
            return {member.name.lower(): member.value for member in cls}

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    # Null once the reader unsubscribed: the address goes with them, the outcome stays.
    subscriber = models.ForeignKey(
        Subscriber, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    claimed_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "뉴스레터 발송 기록"
        verbose_name_plural = "뉴스레터 발송 기록"
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="newsletter_delivery_uniq")
        ]
        indexes = [
            # The command's next batch: an issue's waiting rows in id order.
            models.Index(fields=["issue", "status", "id"], name="newsletter_delivery_next_idx")
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.subscriber_id}:{self.status}"
