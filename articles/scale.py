"""Generated archive articles for scale tests and benchmarks (`manage.py generate_articles`).

Titles and bodies are assembled from a small vocabulary of the trade's words, so they read like
Korean trade news, have realistic lengths and give search something to find, without copying
any real text. Generation is deterministic per article number.
"""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from .bigrams import bigram_set, tsvector_text

SUBJECTS = [
    "보건복지부", "식약처", "건강보험심사평가원", "국민건강보험공단", "대한약사회", "병원협회",
    "의사협회", "한빛제약", "푸른바이오제약", "세린바이오", "가온메디칼", "누리헬스케어",
    "한솔대병원", "새봄의료재단", "바른약품", "온누리제약", "제약바이오협회", "국회 보건복지위원회",
]  # fmt: skip
TOPICS = [
    "의료기관 평가", "약가 재평가", "신약 허가", "임상시험 승인", "수가 협상", "비대면 진료",
    "필수의료 지원", "전공의 수련", "바이오시밀러 출시", "의약품 공급 부족", "원격 모니터링",
    "디지털 치료기기", "희귀질환 치료제", "감염병 대응", "의료 데이터 활용", "약국 경영",
    "지역 의료 격차", "응급실 운영", "백신 개발", "건강보험 재정",
]  # fmt: skip
VERBS = [
    "추진", "발표", "확대", "논의", "착수", "강화", "개편", "검토", "마무리", "본격화",
]  # fmt: skip
SENTENCES = [
    "{subject}는 {topic}과 관련한 세부 방안을 이달 중 공개할 계획이라고 밝혔다.",
    "업계에서는 {topic}이 현장에 미칠 영향을 두고 다양한 의견이 나오고 있다.",
    "관계자는 \"{topic}은 환자 안전과 직결되는 문제\"라며 신중한 접근을 주문했다.",
    "의료기관은 새 기준에 맞춰 인력과 시설을 보강해야 하는 부담을 안게 됐다.",
    "약사회는 회원 약국의 의견을 모아 정부에 개선안을 전달하기로 했다.",
    "전문가들은 단계적 시행과 충분한 유예 기간이 필요하다고 입을 모았다.",
    "{subject}는 지난해보다 관련 예산을 늘려 지원 대상을 넓힐 방침이다.",
    "제약사들은 연구개발 투자를 유지하면서도 비용 구조를 점검하고 있다.",
    "환자단체는 치료 접근성이 실질적으로 개선되는지 지켜보겠다고 했다.",
    "{topic}에 대한 공청회는 다음 달 국회에서 열릴 예정이다.",
    "현장 의료진은 행정 부담을 줄이는 방안이 함께 마련돼야 한다고 강조했다.",
    "이번 조치로 건강보험 재정에 미치는 영향은 연간 수백억 원 규모로 추산된다.",
]  # fmt: skip
SUBTITLE = "{topic} 관련 후속 조치 예고…업계 의견 수렴 나서"
TAGS = ["정책", "약가", "허가", "임상", "수가", "병원", "약국", "바이오", "디지털헬스", "인사"]


class GeneratedArticle(NamedTuple):
    title: str
    subtitle: str
    body: str  # HTML, already in the form the sanitizer stores
    search_document: str  # exactly articles.bigrams.search_document(title, subtitle, body)


def generated_article(number: int) -> GeneratedArticle:
    """Generated article `number`: its texts and its search index text.

    The texts are a few hundred pieces of vocabulary, so each piece's HTML and bigrams are
    worked out once (`_piece`) and an article's index is the union of its pieces' bigrams: no
    HTML to parse. That is exact because every sentence ends in punctuation, so no word runs
    from one sentence (or paragraph) into the next.
    """
    rng = random.Random(number)  # noqa: S311 -- reproducible filler text, not security
    subject, topic, verb = rng.choice(SUBJECTS), rng.choice(TOPICS), rng.choice(VERBS)
    title, title_grams = _piece("{subject}, {topic} {verb}", subject, topic, verb)
    subtitle, subtitle_grams = _piece(SUBTITLE, subject, topic)
    grams = [title_grams, subtitle_grams]
    paragraphs = []
    # A news article's length: 17–21 paragraphs of 4–5 sentences, 2,000+ syllables of body.
    for _ in range(rng.randint(17, 21)):
        sentences = []
        for _ in range(rng.randint(4, 5)):
            html, sentence_grams = _piece(
                rng.choice(SENTENCES), rng.choice(SUBJECTS), rng.choice(TOPICS)
            )
            sentences.append(html)
            grams.append(sentence_grams)
        paragraphs.append(f"<p>{' '.join(sentences)}</p>")
    return GeneratedArticle(
        title, subtitle, "".join(paragraphs), tsvector_text(frozenset().union(*grams))
    )


def article_texts(number: int) -> tuple[str, str, str]:
    """Title, subtitle and body HTML of generated article `number`."""
    return generated_article(number)[:3]


@cache
def _piece(template: str, subject: str, topic: str, verb: str = "") -> tuple[str, frozenset]:
    """A formatted piece of text as HTML (escaped the way the sanitizer stores text) and its
    bigrams."""
    text = template.format(subject=subject, topic=topic, verb=verb)
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return html.replace("\xa0", "&nbsp;"), frozenset(bigram_set(text))


def published_times(count: int, *, newest: datetime, years: int = 5) -> Iterator[datetime]:
    """`count` publish times spread evenly back over `years` years from `newest`."""
    span = timedelta(days=365 * years)
    step = span / max(count, 1)
    for index in range(count):
        yield newest - step * index
