"""The search index (articles.bigrams): kept up to date on every save, filled for generated and
older articles, and used by PostgreSQL's planner."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import search as article_search
from articles.bigrams import bigram_set, fill_search_documents, search_document, tokens
from articles.models import Article
from articles.search import parse_query, search_articles

from .test_search import titles

pytestmark = pytest.mark.django_db


def stored_document(article) -> set[str]:
    text = Article.objects.values_list("search_document", flat=True).get(pk=article.pk)
    # PostgreSQL prints a tsvector with quotes around each lexeme; SQLite keeps our text.
    return {lexeme.strip("'") for lexeme in text.split()}


def test_text_is_split_into_lower_case_bigrams_and_single_letter_words():
    assert tokens("의료기관은 COVID-19, 약 3종") == ["의료기관은", "covid", "19", "약", "3종"]
    assert bigram_set("의료기관은 약") == {"의료", "료기", "기관", "관은", "약"}


def test_saving_an_article_stores_the_bigrams_of_title_subtitle_and_plain_body(make_article):
    article = make_article("백신 공급", subtitle="정부 발표", body="<p><b>약사</b>회 성명</p>")
    assert stored_document(article) == {"백신", "공급", "정부", "발표", "약사", "사회", "성명"}


def test_markup_and_script_text_are_not_indexed(make_article):
    article = make_article("제목", body='<p class="lead">본문</p><script>비밀코드()</script>')
    assert "비밀" not in stored_document(article)
    assert "le" not in stored_document(article)
    assert titles("비밀") == []


def test_an_edited_title_is_found_by_its_new_word_and_not_by_the_old(make_article):
    article = make_article("필수의료 지원 대책", body="<p>본문</p>")
    assert titles("필수의료") == ["필수의료 지원 대책"]
    article.title = "감염병 대응 체계 개편"
    article.save()
    assert titles("감염병") == ["감염병 대응 체계 개편"]
    assert titles("필수의료") == []
    assert titles("필수") == []


def test_a_save_of_some_fields_rebuilds_the_index_when_the_text_changed(make_article):
    article = make_article("원격의료 시범사업", body="<p>본문</p>")
    article.body = "<p>디지털 치료기기 허가</p>"
    article.save(update_fields=["body"])
    assert "치료" in stored_document(article)
    assert titles("치료기기") == ["원격의료 시범사업"]
    assert titles("본문") == []


def test_counting_a_view_leaves_the_index_alone(make_article):
    article = make_article("조회수 기사", body="<p>본문</p>")
    before = Article.objects.values_list("search_document", flat=True).get(pk=article.pk)
    article.view_count = 5
    article.save(update_fields=["view_count"])
    after = Article.objects.values_list("search_document", flat=True).get(pk=article.pk)
    assert after == before


def test_generated_articles_are_indexed_as_they_are_inserted():
    call_command("generate_articles", 30, stdout=_Null(), stderr=_Null())
    generated = Article.objects.filter(reporters__user__username="archive-generator")
    assert generated.count() == 30
    assert not generated.filter(search_document__isnull=True).exists()
    assert len(titles("의료")) == 30


def test_backfill_fills_articles_stored_without_an_index(make_article):
    article = make_article("약가 재평가 착수", body="<p>건강보험 재정</p>")
    Article.objects.filter(pk=article.pk).update(search_document=None)
    assert fill_search_documents(Article) == 1
    assert stored_document(article) == bigram_set("약가 재평가 착수 건강보험 재정")
    assert fill_search_documents(Article) == 0


def test_rebuild_command_refreshes_every_document(make_article):
    article = make_article("바이오시밀러 출시", body="<p>본문</p>")
    Article.objects.filter(pk=article.pk).update(title="희귀질환 치료제")  # around the model
    out = _Capture()
    call_command("rebuild_search_index", stdout=out)
    assert "1건" in out.text
    assert titles("희귀질환") == ["희귀질환 치료제"]


def test_count_stops_at_the_cap_and_the_page_says_so(client, make_article, monkeypatch):
    monkeypatch.setattr(article_search, "COUNT_CAP", 3)
    for n in range(5):
        make_article(f"수가 협상 {n}", ago=timedelta(hours=n + 1))
    results = search_articles(parse_query("수가"))
    assert results.count() == 4  # the cap plus one: "more than 3"
    assert len(list(results)) == 5
    html = client.get("/search/", {"q": "수가"}).content.decode()
    assert "3건 이상" in html


def test_relevance_ranks_the_newest_matches(make_article, monkeypatch):
    monkeypatch.setattr(article_search, "RANKED_POOL", 2)
    make_article("오래된 제목 백신", ago=timedelta(days=30))
    make_article("본문 기사 1", body="<p>백신</p>", ago=timedelta(hours=2))
    make_article("백신 제목 새 기사", ago=timedelta(hours=3))
    assert titles("백신", order="relevance") == ["백신 제목 새 기사", "본문 기사 1"]


ARCHIVE = 20_000


@pytest.fixture(scope="module")
def forget_the_archive(django_db_blocker):
    """ANALYZE writes its row estimate outside the test's transaction: leave it small again.

    The test's own transaction takes the 20,000 rows away when it rolls back; ANALYZE runs after
    that (this fixture ends with the module), so no 20,000-row DELETE with its cascade and
    deferred foreign-key checks, which outlasted the web requests' statement timeout in CI."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")


