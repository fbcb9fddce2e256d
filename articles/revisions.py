"""Two 판 of an article side by side, the changes marked word by word.

Korean writes no space inside a word and glues particles to it (보건복지부 → 보건복지부는), so
text is cut into tokens: a run of Hangul syllables, a word of Latin letters and digits, or any
other single character. The token lists are compared with difflib; where a run was replaced by a
close one (a particle added, a typo fixed) the two are compared again by character, so only the
added syllables are marked. Bodies are compared as text, one paragraph per line.

Every piece of text is escaped: the marks (<del>, <ins>) are the only markup we add, and a title
holding "<script>" reads as that text.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html.parser import HTMLParser
from pathlib import PurePosixPath

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .models import CorrectionNotice
from .richtext import BLOCK_TAGS

NOTICE_KINDS = CorrectionNotice.Kind.choices

TOKEN = re.compile(r"[\uac00-\ud7a3]+|[A-Za-z0-9]+|.", re.DOTALL)
# A replaced run is marked by character when at least this share of it stayed the same.
CLOSE_ENOUGH = 0.5
# Beyond this many tokens a side, difflib's quadratic corners are not worth the wait.
AUTOJUNK_FROM = 2000


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text or "")


class _Paragraphs(HTMLParser):
    """The text of a body, a line per block (paragraph, heading, list item, caption …); a
    picture reads as "[사진: file name]", a library photo as "[사진 N번]", so a changed picture
    shows as a change."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]

    def _break(self):
        if self.lines[-1].strip():
            self.lines.append("")

    # The library photo of the figure being read: its pictures read by its number, so pointing
    # it at new renditions (a new file name) is no change.
    photo = None

    def handle_starttag(self, tag, attrs):
        if tag == "br" or tag in BLOCK_TAGS:
            self._break()
        if tag == "figure":
            self.photo = dict(attrs).get("data-photo")
        if tag == "img" and self.photo:
            self.lines[-1] += f"[사진 {self.photo}번]"
        elif tag == "img":
            source = dict(attrs).get("src") or ""
            self.lines[-1] += f"[사진: {PurePosixPath(source).name or '-'}]"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "figure":
            self.photo = None
        if tag in BLOCK_TAGS:
            self._break()

    def handle_data(self, data):
        self.lines[-1] += data


def body_text(html: str) -> str:
    """A stored (sanitized) body as plain text, one paragraph per line."""
    parser = _Paragraphs()
    parser.feed(html or "")
    parser.close()
    return "\n".join(" ".join(line.split()) for line in parser.lines if line.strip())


def _marked(tag: str, text: str) -> SafeString:
    return format_html("<{}>{}</{}>", tag, text, tag) if text else mark_safe("")


def _mark_replace(old: str, new: str) -> tuple[list[SafeString], list[SafeString]]:
    """A replaced stretch: by character when the two are close (보건복지부 → 보건복지부는), whole
    otherwise (an unrelated word reads better marked as one)."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    if len(old) + len(new) > 400 or matcher.ratio() < CLOSE_ENOUGH:
        return [_marked("del", old)], [_marked("ins", new)]
    left, right = [], []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            left.append(escape(old[a1:a2]))
            right.append(escape(new[b1:b2]))
        else:
            left.append(_marked("del", old[a1:a2]))
            right.append(_marked("ins", new[b1:b2]))
    return left, right


def diff_texts(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The older text with what went marked <del>, the newer with what came marked <ins>."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > AUTOJUNK_FROM)
    left: list[str] = []
    right: list[str] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        gone, came = "".join(a[a1:a2]), "".join(b[b1:b2])
        if op == "equal":
            left.append(escape(gone))
            right.append(escape(came))
        elif op == "replace":
            marked_left, marked_right = _mark_replace(gone, came)
            left += marked_left
            right += marked_right
        else:
            left.append(_marked("del", gone))
            right.append(_marked("ins", came))
    # Every piece above is escaped text or a mark made by format_html.
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308


@dataclass(frozen=True)
class FieldDiff:
    label: str
    old: SafeString
    new: SafeString
    changed: bool


def _picture(revision) -> str:
    """The lead photo of a 판 as text: its number in the library and file name, with its credit
    (a photo deleted from the library since reads as such)."""
    if revision.lead_photo_id is None:
        return ""
    photo = revision.lead_photo
    if photo is None:
        return "사진DB에서 삭제된 사진"
    credit = f" ⓒ {photo.credit}" if photo.credit else ""
    return f"사진 {photo.pk}번 · {PurePosixPath(photo.image.name).name}{credit}"


def _caption(revision) -> str:
    """The caption readers read under it: the article's own, else the photo's."""
    if revision.lead_photo_caption:
        return revision.lead_photo_caption
    photo = revision.lead_photo if revision.lead_photo_id else None
    return photo.caption if photo is not None else ""


def _notices(revision) -> str:
    """The standing notices of a 판, one a line: "[정정보도] 내용"."""
    kinds = dict(NOTICE_KINDS)
    return "\n".join(
        f"[{kinds.get(n.get('kind'), n.get('kind'))}] {' '.join(str(n.get('text', '')).split())}"
        for n in revision.notices or []
    )


# (label, what of a 판 is compared, as text)
COMPARED = (
    ("제목", lambda r: r.title),
    ("부제", lambda r: r.subtitle),
    ("섹션", lambda r: r.section_name),
    ("기자", lambda r: ", ".join(r.byline_names)),
    ("태그", lambda r: ", ".join(r.tags)),
    ("대표 사진", _picture),
    ("사진 설명", _caption),
    ("본문", lambda r: body_text(r.body)),
    ("정정·반론보도", lambda r: _notices(r)),
)


def compare(older, newer) -> list[FieldDiff]:
    """Every compared field of two 판, changed or not, in the form's order."""
    diffs = []
    for label, read in COMPARED:
        old, new = read(older), read(newer)
        marked_old, marked_new = diff_texts(old, new)
        diffs.append(FieldDiff(label, marked_old, marked_new, old != new))
    return diffs
