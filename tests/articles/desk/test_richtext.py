"""The body sanitizer against known XSS vectors: nothing executable may survive."""

import re
from html.parser import HTMLParser

import pytest

from articles.richtext import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    EMBED_HOSTS,
    normalised_html,
    plain_text,
    sanitize_html,
)

# Collected from the OWASP XSS filter evasion cheat sheet, html5sec.org and CKEditor 4 advisories.
VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script type="text/javascript">document.cookie</script><p>본문</p>',
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="x" ONERROR="alert(1)">',
    "<img src=x onerror\t=alert(1)>",
    '<body onload="alert(1)">',
    '<p onclick="alert(1)">클릭</p>',
    '<div onmouseover="alert(1)">마우스</div>',
    '<a href="javascript:alert(1)">링크</a>',
    '<a href="JaVaScRiPt:alert(1)">링크</a>',
    '<a href="  javascript:alert(1)">링크</a>',
    '<a href="java\tscript:alert(1)">링크</a>',
    '<a href="java&#x09;script:alert(1)">링크</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">링크</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">링크</a>',
    '<a href="javascript&colon;alert(1)">링크</a>',
    '<a href="vbscript:msgbox(1)">링크</a>',
    '<a href="VBScript:msgbox(1)">링크</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">링크</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">링크</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>",
    '<math href="javascript:alert(1)">CLICK</math>',
    '<p style="background:url(javascript:alert(1))">스타일</p>',
    '<div style="width: expression(alert(1))">IE</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe src="https://www.youtube.com.evil.example/embed/x"></iframe>',
    '<iframe src="https://www.youtube.com@evil.example/embed/x"></iframe>',
    '<iframe src="http://www.youtube.com/embed/x"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<video><source onerror="alert(1)"></video>',
    '<details open ontoggle="alert(1)">',
    '<a href="#" onfocus="alert(1)" autofocus>링크</a>',
    "<<script>script>alert(1)<</script>/script>",
    '<img """><script>alert(1)</script>">',
    "<!--<script>alert(1)</script>-->",
    '<p title="</p><script>alert(1)</script>">x</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<table><td background="javascript:alert(1)">셀</td></table>',
    '<a href="https://example.com" target="_blank" onclick="alert(1)">새 창</a>',
    '<figure class="image" onclick="alert(1)"><img src="/media/a.jpg"></figure>',
    "<template><script>alert(1)</script></template>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
]

SAFE_SCHEMES = {"http", "https", "mailto"}
GENERIC_ATTRIBUTES = {"rel", "title", "lang"}  # rel is ours; title and lang are inert text


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html):
    parser = _Collector()
    parser.feed(html)
    return parser.elements


def test_there_are_at_least_forty_vectors():
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("vector", VECTORS)
def test_nothing_executable_survives(vector):
    cleaned = sanitize_html(vector)
    for tag, attrs in elements(cleaned):
        assert tag in ALLOWED_TAGS, f"{tag} survived"
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | GENERIC_ATTRIBUTES, attrs
        assert not [name for name in attrs if name.startswith("on")]
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip()
            scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", value)
            assert scheme is None or scheme.group(1).lower() in SAFE_SCHEMES, f"{name}={value!r}"
        if tag == "iframe":  # only embeds from the allowlist, never an empty frame
            assert re.match(r"https://([^/@]+)/", attrs["src"]).group(1) in EMBED_HOSTS
    lowered = cleaned.lower()
    for needle in ("<script", "javascript:", "vbscript:", "data:", "expression(", "<svg", "<math"):
        assert needle not in lowered, f"{needle} in {cleaned!r}"
    assert "style=" not in lowered


def test_news_markup_survives():
    body = (
        "<h2>소제목</h2><p><strong>굵게</strong> <em>기울임</em> <u>밑줄</u></p>"
        '<ul><li>하나</li></ul><ol start="3"><li>셋</li></ol><blockquote><p>인용</p></blockquote>'
        '<table><thead><tr><th scope="col">항목</th></tr></thead>'
        '<tbody><tr><td colspan="2">값</td></tr></tbody></table>'
        '<figure class="image"><img src="/media/uploads/a.jpg" alt="사진" width="600">'
        "<figcaption>사진 설명</figcaption></figure>"
    )
    assert sanitize_html(body) == body


def test_allowed_video_embed_is_kept():
    embed = '<iframe src="https://www.youtube-nocookie.com/embed/abc" allowfullscreen=""></iframe>'
    cleaned = sanitize_html(embed)
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in cleaned


def test_links_that_open_a_new_window_get_noopener():
    cleaned = sanitize_html('<a href="https://example.com/" target="_blank">새 창</a>')
    (_tag, attrs), *_ = elements(cleaned)
    assert attrs["target"] == "_blank"
    assert "noopener" in attrs["rel"].split()


def test_a_links_own_rel_cannot_undo_noopener():
    cleaned = sanitize_html('<a href="https://example.com/" target="_blank" rel="opener">x</a>')
    (_tag, attrs), *_ = elements(cleaned)
    assert "opener" not in attrs["rel"].split()
    assert "noopener" in attrs["rel"].split()


def test_stored_body_is_the_sanitized_one(make_article):
    article = make_article(body='<p onclick="x()">본문</p><script>alert(1)</script>')
    article.refresh_from_db()
    assert article.body == "<p>본문</p>"


# --- comparing bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "posted"),
    [
        ("<p>하나</p><p>둘</p>", "<p>하나</p>\n\n<p>둘</p>\n"),
        ("<p>하나<br>둘</p>", "<p>하나<br />\n둘</p>"),
        ("<ul><li>하나</li></ul>", "<ul>\n\t<li>하나</li>\n</ul>"),
        ('<img src="/a.jpg" alt="" width="10">', '<img alt="" src="/a.jpg" width="10" />'),
        ('<p>"따옴표" &amp; 기호</p>', "<p>&quot;따옴표&quot; &#38; 기호</p>"),
        ("<p>본문</p>", "<p>본문</p><script>alert(1)</script>"),  # never stored anyway
    ],
    ids=["blocks", "br", "list", "attributes", "entities", "sanitized"],
)
def test_a_body_serialised_another_way_reads_the_same(stored, posted):
    assert normalised_html(stored) == normalised_html(posted)


@pytest.mark.parametrize(
    ("stored", "posted"),
    [
        ("<p>하나</p>", "<p>하나 둘</p>"),
        ("<p><strong>a</strong> <em>b</em></p>", "<p><strong>a</strong><em>b</em></p>"),
        ("<p>a b</p>", "<p>a&nbsp;b</p>"),
        ("<p>하나</p>", "<h2>하나</h2>"),
        ('<img src="/a.jpg" width="10">', '<img src="/a.jpg" width="20">'),
    ],
    ids=["text", "space-between-words", "no-break-space", "tag", "attribute"],
)
def test_a_change_a_reader_can_see_is_a_difference(stored, posted):
    assert normalised_html(stored) != normalised_html(posted)


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>전망이다.</p><p>복지부는 밝혔다.</p>", "전망이다. 복지부는 밝혔다."),
        ("<p>첫 줄<br>둘째 줄</p>", "첫 줄 둘째 줄"),
        ("<ul><li>하나</li><li>둘</li></ul><h2>소제목</h2>", "하나 둘 소제목"),
        ("<p>보건<strong>복지</strong>부</p>", "보건복지부"),
    ],
    ids=["paragraphs", "line break", "list and heading", "inline marks join"],
)
def test_plain_text_keeps_blocks_apart_and_words_together(html, text):
    assert plain_text(html) == text
