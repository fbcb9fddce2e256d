"""The one seam between articles and the rich-text editor.

Everything that knows about django-ckeditor lives here: the model field, the widget and the
server-side sanitizer. Moving to another editor means changing this module only.

CKEditor 4 filters markup only in the browser (and its filter has known bypasses), so every body
is cleaned here with an allowlist before it is stored; what is stored is what readers get.
"""

import html as html_lib
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from ckeditor.fields import RichTextField, RichTextFormField
from ckeditor.widgets import CKEditorWidget
from django.forms import Media
from django.templatetags.static import static
from django.urls import reverse

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "blockquote", "ul", "ol", "li", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "iframe",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "target"},
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "title", "loading"},
    # A library photo inside the body (the editor's picker): <figure class="photo"
    # data-photo="id"> with the photo's caption and <span class="credit"> in its figcaption.
    "figure": {"class", "data-photo"},
    "span": {"class"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "iframe": {"src", "width", "height", "title", "allowfullscreen"},
    "ol": {"start"},
}
# Video embeds only from these hosts, always over HTTPS.
EMBED_HOSTS = {"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com", "tv.naver.com"}
URL_SCHEMES = {"http", "https", "mailto"}
_SIZES = re.compile(r"^[\w\s(),.:-]*$")
_FRAME_WITHOUT_SOURCE = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL)


def _picture_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"", "http", "https"} and not value.startswith("//")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme != "https" or parts.hostname not in EMBED_HOSTS:
            return None
    if tag == "img" and attribute == "src" and not _picture_url(value):
        # Images come from our own uploads or from http(s); never data: or other schemes.
        return None
    if tag == "img" and attribute == "srcset":
        # "url 480w, url 800w": every candidate's URL under the same rule as src.
        candidates = [c.strip().split() for c in value.split(",") if c.strip()]
        if not candidates or any(
            len(c) != 2 or not _picture_url(c[0]) or not re.fullmatch(r"\d{1,5}w", c[1])
            for c in candidates
        ):
            return None
    if tag == "img" and attribute == "sizes" and not _SIZES.match(value):
        return None
    if tag == "img" and attribute == "loading" and value != "lazy":
        return None
    if tag == "figure" and attribute == "data-photo" and not value.isdigit():
        return None
    if tag == "span" and attribute == "class" and value != "credit":
        return None
    if tag == "a" and attribute == "target" and value != "_blank":
        return None
    if tag == "figure" and attribute == "class" and value not in {"image", "figure", "photo"}:
        return None
    return value


def sanitize_html(html: str, *, attribute_filter=_filter_attribute) -> str:
    """Clean rich text with an allowlist: no script, no event handlers, no javascript:/data: links,
    iframes only from the embed allowlist, and rel="noopener noreferrer" on every link.
    `attribute_filter` may rewrite what `_filter_attribute` lets through (never let more in)."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=attribute_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # A frame whose source was refused is dropped whole rather than left as an empty box.
    return _FRAME_WITHOUT_SOURCE.sub("", cleaned)


def syndication_html(html: str, *, absolute) -> str:
    """A body for partners' sites (the full-text feed): cleaned by the same allowlist once more,
    with every link and picture address made absolute by `absolute(url)`, since a partner's page
    is not on our host."""

    def filter_and_absolutize(tag: str, attribute: str, value: str) -> str | None:
        value = _filter_attribute(tag, attribute, value)
        if value is None:
            return None
        if (tag, attribute) in {("img", "src"), ("a", "href")} and value.startswith("/"):
            return absolute(value)
        if tag == "img" and attribute == "srcset":
            candidates = (c.strip().split() for c in value.split(",") if c.strip())
            return ", ".join(
                f"{absolute(url) if url.startswith('/') else url} {width}"
                for url, width in candidates
            )
        return value

    return sanitize_html(html, attribute_filter=filter_and_absolutize)


_INLINE_PICTURE = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*data:", re.IGNORECASE)


def has_inline_pictures(html: str) -> bool:
    """A picture pasted as a data: URL, which the sanitizer would drop; the form refuses it
    with a message instead of losing the picture silently."""
    return bool(_INLINE_PICTURE.search(html or ""))


# Where one block of text ends and the next begins: a space in the plain text, so paragraphs do
# not run together ("전망이다.복지부는").
_BLOCK_BOUNDARY = re.compile(
    r"<br\s*/?>|</?(?:p|h[1-6]|li|ul|ol|blockquote|figure|figcaption|div|table|tr|td|th|caption|hr)\b",
    re.IGNORECASE,
)


def plain_text(html: str) -> str:
    """The text of a body without markup, for snippets, search and descriptions."""
    spaced = _BLOCK_BOUNDARY.sub(lambda tag: " " + tag.group(0), html or "")
    text = nh3.clean(spaced, tags=set(), attributes={})
    return " ".join(html_lib.unescape(text).split())


# A block's end: where readable_text() puts a space (`…다.</p><p>그…` must not read `…다.그…`).
_BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|div|blockquote|figcaption|td|th|tr)>|<br\s*/?>)", re.I)
# How much of the readable text an article keeps as its stored snippet (Article.snippet): enough
# for the longest cut a page or feed asks for (a feed's 300 characters), one more to tell a
# text that is exactly that long from a longer one.
SNIPPET_STORED_LENGTH = 400


def readable_text(html: str) -> str:
    """The body as plain text with a space between paragraphs."""
    return plain_text(_BLOCK_END.sub(r"\1 ", html or ""))


def stored_snippet(html: str) -> str:
    """The start of the body's readable text, as an article stores it for cards and feeds."""
    return readable_text(html)[: SNIPPET_STORED_LENGTH + 1]


