"""The XSS corpus (xss_vectors.txt) through every field an editor or ad manager fills, via the
real admin forms, and through every reader input; then every page that shows them is parsed
and must hold nothing executable (tests/security/htmlcheck.py says what that means).

One test per field group, looping over the whole corpus; failures are collected and reported
together, naming the vector and the page.
"""

import io
import re
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape
from PIL import Image

from articles.models import Article, CorrectionNotice, Photo, Reporter, Section, Tag
from articles.services import photo_add
from banners import report_links, services
from banners.models import Banner, BannerSlot, Placement
from tests.banners.conftest import ad_tag_form, banner_form
from tests.factories import publish
from tests.user_agents import BROWSER

from .conftest import article_form
from .htmlcheck import XSS_VECTORS, executable_parts, feed_parts, sitemap_parts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_rendering")]

CORPUS = Path(__file__).with_name("xss_vectors.txt")
VECTORS = XSS_VECTORS
TEMPLATE_PROBES = ["{{7*7}}", "{{ 7*7 }}", "{% debug %}", "{{ settings.SECRET_KEY }}"]


def picture(fmt="JPEG", size=(300, 250)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


class Pages:
    """Fetches pages and collects what is wrong with them."""

    def __init__(self, client: Client):
        self.client = client
        self.problems: list[str] = []
        self._seen: dict[int, list[str]] = {}  # many answers (404 pages) are byte-identical

    def check(self, response, where: str, vector: str = "") -> str:
        label = f"{where} [{vector[:60]!r}]" if vector else where
        if response.status_code >= 500:
            self.problems.append(f"{label}: status {response.status_code}")
            return ""
        text = response.content.decode("utf-8", "replace")
        kind = response.get("Content-Type", "")
        key = hash((kind, response.content))
        if key not in self._seen:
            if "rss" in kind:
                self._seen[key] = feed_parts(response.content)
            elif "xml" in kind:
                self._seen[key] = sitemap_parts(response.content)
            else:
                self._seen[key] = executable_parts(text)
        found = self._seen[key]
        self.problems += [f"{label}: {part}" for part in found]
        return text

    def get(self, url: str, vector: str = "", **params) -> str:
        response = self.client.get(url, params or None, **BROWSER)
        return self.check(response, url, vector)

    def every_page(self, url: str, *, admin: bool = False) -> None:
        """A list page and the pages after it, until the list ends."""
        key = "p" if admin else "page"
        start = 0 if admin else 1
        for number in range(start, start + 50):
            response = self.client.get(url, {key: number}, **BROWSER)
            if response.status_code == 404 or (admin and response.status_code == 302):
                return
            self.check(response, f"{url}?{key}={number}")
            if admin and f"?{key}={number + 1}" not in response.content.decode():
                return


@pytest.fixture
def reader():
    return Pages(Client())


@pytest.fixture
def editor(admin_client):
    return Pages(admin_client)


def test_the_corpus_holds_at_least_a_hundred_known_vectors():
    assert len(VECTORS) >= 100
    assert len(set(VECTORS)) == len(VECTORS)
    for family in ("<script", "onerror=", "javascript:", "data:", "vbscript:", "<svg", "<math"):
        assert any(family in v.lower() for v in VECTORS), family
    for probe in ('"><img src=x onerror=', "{{7*7}}", "{% debug %}", "expression("):
        assert any(probe in v for v in VECTORS), probe


# --- the checker must be able to fail --------------------------------------------------------

UNSAFE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script src=/static/js/site.js>alert(1)</script>",
    '<script type="application/ld+json">{"a": 1}</script><script>alert(1)</script>',
    '<script type="application/ld+json">not json</script>',
    "<img src=x onerror=alert(1)>",
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="  JAVASCRIPT:alert(1)">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe sandbox="allow-scripts allow-same-origin" src="/banners/tag/1/"></iframe>',
    '<iframe src="/banners/tag/1/"></iframe>',
    "<object data=x></object>",
    "<embed src=x>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="Refresh" content="0;url=https://evil.example/">',
    '<div style="width: expr/**/ession(alert(1))">x</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<link rel="import" href="/x.html">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
]
SAFE = [
    '<script src="/static/js/site.js" defer></script>',
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "a<\\/b"}</script>',
    '<iframe src="https://www.youtube-nocookie.com/embed/abc" allowfullscreen></iframe>',
    '<iframe sandbox="allow-scripts allow-popups" src="/banners/tag/3/"></iframe>',
    '<a href="https://example.com/?q=javascript:alert(1)">x</a>',
    '<img src="/media/a.jpg" alt="onerror=alert(1)">',
    "<p>javascript:alert(1) &lt;script&gt;alert(1)&lt;/script&gt;</p>",
]


