"""Read rules on the article querysets (articles.models)."""

from datetime import timedelta

import pytest

from articles.models import Article, Section

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
