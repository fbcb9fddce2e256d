"""Read rules on the article querysets (articles.models)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import (
    Article,
    CorrectionNotice,
    Section,
    Series,
    read_article_page,
    sections_and_series,
    with_corrections,
    with_page_relations,
)
from newsroom.compiled import CompiledRead

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


def _fields(article):
    """What the page reads of an article: its columns, the joined rows' and the annotations."""
    joined = [article.section, article.section.parent, article.series, article.lead_photo]
    return (
        {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields},
        article.get_deferred_fields(),
        [(type(row), row and row.pk, row and row.__dict__.keys()) for row in joined],
        article.has_corrections,
        [(r.pk, r.name) for r in article.page_reporters],
        [(t.pk, t.name) for t in article.page_tags],
        [a.pk for a in article.page_related],
        [n.pk for n in article.corrections.all()],
    )


def test_the_compiled_article_page_read_gives_what_the_querysets_read_gives(
    make_article, make_reporter, make_tag, make_photo, django_assert_num_queries
):
    parent = Section.objects.get(slug="policy")
    child = Section.objects.create(name="국회", slug="assembly", parent=parent)
    related = make_article("관련 기사", ago=timedelta(days=1))
    article = make_article(
        "연재 기사",
        section=child,
        series=Series.objects.create(title="연재"),
        reporters=[make_reporter("한지민")],
        tags=[make_tag("수가")],
        image=True,
    )
    article.related.set([related])
    CorrectionNotice.objects.create(
        article=article, kind=CorrectionNotice.Kind.CORRECTION, text="바로잡습니다."
    )
    plain = make_article("그냥 기사")
    for one in (article, plain):
        expected = with_page_relations(
            with_corrections(Article.objects.publishable().for_article_page().get(pk=one.pk))
        )
        read_article_page(one.pk)  # compiled on the first call
        queries = 3 if one is article else 1  # + the notices, + the related cards
        with django_assert_num_queries(queries):
            read = read_article_page(one.pk)
        assert _fields(read) == _fields(expected)
    assert read_article_page(related.pk + 1000) is None
    assert read_article_page(2**63) is None  # beyond the column: nothing, as a lookup answers


def test_a_scheduled_article_is_read_and_a_draft_is_not(make_article):
    scheduled = make_article(published_at=timezone.now() + timedelta(hours=1))
    draft = make_article(status=Article.Status.DRAFT)
    assert read_article_page(scheduled.pk) == scheduled
    assert not read_article_page(scheduled.pk).is_public()
    assert read_article_page(draft.pk) is None


def test_a_compiled_read_needs_its_value_as_exactly_one_parameter(make_article):
    make_article()
    with pytest.raises(ValueError, match="exactly one parameter"):
        CompiledRead(lambda pk: Article.objects.filter(title="x"))(1)
    with pytest.raises(ValueError, match="plain model queryset"):
        CompiledRead(lambda pk: Article.objects.filter(pk=pk).values("pk"))(1)


def test_the_article_page_takes_its_section_and_series_from_the_kept_copy(
    make_article, django_assert_num_queries
):
    parent = Section.objects.get(slug="policy")
    child = Section.objects.create(name="국회", slug="assembly", parent=parent)
    series = Series.objects.create(title="연재")
    article = make_article(section=child, series=series)
    shared = sections_and_series()
    read_article_page(article.pk, shared=shared)  # compiled on the first call
    with django_assert_num_queries(1):
        read = read_article_page(article.pk, shared=shared)
        assert read.section is shared[0][child.pk] and read.section.parent.name == parent.name
        assert read.series is shared[1][series.pk]
    # One missing from the copy (made a moment ago in another process) is read when asked for.
    read = read_article_page(article.pk, shared=({}, {}))
    assert (read.section, read.series) == (child, series)