@pytest.mark.parametrize("snippet", UNSAFE)
def test_the_checker_flags_an_unsafe_snippet(snippet):
    assert executable_parts(f"<!doctype html><html><body>{snippet}</body></html>")


@pytest.mark.parametrize("snippet", SAFE)
def test_the_checker_lets_our_own_markup_pass(snippet):
    assert executable_parts(f"<!doctype html><html><body>{snippet}</body></html>") == []


# Vectors that are inert even raw in a browser, so the checker rightly lets them pass: an
# unquoted value swallows the rest of the tag, a percent-encoded colon is no scheme, a tag
# cut off by the end of input is dropped, and <![CDATA[ is a bogus comment in HTML.
INERT_RAW = {
    "<img/src=x/onerror=alert(1)>",
    '<a href="javascript%3Aalert(1)">percent</a>',
    '<a href="%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)">all percent</a>',
    "<<img src=x onerror=alert(1)//<",
    "<img src=x onerror=alert(1)//",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
}


def test_the_checker_flags_the_raw_corpus_and_passes_it_escaped():
    markup = [v for v in VECTORS if re.search(r"<(script|img|svg|iframe|a |object)", v, re.I)]
    unflagged = {v for v in markup if not executable_parts(v)}
    assert len(markup) > 60
    assert unflagged == INERT_RAW
    for vector in VECTORS:
        escaped = escape(vector)
        assert executable_parts(f'<p title="{escaped}">{escaped}</p>') == [], vector


def test_feed_and_sitemap_checks_can_fail():
    feed = (
        '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        "<description>&lt;img src=x onerror=alert(1)&gt;</description>"
        "<link>javascript:alert(1)</link></item></channel></rss>"
    )
    assert len(feed_parts(feed)) == 2
    assert feed_parts("<rss><channel><title><script></title></channel></rss>")
    sitemap = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
    assert sitemap_parts(sitemap + "<loc>javascript:alert(1)</loc></url></urlset>")
    assert sitemap_parts(sitemap + "<loc>https://example.com/</loc></url></urlset>") == []
    assert sitemap_parts(sitemap + "<loc>https://example.com/</loc></url>")  # not well-formed


# --- editors: articles ------------------------------------------------------------------------


def library_photo(vector: str = "", **fields):
    """A library photo whose every text field holds `vector`, through the upload service."""
    lead = SimpleUploadedFile("lead.jpg", picture(size=(64, 48)), content_type="image/jpeg")
    texts = {
        "caption": vector[:300],
        "credit": vector[:100],
        "licence": vector[:200],
        "keywords": vector[:300],
    }
    return photo_add(upload=lead, by=None, **{**texts, **fields})


def post_article(client, *, section, vector: str, **extra):
    fields = {
        "title": vector[:120],
        "subtitle": vector[:300],
        "body": vector,
        "lead_photo_caption": vector[:200],
        "_publish": "1",
        **extra,
    }
    data = article_form(section=section, **fields)
    return client.post("/admin/articles/article/add/", data)


