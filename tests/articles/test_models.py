"""Read rules on the article querysets (articles.models)."""

from datetime import timedelta

import pytest

from articles.models import Article, Section, with_page_relations

pytestmark = pytest.mark.django_db


def test_cards_bring_their_section_and_bylines_in_byline_order_in_two_queries(
    make_article, make_reporter, django_assert_num_queries
):
    # Byline order is the order reporters were added, not their names' order.
    first, second = make_reporter("한지민"), make_reporter("강민호")
    for n in range(3):
        make_article(f"기사 {n}", reporters=[first, second])
    with django_assert_num_queries(2):
        cards = list(Article.objects.published().for_listing())
        bylines = [[r.name for r in card.reporters.all()] for card in cards]
        sections = {card.section.slug for card in cards}
    assert bylines == [["한지민", "강민호"]] * 3
    assert sections == {"policy"}


def test_a_section_lists_its_subsections_articles_too(make_article):
    parent = Section.objects.get(slug="policy")
    child = Section.objects.create(name="국회", slug="assembly", parent=parent)
    make_article("행정 기사", section=parent)
    make_article("국회 기사", section=child)
    make_article("제약 기사", section=Section.objects.get(slug="pharma"))
    section = Section.objects.find_with_child_ids("policy")
    assert section.child_ids == [child.pk]
    titles = {a.title for a in Article.objects.published().in_section(section)}
    assert titles == {"행정 기사", "국회 기사"}
    assert Section.objects.find_with_child_ids("nope") is None


def test_each_home_section_gets_its_newest_articles_leaving_out_the_excluded(make_article):
    policy, pharma = Section.objects.get(slug="policy"), Section.objects.get(slug="pharma")
    old = make_article("행정 옛 기사", section=policy, ago=timedelta(days=2))
    new = make_article("행정 새 기사", section=policy)
    shown = make_article("행정 헤드라인", section=policy)
    make_article("제약 기사", section=pharma)
    blocks = dict(
        Article.objects.published().newest_by_section(
            Section.objects.filter(pk__in=[policy.pk, pharma.pk]), 2, exclude=[shown.pk]
        )
    )
    assert [a.pk for a in blocks[policy]] == [new.pk, old.pk]
    assert [a.title for a in blocks[pharma]] == ["제약 기사"]
    assert all(a.section == policy for a in blocks[policy])


def test_the_article_pages_read_brings_bylines_tags_and_related_in_two_queries(
    make_article, make_reporter, make_tag, django_assert_num_queries
):
    first, second = make_reporter("한지민"), make_reporter("강민호")
    old = make_article("예전 관련 기사", ago=timedelta(days=2))
    new = make_article("최근 관련 기사", ago=timedelta(hours=3))
    draft = make_article("초안", status=Article.Status.DRAFT)
    article = make_article(reporters=[second, first], tags=[make_tag("수가"), make_tag("가산")])
    article.related.set([old, new, draft])
    with django_assert_num_queries(2):
        read = with_page_relations(Article.objects.for_article_page().get(pk=article.pk))
    # Bylines by id (as the prefetch ordered them), tags by name, related newest first and
    # drafts left out; reporters come as whole model instances.
    assert [r.name for r in read.page_reporters] == ["한지민", "강민호"]
    assert read.page_reporters[0] == first and read.page_reporters[0].is_active is True
    assert read.page_reporters[0].user_id == first.user_id and read.page_reporters[0].email
    assert [t.name for t in read.page_tags] == ["가산", "수가"]
    assert [a.title for a in read.page_related] == ["최근 관련 기사", "예전 관련 기사"]


def test_an_article_without_bylines_tags_or_related_is_read_in_one_query(
    make_article, django_assert_num_queries
):
    article = make_article()
    with django_assert_num_queries(1):
        read = with_page_relations(Article.objects.for_article_page().get(pk=article.pk))
    assert (read.page_reporters, read.page_tags, read.page_related) == ([], [], [])
