"""Objects the tests of several apps make the same way."""

from datetime import date, timedelta

from django.utils import timezone

from articles.models import Article, Section
from newsroom.models import SiteInfo


def publish(title: str, *, ago: timedelta = timedelta(hours=1), **fields) -> Article:
    """A published article, `ago` old, in the policy section unless `fields` say otherwise."""
    if "section" not in fields:
        fields["section"] = Section.objects.get(slug="policy")
    fields.setdefault("published_at", timezone.now() - ago)
    fields.setdefault("body", "<p>본문</p>")
    return Article.objects.create(title=title, status=Article.Status.PUBLISHED, **fields)


def site_info(**fields) -> SiteInfo:
    """The publisher's footer details (unsaved); `fields` replace any of them."""
    details = {
        "name": "건강일보",
        "company": "(주)건강미디어",
        "address": "서울특별시 종로구 1",
        "phone": "02-123-4567",
        "registration_number": "서울 아12345",
        "registration_date": date(2019, 5, 2),
        "publisher": "홍길동",
        "editor": "김편집",
        "youth_protection_officer": "이보호",
    }
    return SiteInfo(**{**details, **fields})


def staff_user(username: str, *, role: str | None = None, superuser: bool = False):
    """A staff account, in the newsroom role `role` (기자, 데스크, 광고 담당) or a superuser."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from newsroom.site.roles import ensure_roles

    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True, is_superuser=superuser
    )
    if role:
        ensure_roles()
        user.groups.add(Group.objects.get(name=role))
    return user