def test_article_fields_reach_no_page_as_markup(editor, reader, section):
    before = Article.objects.count()
    lead = library_photo(caption="대표 사진")
    for vector in VECTORS:
        response = post_article(editor.client, section=section, vector=vector, lead_photo=lead.pk)
        if response.status_code == 200:  # refused (e.g. a pasted data: picture): form kept
            editor.check(response, "article add form with errors", vector)
            response = post_article(
                editor.client,
                section=section,
                vector=vector,
                body="<p>본문</p>",
                lead_photo=lead.pk,
            )
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        article = Article.objects.latest("pk")
        assert article.status == Article.Status.PUBLISHED, vector
        html = reader.get(article.get_absolute_url(), vector)
        if vector in TEMPLATE_PROBES:  # shown as typed, never evaluated
            assert escape(vector) in html, vector
        editor.get(f"/admin/articles/article/{article.pk}/change/", vector)
        editor.get("/admin/articles/article/", vector, q=vector)
        reader.get("/search/", vector, q=vector[:60])
    assert Article.objects.count() == before + len(VECTORS)
    for url in ("/", "/news/", f"/section/{section.slug}/"):
        reader.every_page(url)
    for url in ("/rss/", f"/rss/{section.slug}/", "/sitemap.xml", "/sitemap-news.xml"):
        reader.get(url)
    for location in re.findall(r"<loc>https?://[^/]+(/[^<]+)</loc>", reader.get("/sitemap.xml")):
        reader.get(location)
    editor.every_page("/admin/articles/article/", admin=True)
    assert reader.problems + editor.problems == []


# --- editors: the photo library ---------------------------------------------------------------


def test_photo_fields_reach_no_page_as_markup(editor, reader, section):
    """Each vector as a library photo's caption, credit, licence and keywords (through the add
    form and again through the change form): the grid (searched and filtered by it), the change
    form, the delete page of a photo in use (which names it), and an article that shows it."""
    article = publish("사진을 쓰는 기사")
    for number, vector in enumerate(VECTORS):
        upload = SimpleUploadedFile("photo.jpg", picture(size=(64, 48)), "image/jpeg")
        fields = {
            "caption": vector[:300],
            "credit": vector[:100],
            "licence": vector[:200],
            "keywords": vector[:300],
            "taken_at_0": "",
            "taken_at_1": "",
        }
        response = editor.client.post("/admin/articles/photo/add/", {**fields, "image": upload})
        assert response.status_code == 302, (vector, response.content.decode()[:2000])
        photo = Photo.objects.latest("pk")
        assert photo.caption == vector[:300].strip(), vector
        change = f"/admin/articles/photo/{photo.pk}/change/"
        html = editor.get(change, vector)
        if vector in TEMPLATE_PROBES:  # shown as typed, never evaluated
            assert escape(vector) in html, vector
        flipped = (vector[::-1] + vector)[:100]
        response = editor.client.post(
            change, {**fields, "credit": flipped, "focal_x": "0.3", "focal_y": "0.6"}
        )
        assert response.status_code == 302, (vector, response.content.decode()[:2000])
        editor.get(change, vector)
        editor.get("/admin/articles/photo/", vector, q=vector[:100])
        editor.get("/admin/articles/photo/", vector, credit=flipped)
        if number % 10 == 0:
            Article.objects.filter(pk=article.pk).update(lead_photo=photo)
            editor.get(f"/admin/articles/photo/{photo.pk}/delete/", vector)
            reader.get(article.get_absolute_url(), vector)
            ids = list(Photo.objects.order_by("-pk").values_list("pk", flat=True)[:3])
            response = editor.client.post(
                "/admin/articles/photo/", {"action": "delete_selected", "_selected_action": ids}
            )
            editor.check(response, "photo bulk delete page", vector)
    editor.get(f"/admin/articles/article/{article.pk}/change/")
    editor.every_page("/admin/articles/photo/", admin=True)
    assert reader.problems + editor.problems == []


