import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article, Reporter, Section, Tag
from newsroom.models import SiteInfo

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def counts():
    User = get_user_model()
    return {
        model.__name__: model.objects.count()
        for model in (Article, Reporter, Section, Tag, SiteInfo, User)
    }


def test_load_demo_builds_the_demo_newsroom(var_dir, capsys):
    call_command("load_demo", "--allow-production")
    out = capsys.readouterr().out
    assert Article.objects.published().count() >= 40
    for name in ("행정", "제약ㆍ약사", "의료·병원", "기타", "산업", "학술"):
        assert Section.objects.get(name=name).articles.exists(), name
    assert Reporter.objects.count() >= 3
    for username in ("admin", "desk", "reporter", "admanager"):
        assert username in out
    assert (var_dir / "demo-logins.json").exists()


def test_load_demo_twice_duplicates_nothing_and_keeps_the_passwords(var_dir, capsys):
    call_command("load_demo", "--allow-production")
    first_out = capsys.readouterr().out
    first = counts()
    call_command("load_demo", "--allow-production")
    second_out = capsys.readouterr().out
    assert counts() == first
    logins = lambda out: out.split("데모 계정", 1)[1]  # noqa: E731
    assert logins(first_out) == logins(second_out)
    desk = get_user_model().objects.get(username="desk")
    password = logins(first_out).split("desk", 1)[1].split()[0]
    assert desk.check_password(password)


def test_load_demo_refuses_to_run_in_production_without_the_flag(var_dir, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="개발용"):
        call_command("load_demo")
    assert not Article.objects.exists()