def cut(text: str, length: int) -> str:
    """`text` cut to `length` characters, with "…" when something was cut."""
    return text if len(text) <= length else text[:length].rstrip() + "…"


# Whitespace next to these is layout, not text (an editor writes line breaks and tabs there).
BLOCK_TAGS = ALLOWED_TAGS - {"strong", "b", "em", "i", "u", "s", "sub", "sup", "a", "img", "span"}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML's whitespace: a no-break space is text


class _Tokens(HTMLParser):
    """Start tags with their attributes in order, end tags, and text with whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)  # `&quot;`, `&#34;` and `"` read the same
        self.tokens: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, tuple(sorted((k, v or "") for k, v in attrs))))

    handle_startendtag = handle_starttag  # `<br />` is `<br>`

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        text = _HTML_SPACE.sub(" ", data)
        if self.tokens and self.tokens[-1][0] == "text":
            text = _HTML_SPACE.sub(" ", self.tokens.pop()[1] + text)
        self.tokens.append(("text", text))


def normalised_html(html: str) -> str:
    """The body as it would be stored (sanitized), written one way: attributes in order, one
    spelling per character, whitespace collapsed and none around blocks.

    CKEditor gives back the body it was loaded with re-serialised (line breaks and tabs between
    blocks, `<br />`, its own attribute order and entities), so comparing raw text would call
    every save an edit; two bodies with the same normalised HTML read the same."""
    parser = _Tokens()
    parser.feed(sanitize_html(html or ""))
    parser.close()
    tokens = parser.tokens

    def is_block(index: int) -> bool:
        return not 0 <= index < len(tokens) or (
            tokens[index][0] != "text" and tokens[index][1] in BLOCK_TAGS
        )

    out = []
    for index, token in enumerate(tokens):
        if token[0] == "start":
            attributes = "".join(f' {k}="{html_lib.escape(v)}"' for k, v in token[2])
            out.append(f"<{token[1]}{attributes}>")
        elif token[0] == "end":
            out.append(f"</{token[1]}>")
        else:
            text = token[1]
            text = text.lstrip(" ") if is_block(index - 1) else text
            text = text.rstrip(" ") if is_block(index + 1) else text
            out.append(html_lib.escape(text, quote=False))
    return "".join(out)


# The body's image button: our CKEditor plugin (photo-plugin.js) opens our photo picker
# (photo-picker.js), which searches the library or uploads into it and inserts a <figure>.
PHOTO_PLUGIN = "newsroomphoto"
PHOTO_PLUGIN_FILE = "articles/admin/photo-plugin.js"
PHOTO_PICKER_FILES = {
    "js": "articles/admin/photo-picker.js",
    "css": "articles/admin/photo-picker.css",
}


def photo_picker_urls() -> dict[str, str]:
    """The picker's JSON endpoints (articles/picker.py, under the admin)."""
    return {
        "search": reverse("admin:articles_article_photo_search"),
        "upload": reverse("admin:articles_article_photo_upload"),
    }


class EditorWidget(CKEditorWidget):
    """CKEditor with our photo picker on its image button.

    CKEditor's own image dialogs, file browser and upload plugins are removed (CKEDITOR_CONFIGS
    in settings: no image/image2, filebrowser, uploadimage, uploadwidget, filetools; no
    filebrowser*Url, no uploadUrl) and django-ckeditor's upload and browse views are not
    installed: a picture enters a body only from the photo library, through the picker.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.photos = PHOTO_PLUGIN in self.config.get("extraPlugins", "").split(",")

    def _set_config(self):
        # django-ckeditor's defaults size a file browser window; there is no file browser.
        for key in [key for key in self.config if key.startswith("filebrowser")]:
            del self.config[key]
        # The editing area's styles: CKEditor's own, then ours (pictures at the column's width).
        self.config.setdefault(
            "contentsCss",
            [static("ckeditor/ckeditor/contents.css"), static("articles/admin/editor-content.css")],
        )
        if self.photos:
            urls = photo_picker_urls()
            self.config["photoSearchUrl"] = urls["search"]
            self.config["photoUploadUrl"] = urls["upload"]
            # CKEditor loads our plugin from our static files (a hashed name in production).
            folder, name = static(PHOTO_PLUGIN_FILE).rsplit("/", 1)
            self.external_plugin_resources = [(PHOTO_PLUGIN, f"{folder}/", name)]
        super()._set_config()

    @property
    def media(self):
        base = super().media
        if not self.photos:
            return base
        # One list, so the picker loads after ckeditor.js (merging two Media objects leaves the
        # order between them open).
        css = {**base._css}
        css["all"] = [*css.get("all", []), PHOTO_PICKER_FILES["css"]]
        return Media(css=css, js=[*base._js, PHOTO_PICKER_FILES["js"]])


class EditorFormField(RichTextFormField):
    widget = EditorWidget

    def has_changed(self, initial, data):
        # An untouched body comes back from CKEditor re-serialised: only a difference in what
        # would be stored, normalised, is a change (so a save with no change records none).
        if self.disabled:
            return False
        return normalised_html(initial) != normalised_html(data)


class RichTextBodyField(RichTextField):
    """A rich-text field that stores only sanitized HTML."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": EditorFormField, **kwargs})

    def pre_save(self, model_instance, add):
        value = sanitize_html(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, value)
        return value