def test_photo_fields_reach_no_reader_page_as_markup(editor, reader, section):
    """A library photo's caption, credit, licence and keywords, as a lead photo and inside a
    body, on every reader page that shows them (the article, its link preview and JSON-LD, the
    home page's cards, the feeds)."""
    for vector in VECTORS:
        photo = library_photo(vector)
        inside = library_photo(vector)
        body = (
            f'<p>본문</p><figure class="photo" data-photo="{inside.pk}"><img src="/x.jpg" alt="">'
            f"<figcaption>{escape(inside.caption)}</figcaption></figure>"
        )
        response = post_article(
            editor.client,
            section=section,
            vector="",
            title="사진 기사",
            body=body,
            lead_photo=photo.pk,
            lead_photo_caption="",
        )
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        article = Article.objects.latest("pk")
        assert list(article.body_photos.all()) == [inside], vector
        html = reader.get(article.get_absolute_url(), vector)
        if vector in TEMPLATE_PROBES:  # shown as typed, never evaluated
            assert escape(vector[:100]) in html, vector
        editor.get(f"/admin/articles/article/{article.pk}/change/", vector)
        editor.get(f"/admin/articles/article/{article.pk}/revisions/compare/", vector)
    for url in ("/", "/news/", f"/section/{section.slug}/"):
        reader.every_page(url)
    for url in ("/rss/", f"/rss/{section.slug}/"):
        reader.get(url)
    assert reader.problems + editor.problems == []


# --- editors: tags, sections, reporters -------------------------------------------------------


def distinct_prefixes(length: int) -> list[str]:
    """The corpus cut to a field's length, without the duplicates the cut makes."""
    seen: dict[str, None] = {}
    for vector in VECTORS:
        cut = vector[:length].strip()
        if cut:
            seen.setdefault(cut, None)
    return list(seen)


def test_tag_names_reach_no_page_as_markup(editor, reader, section):
    names = distinct_prefixes(50)
    for number, name in enumerate(names):
        response = editor.client.post(
            "/admin/articles/tag/add/", {"name": name, "slug": f"xss-{number}"}
        )
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    tags = list(Tag.objects.filter(slug__startswith="xss-"))
    assert len(tags) == len(names)
    response = editor.client.post(
        "/admin/articles/article/add/",
        article_form(section=section, title="태그 기사", tags=[t.pk for t in tags], _publish="1"),
    )
    assert response.status_code == 302
    article = Article.objects.get(title="태그 기사")
    reader.get(article.get_absolute_url())
    for tag in tags:
        reader.get(tag.get_absolute_url(), tag.name)
        editor.get(f"/admin/articles/tag/{tag.pk}/change/", tag.name)
    editor.get(f"/admin/articles/article/{article.pk}/change/")
    editor.get("/admin/articles/tag/autocomplete/", app_label="articles", model_name="article")
    editor.every_page("/admin/articles/tag/", admin=True)
    assert reader.problems + editor.problems == []


