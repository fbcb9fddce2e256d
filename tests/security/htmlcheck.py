"""Finds anything executable in a page: what an XSS vector would need to reach to run.

`executable_parts(html)` parses with Python's html.parser (tokenizing like a browser does for
attributes, character references and raw-text elements) and lists every finding:

- a <script> that is not ours: ours load from /static/ (or the admin's /admin/jsi18n/) or hold
  JSON (ld+json or json) that
  parses and holds no `</script`;
- any on* event-handler attribute;
- a javascript:, data: or vbscript: URL in a URL-bearing attribute (after undoing character
  references and dropping the whitespace and control characters browsers ignore);
- an <iframe> other than the embeddable video players or our ad frames (sandboxed, without
  allow-same-origin, from /banners/tag/ or srcdoc);
- <object>, <embed>, <applet>, <base>, <frame>, <frameset>, <portal>, <meta http-equiv=refresh>,
  <link rel=import>;
- CSS that runs code (expression(), javascript: in url(), -moz-binding, behavior);
- markup where html.parser and a browser may disagree (mutation XSS): a tag inside <style>, or
  a literal `<` inside a start tag. Both are conservative: our own pages never hold either.

`feed_parts(xml)` checks an RSS feed (the HTML its readers render from each description) and
`sitemap_parts(xml)` a sitemap (well-formed, http(s) locations only).
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from newsroom.accounts.security import VIDEO_EMBED_ORIGINS

STATIC_PREFIX = "/static/"
# Our own script URLs outside /static/: Django admin's translation catalog.
OWN_SCRIPT_URLS = {"/admin/jsi18n/"}
AD_FRAME_PREFIX = "/banners/tag/"
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "code", "codebase", "srcset", "lowsrc", "dynsrc", "ping", "cite", "longdesc", "manifest",
    "icon", "to", "from", "values", "by", "archive", "classid",
}  # fmt: skip
FORBIDDEN_ELEMENTS = {"object", "embed", "applet", "base", "frame", "frameset", "portal"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
BAD_CSS = ("expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:")
JSON_TYPES = {"application/ld+json", "application/json"}
MARKUP = re.compile(r"<[a-zA-Z!/?]")
# Browsers drop ASCII whitespace and C0 controls inside a URL's scheme.
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _bad_url(value: str) -> bool:
    for candidate in value.split(","):  # srcset and values lists
        squeezed = IGNORED_IN_SCHEME.sub("", candidate).lower()
        if squeezed.startswith(BAD_SCHEMES):
            return True
    return False


def _bad_css(value: str) -> bool:
    squeezed = re.sub(r"/\*.*?\*/|\\|\s", "", value, flags=re.S).lower()
    return any(marker in squeezed for marker in BAD_CSS)


def _allowed_frame(attrs: dict[str, str | None]) -> bool:
    src = (attrs.get("src") or "").strip()
    if src and any(src.startswith(origin + "/") for origin in VIDEO_EMBED_ORIGINS):
        return True
    sandbox = attrs.get("sandbox")
    if sandbox is None or "allow-same-origin" in sandbox.lower().split():
        return False
    if src:
        return src.startswith(AD_FRAME_PREFIX)
    return "srcdoc" in attrs


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self._in_style = False

    def _flag(self, what: str) -> None:
        self.found.append(what)

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._check_raw_tag(tag)
        if tag == "script":
            self._script = dict(attrs)
            self._script_text = []
        elif tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)
        self._check_raw_tag(tag)
        if tag == "script":  # <script/> in HTML still opens a script element
            self._script = dict(attrs)
            self._script_text = []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self._check_script(self._script, "".join(self._script_text))
            self._script = None
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        elif self._in_style:
            if _bad_css(data):
                self._flag(f"<style> with code: {data[:80]!r}")
            if MARKUP.search(data):
                # Inside <svg> or <math> a <style> is no raw text: its "content" becomes
                # elements (the classic mutation-XSS shape). CSS never needs a tag.
                self._flag(f"<style> holding markup: {data[:80]!r}")

    def close(self):
        super().close()
        if self._script is not None:  # an unclosed script still runs
            self._check_script(self._script, "".join(self._script_text))

    def _check_raw_tag(self, tag):
        """A literal `<` inside a tag (escaped values hold `&lt;`) is markup hiding in an
        attribute, where browsers that treat the enclosing element as raw text (noscript, xmp,
        textarea, title, foreign content) would see a new element."""
        raw = self.get_starttag_text() or ""
        if "<" in raw[1:]:
            self._flag(f"markup inside <{tag}>: {raw[:80]!r}")

    def _check_script(self, attrs, text):
        src = (attrs.get("src") or "").strip()
        kind = (attrs.get("type") or "").strip().lower()
        if src:
            ours = src.startswith(STATIC_PREFIX) or src in OWN_SCRIPT_URLS
            if not ours or text.strip():
                self._flag(f"<script src={src!r}>")
            return
        if kind in JSON_TYPES and "</script" not in text.lower():
            try:
                json.loads(text)
                return
            except ValueError:
                pass
        self._flag(f"<script>{text[:80]!r}")

    def _check(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self._flag(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and value and _bad_url(value):
                self._flag(f"<{tag} {name}={value[:80]!r}>")
            if name == "style" and value and _bad_css(value):
                self._flag(f"<{tag} style={value[:80]!r}>")
        if tag in FORBIDDEN_ELEMENTS:
            self._flag(f"<{tag}>")
        if tag == "iframe" and not _allowed_frame(values):
            self._flag(f"<iframe {values!r}>")
        if tag == "meta" and (values.get("http-equiv") or "").strip().lower() in {
            "refresh",
            "set-cookie",
        }:
            self._flag(f"<meta http-equiv={values['http-equiv']!r}>")
        if tag == "link" and "import" in (values.get("rel") or "").lower().split():
            self._flag("<link rel=import>")


def executable_parts(html: str) -> list[str]:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker.found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _elements(xml: str | bytes, what: str) -> tuple[list[ElementTree.Element], list[str]]:
    """Every element of a well-formed document, or none and the one problem that it is not."""
    try:
        return list(ElementTree.fromstring(xml).iter()), []
    except ElementTree.ParseError as error:
        return [], [f"{what} is not well-formed XML: {error}"]


def feed_parts(xml: str | bytes) -> list[str]:
    """An RSS feed: well-formed, and no executable HTML in what readers render."""
    elements, found = _elements(xml, "feed")
    for element in elements:
        name = _local(element.tag)
        text = element.text or ""
        if name in {"description", "encoded", "title"}:
            found += [f"{name}: {part}" for part in executable_parts(text)]
        if name in {"link", "guid", "comments", "url"} and text.strip() and _bad_url(text):
            found.append(f"<{name}>{text[:80]!r}")
        for attribute, value in element.attrib.items():
            if _local(attribute) in {"href", "url", "src"} and _bad_url(value):
                found.append(f"<{name} {attribute}={value[:80]!r}>")
    return found


def sitemap_parts(xml: str | bytes) -> list[str]:
    """A sitemap: well-formed, and every location an http(s) address."""
    elements, found = _elements(xml, "sitemap")
    for element in elements:
        if _local(element.tag) == "loc":
            location = (element.text or "").strip()
            if not location.startswith(("http://", "https://")):
                found.append(f"<loc>{location[:80]!r}")
    return found


# The XSS corpus (xss_vectors.txt): every field people fill goes through it.
XSS_VECTORS = [
    line
    for line in Path(__file__).with_name("xss_vectors.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