@pytest.mark.postgres
def test_postgres_answers_a_rare_word_from_the_gin_index(monkeypatch, forget_the_archive):
    """The planner reads the GIN index for a rare or missing word instead of walking the newest
    articles and testing each (the 40-second plan), and a common word comes back newest first
    with its count stopped at the cap."""
    now = timezone.now()
    filler = "<p>의료기관은 새 기준에 맞춰 인력과 시설을 보강해야 한다.</p>"
    document = search_document("보건 소식", "", filler)
    rows = [
        Article(
            title=f"보건 소식 {n}",
            body=filler,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
            search_document=document,
        )
        for n in range(ARCHIVE)
    ]
    rows[ARCHIVE - 10].title = "희귀질환 치료제 허가"
    rows[ARCHIVE - 10].search_document = search_document(rows[ARCHIVE - 10].title, "", filler)
    Article.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        # The index's pending list (these rows and those earlier tests rolled back) moves into
        # the index proper, as autovacuum does on a live archive: how long the list happens to
        # be changes the cost of a GIN scan, and the plans below must not depend on it.
        cursor.execute("SELECT gin_clean_pending_list('article_search_document_gin')")
        cursor.execute("ANALYZE articles_article")
    monkeypatch.setattr(article_search, "PLANNED_FROM", ARCHIVE // 2)
    rare = search_articles(parse_query("희귀"))
    # Rare: read from an index of matches (GIN) and sorted, never the walk along published_at
    # that tests every article (the 40-second plan).
    assert rare.planner_off == ("enable_indexscan", "enable_seqscan")
    assert "Index Scan Backward" not in rare[:20].explain()
    assert [a.title for a in rare[:20]] == ["희귀질환 치료제 허가"]
    # Common: the walk along published_at, which fills a page within a few rows.
    common = search_articles(parse_query("의료"))
    assert common.planner_off == ("enable_bitmapscan", "enable_seqscan")
    assert "Index Scan Backward using articles_article_published_at" in common[:20].explain()
    assert [a.title for a in common[:2]] == ["보건 소식 0", "보건 소식 1"]
    assert common.count() == article_search.COUNT_CAP + 1
    missing = search_articles(parse_query("없는말"))
    assert "Index Scan Backward" not in missing[:20].explain()
    assert list(missing[:20]) == [] and missing.count() == 0
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = on")
    # And the GIN index exists and serves the bigram test.
    assert "article_search_document_gin" in missing.order_by()[:20].explain()


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


class _Capture(_Null):
    def __init__(self):
        self.text = ""

    def write(self, text, *args, **kwargs):
        self.text += text