def test_section_names_reach_no_page_as_markup(editor, reader):
    names = distinct_prefixes(50)
    for number, name in enumerate(names):
        response = editor.client.post(
            "/admin/articles/section/add/",
            {
                "name": name,
                "slug": f"xss-{number}",
                "order": str(number + 100),
                "in_navigation": "on",
                "on_home": "on",
            },
        )
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    sections = list(Section.objects.filter(slug__startswith="xss-"))
    assert len(sections) == len(names)
    # One article in each of a few of them, so the home page shows their blocks too.
    for chosen in sections[:: max(1, len(sections) // 10)]:
        editor.client.post(
            "/admin/articles/article/add/",
            article_form(section=chosen, title=f"{chosen.slug} 기사", _publish="1"),
        )
        reader.get(Article.objects.latest("pk").get_absolute_url(), chosen.name)
    reader.get("/")
    for section in sections:
        reader.get(section.get_absolute_url(), section.name)
        reader.get(f"/rss/{section.slug}/", section.name)
        editor.get(f"/admin/articles/section/{section.pk}/change/", section.name)
    editor.every_page("/admin/articles/section/", admin=True)
    assert reader.problems + editor.problems == []


def test_reporter_names_reach_no_page_as_markup(editor, reader, section, django_user_model):
    names = distinct_prefixes(30)
    for number, name in enumerate(names):
        user = django_user_model.objects.create_user(f"xss{number}", password="pw-1234-abcd")
        photo = SimpleUploadedFile("me.png", picture("PNG", (40, 40)), content_type="image/png")
        response = editor.client.post(
            "/admin/articles/reporter/add/",
            {
                "user": user.pk,
                "name": name,
                "email": f"xss{number}@example.com",
                "photo": photo,
                "is_active": "on",
            },
        )
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    reporters = list(Reporter.objects.filter(user__username__startswith="xss"))
    assert len(reporters) == len(names)
    for start in range(0, len(reporters), 20):  # bylines of up to 20 reporters
        group = reporters[start : start + 20]
        response = editor.client.post(
            "/admin/articles/article/add/",
            article_form(
                section=section,
                title=f"공동 취재 {start}",
                reporters=[r.pk for r in group],
                _publish="1",
            ),
        )
        assert response.status_code == 302
        article = Article.objects.latest("pk")
        reader.get(article.get_absolute_url())
        editor.get(f"/admin/articles/article/{article.pk}/change/")
    for reporter in reporters:
        reader.get(reporter.get_absolute_url(), reporter.name)
        editor.get(f"/admin/articles/reporter/{reporter.pk}/change/", reporter.name)
    reader.get("/rss/")
    reader.get("/sitemap-news.xml")
    editor.every_page("/admin/articles/reporter/", admin=True)
    assert reader.problems + editor.problems == []


def test_correction_notices_reach_no_page_as_markup(editor, reader, section):
    """Each vector as a 정정보도 on its own article, then amended to the vector reversed: the
    article page, its JSON-LD, the feeds, /corrections/ and the desk's pages."""
    for number, vector in enumerate(VECTORS):
        article = publish(f"정정 대상 기사 {number}")
        response = editor.client.post(
            "/admin/articles/correctionnotice/add/",
            {"article": article.pk, "kind": CorrectionNotice.Kind.CORRECTION, "text": vector},
        )
        assert response.status_code == 302, (vector, response.content.decode()[:2000])
        notice = CorrectionNotice.objects.latest("pk")
        html = reader.get(article.get_absolute_url(), vector)
        if vector in TEMPLATE_PROBES:  # shown as typed, never evaluated
            assert escape(vector) in html, vector
        change = f"/admin/articles/correctionnotice/{notice.pk}/change/"
        response = editor.client.post(change, {"kind": "reply", "text": vector[::-1] + vector})
        assert response.status_code == 302, (vector, response.content.decode()[:2000])
        reader.get(article.get_absolute_url(), vector)
        editor.get(change, vector)
        editor.get(f"/admin/articles/article/{article.pk}/change/", vector)
    assert CorrectionNotice.objects.shown().count() == len(VECTORS)
    reader.every_page("/corrections/")
    for url in ("/rss/", f"/rss/{section.slug}/"):
        reader.get(url)
    editor.every_page("/admin/articles/correctionnotice/", admin=True)
    assert reader.problems + editor.problems == []


# --- editors: the photo picker (caption and credit) -------------------------------------------


def picker_figure(photo: dict) -> str:
    """The <figure> the picker inserts (photo-picker.js builds it as nodes: text stays text)."""
    body = photo["body"]
    return (
        f'<figure class="photo" data-photo="{photo["id"]}"><img src="{escape(body["src"])}" '
        f'srcset="{escape(body["srcset"])}" sizes="{escape(body["sizes"])}" '
        f'alt="{escape(photo["caption"])}" width="{body["width"]}" height="{body["height"]}">'
        f"<figcaption>{escape(photo['caption'])} "
        f'<span class="credit">{escape(photo["credit"])}</span></figcaption></figure>'
    )


def test_photo_captions_and_credits_reach_no_page_as_markup(editor, reader, section):
    """Each vector as the caption and credit of a photo uploaded through the editor's picker:
    the JSON answers carry it as a string, the lead photo field shows it as text, and the body
    the picker builds from it is stored and shown with nothing executable."""
    from articles.widgets import LeadPhotoWidget

    upload_url = "/admin/articles/article/photos/upload/"
    photos = []
    for vector in VECTORS:
        caption, credit = vector.strip()[:300], vector.strip()[:100]
        upload = SimpleUploadedFile("p.jpg", picture(size=(64, 48)), content_type="image/jpeg")
        response = editor.client.post(
            upload_url, {"file": upload, "caption": caption, "credit": credit}
        )
        assert response.status_code == 201, (vector, response.content.decode()[:500])
        assert response["Content-Type"] == "application/json"
        photo = response.json()["photo"]
        assert (photo["caption"], photo["credit"]) == (caption, credit), vector
        html = LeadPhotoWidget().render("lead_photo", photo["id"], {"id": "id_lead_photo"})
        editor.problems += [
            f"lead photo field [{vector[:60]!r}]: {p}" for p in executable_parts(html)
        ]
        photos.append(photo)
    found = editor.client.get("/admin/articles/article/photos/", {"page": "1"})
    assert found["Content-Type"] == "application/json"
    article = publish("사진 설명 검사", section=section)
    article.body = "<p>본문</p>" + "".join(picker_figure(photo) for photo in photos)
    article.save()
    html = reader.get(article.get_absolute_url())
    assert html.count('<figure class="photo"') == len(VECTORS)
    editor.get(f"/admin/articles/article/{article.pk}/change/")
    assert reader.problems + editor.problems == []


# --- ad managers: banners ---------------------------------------------------------------------


def test_banner_fields_reach_no_page_as_markup(editor, reader, advertiser, section):
    image_slot = BannerSlot.objects.get(code="article-side-1")  # 300×250
    tag_slot = BannerSlot.objects.get(code="article-side-2")
    article = publish("광고가 붙는 기사", section=section)
    refused_urls = 0
    for vector in VECTORS:
        name, alt = vector[:100], vector[:200]
        image = SimpleUploadedFile("ad.png", picture("PNG"), content_type="image/png")
        data = banner_form(
            advertiser=advertiser, slot=image_slot, name=name, alt_text=alt, target_url=vector
        )
        response = editor.client.post("/admin/banners/banner/add/", {**data, "image": image})
        if response.status_code == 200:
            refused_urls += 1
            html = editor.check(response, "banner add form with errors", vector)
            assert "연결 주소는 http:// 또는 https://로 시작하는 전체 주소여야 합니다." in html
            image = SimpleUploadedFile("ad.png", picture("PNG"), content_type="image/png")
            data["target_url"] = "https://ads.example.com/landing"
            response = editor.client.post("/admin/banners/banner/add/", {**data, "image": image})
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        image_banner = Banner.objects.latest("pk")
        assert urlsplit(image_banner.target_url).scheme in {"http", "https"}, vector

        data = ad_tag_form(
            advertiser=advertiser, slot=tag_slot, name=name, alt_text=alt, ad_tag=vector
        )
        response = editor.client.post("/admin/banners/banner/add/", data)
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        tag_banner = Banner.objects.latest("pk")

        html = reader.get(article.get_absolute_url(), vector)
        frame = f'src="/banners/tag/{tag_banner.pk}/"'
        assert frame in html, vector
        if "<" in vector:
            assert vector not in html, vector  # the ad's markup never enters the page
        frame_response = reader.client.get(f"/banners/tag/{tag_banner.pk}/", **BROWSER)
        assert vector in frame_response.content.decode()  # served as given, but only here,
        policy = frame_response["Content-Security-Policy"]  # in its own sandbox
        assert "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox" in policy
        assert "allow-same-origin" not in policy
        if image_banner.target_url == vector:  # the few vectors that are http(s) addresses
            click = reader.client.get(
                Placement.objects.get(banner=image_banner).get_click_url(),
                **BROWSER,
            )
            assert click.status_code == 302
            assert urlsplit(click["Location"]).scheme in {"http", "https"}, vector
        # The tag banner's form shows name, alt text and tag; the refused form above showed
        # the address; an accepted address is shown by the image banner's form.
        editor.get(f"/admin/banners/banner/{tag_banner.pk}/change/", vector)
        if image_banner.target_url == vector:
            editor.get(f"/admin/banners/banner/{image_banner.pk}/change/", vector)
        # Make room in the slots for the next vector's banners.
        Banner.objects.filter(pk__in=[image_banner.pk, tag_banner.pk]).update(is_active=False)
        services.forget_deliveries()
    assert refused_urls >= len(VECTORS) - 5  # only the few http(s) vectors are addresses
    editor.every_page("/admin/banners/banner/", admin=True)
    editor.get("/admin/banners/advertiser/")
    assert reader.problems + editor.problems == []


def test_campaign_fields_reach_no_page_as_markup(editor, reader, advertiser, section):
    """A campaign's name and its inline banners' name and alt text, through the campaign form,
    then every page that names them: the campaign's own pages, the banner list, the report,
    its campaign CSV's neighbour (the report page), the slot calendar and the reader's page."""
    from django.utils import timezone

    slot = BannerSlot.objects.get(code="article-side-1")
    article = publish("캠페인 광고가 붙는 기사", section=section)
    now = timezone.localtime()
    period = {
        "starts_at_0": f"{now - timezone.timedelta(days=1):%Y-%m-%d}",
        "starts_at_1": "00:00:00",
        "ends_at_0": f"{now + timezone.timedelta(days=5):%Y-%m-%d}",
        "ends_at_1": "00:00:00",
    }
    created = 0
    for vector in VECTORS:
        name, alt = vector[:100], vector[:200]
        data = {
            "advertiser": advertiser.pk,
            "name": name,
            "priority": "30",
            "is_active": "on",
            **period,
            "goal_impressions": "1000",
            "goal_period": "total",
            "daily_cap": "5",
            "banners-TOTAL_FORMS": "1",
            "banners-INITIAL_FORMS": "0",
            "banners-MIN_NUM_FORMS": "0",
            "banners-MAX_NUM_FORMS": "1000",
            "banners-0-name": name,
            "banners-0-alt_text": alt,
            "banners-0-target_url": "https://ads.example.com/landing",
            "banners-0-is_active": "on",
            "banners-0-image": SimpleUploadedFile(
                "ad.png", picture("PNG"), content_type="image/png"
            ),
        }
        response = editor.client.post("/admin/banners/campaign/add/", data)
        if response.status_code == 200:  # a name of spaces only: refused, and shown safely
            editor.check(response, "campaign add form with errors", vector)
            continue
        assert response.status_code == 302, (vector, response.content.decode()[:3000])
        created += 1
        banner = Banner.objects.latest("pk")
        Placement.objects.create(banner=banner, slot=slot)
        services.forget_deliveries()
        editor.get(f"/admin/banners/campaign/{banner.campaign_id}/change/", vector)
        editor.get("/admin/banners/bannerslot/calendar/", vector)
        # The report narrowed to the campaign: its row and its goal chart's SVG texts.
        editor.get(f"/admin/banners/bannerstat/?campaign={banner.campaign_id}", vector)
        # The advertiser's own report through a campaign link: names, rows and the chart.
        link = report_links.issue(advertiser=advertiser, campaign=banner.campaign)
        reader.get(report_links.url_for(link), vector)
        html = reader.get(article.get_absolute_url(), vector)
        if "<" in vector:
            assert vector not in html, vector
        Banner.objects.filter(pk=banner.pk).update(is_active=False)
    assert created >= len(VECTORS) - 3  # nearly every vector is a name the form accepts
    editor.every_page("/admin/banners/campaign/", admin=True)
    editor.every_page("/admin/banners/banner/", admin=True)
    editor.get("/admin/banners/bannerstat/")
    editor.every_page("/admin/banners/reportlink/", admin=True)
    assert reader.problems + editor.problems == []


# --- readers ---------------------------------------------------------------------------------


def test_reader_inputs_reach_no_page_as_markup(reader, section):
    article = publish("보건복지부, 필수의료 지원 대책 발표", section=section)
    for vector in VECTORS:
        quoted = quote(vector, safe="")
        reader.get("/search/", vector, q=vector)
        reader.get("/search/", vector, q="필수의료", page=vector)
        for url in ("/news/", f"/section/{section.slug}/", "/"):
            reader.get(url, vector, page=vector)
        reader.get(article.get_absolute_url(), vector, utm_source=vector)
        # Paths that reach a view with the vector (tag, sitemap section) and the 404 page of
        # paths that match nothing (a slug or number pattern refuses the vector).
        for url in (
            f"/{quoted}",
            f"/tag/{quoted}/",
            f"/section/{quoted}/",
            f"/rss/{quoted}/",
            f"/sitemap-{quoted}.xml",
            f"/weather/?{urlencode({'station': vector})}",
        ):
            reader.get(url, vector)
    assert reader.problems == []


# --- the desk: newsletter issues --------------------------------------------------------------


def test_newsletter_fields_reach_no_page_or_mail_as_markup(editor, reader, section):
    """Each vector as an issue's title and introduction, through the admin's form: the admin's
    pages, the preview, and the mail's HTML as a reader gets it. A reader's address field takes
    the vector too (the form's answer must hold it inertly)."""
    from newsroom.newsletter.mail import IssueMail
    from newsroom.newsletter.models import Issue, Subscriber

    publish("보건복지부, 필수의료 지원 대책 발표", section=section)
    refused = 0
    subscriber = Subscriber(pk=1, email="reader@example.com")
    for vector in VECTORS:
        response = editor.client.post(
            "/admin/newsroom/issue/add/",
            {
                "title": vector[:120],
                "period": "week",
                "edition_date": "2026-12-01",
                "introduction": f"{vector}\n\n{vector[::-1]}",
                "items-TOTAL_FORMS": "0",
                "items-INITIAL_FORMS": "0",
            },
        )
        if response.status_code == 200:  # a title with a control character is refused
            assert "줄바꿈이나 제어 문자" in response.content.decode(), vector
            refused += 1
            continue
        assert response.status_code == 302, (vector, response.content.decode()[:2000])
        issue = Issue.objects.latest("pk")
        base = f"/admin/newsroom/issue/{issue.pk}/"
        editor.get(base + "change/", vector)
        preview = editor.get(base + "preview/", vector)
        if vector in TEMPLATE_PROBES:  # shown as typed, never evaluated
            assert escape(vector) in preview, vector
        message = IssueMail(issue).message_for(subscriber)
        html = message.alternatives[0][0]
        editor.problems += [f"mail [{vector[:60]!r}]: {part}" for part in executable_parts(html)]
        assert "\n" not in message.subject and "\r" not in message.subject
        reader.check(
            reader.client.post("/newsletter/", {"email": vector, "consent": "on"}),
            "/newsletter/",
            vector,
        )
    assert refused < len(VECTORS) // 10
    editor.every_page("/admin/newsroom/issue/", admin=True)
    assert reader.problems + editor.problems == []
