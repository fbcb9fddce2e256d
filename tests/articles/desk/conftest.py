from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, Reporter, Section
from newsroom.site.roles import AD_MANAGER, DESK, REPORTER, ensure_roles


@pytest.fixture
def roles(db):
    return ensure_roles()


@pytest.fixture
def make_user(roles):
    def make(username, role=None, *, reporter_name=None, is_staff=True):
        user = get_user_model().objects.create_user(
            username=username, password="pw-for-tests-only", is_staff=is_staff
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if reporter_name:
            Reporter.objects.create(user=user, name=reporter_name, email=f"{username}@example.com")
        return user

    return make


@pytest.fixture
def reporter_user(make_user):
    return make_user("reporter", REPORTER, reporter_name="김서연")


@pytest.fixture
def other_reporter_user(make_user):
    return make_user("reporter_lee", REPORTER, reporter_name="이준호")


@pytest.fixture
def desk_user(make_user):
    return make_user("desk", DESK, reporter_name="박데스크")


@pytest.fixture
def admanager_user(make_user):
    return make_user("admanager", AD_MANAGER)


@pytest.fixture
def section(db):
    return Section.objects.get(name="행정")


@pytest.fixture
def make_article(section):
    def make(*, by=None, status=Article.Status.DRAFT, published_at=None, **fields):
        if status == Article.Status.PUBLISHED and published_at is None:
            published_at = timezone.now() - timedelta(hours=1)
        fields.setdefault("title", "보건복지부, 필수의료 지원 대책 발표")
        fields.setdefault("section", section)
        article = Article.objects.create(
            status=status, published_at=published_at, created_by=by, **fields
        )
        reporter = Reporter.objects.filter(user=by).first() if by else None
        if reporter:
            article.reporters.add(reporter)
        return article

    return make
