from datetime import datetime

from django import template
from django.utils import timezone

from newsroom import pagecache
from newsroom.pagecache.generation import LISTS, cached_fragment

register = template.Library()

KOREAN_WEEKDAYS = "월화수목금토일"


def date_bar_text(now: datetime | None = None) -> str:
    """Today's date in Korea as the date bar shows it: `2025.08.26 (화)`."""
    local = timezone.localtime(now or timezone.now())
    return f"{local:%Y.%m.%d} ({KOREAN_WEEKDAYS[local.weekday()]})"


def render_date_bar(request, argument: str = "") -> str:
    """The page cache's live part "date": the day turns at midnight, not when a page is saved."""
    return date_bar_text()


@register.simple_tag(takes_context=True)
def korean_date_bar(context) -> str:
    return pagecache.live_part(context.get("request"), "date")


@register.simple_tag(takes_context=True)
def breaking_news(context) -> str:
    """The 속보 banner (newsroom.site.breaking), filled per request on cached pages too."""
    return pagecache.live_part(context.get("request"), "breaking")


@register.filter
def korean_datetime(value: datetime | None) -> str:
    """`2025.08.26 14:05` in Korea's time, as bylines show 입력/수정 times."""
    if not value:
        return ""
    return f"{timezone.localtime(value):%Y.%m.%d %H:%M}"


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, vary, scopes):
        self.nodelist = nodelist
        self.name = name
        self.vary = vary
        self.scopes = scopes

    def render(self, context):
        request = context.get("request")
        if request is None:  # an error page rendered without the request: nothing is kept
            return self.nodelist.render(context)
        name = ":".join(
            str(part.resolve(context, ignore_failures=True) or "")
            for part in (self.name, *self.vary)
        )
        scopes = (LISTS,) if self.scopes is None else self.scopes.resolve(context) or ()
        if isinstance(scopes, str):
            scopes = tuple(scope for scope in scopes.split(",") if scope)
        pieces = cached_fragment(
            name,
            lambda: pagecache.render_pieces(request, lambda: self.nodelist.render(context)),
            scopes=scopes,
        )
        return pagecache.fill_pieces(request, pieces)


@register.tag
def fragment(parser, token):
    """`{% fragment "name" [vary …] [scopes="…"] %}…{% endfragment %}`: the block's HTML, kept
    for the current generation and the versions of `scopes` (comma-separated; by default the
    article lists, `scopes=""` for what only a site-wide change alters) and `vary`'s values
    (newsroom.pagecache.generation.cached_fragment), also with the page cache off. Live parts
    inside (banners, the date) are kept as markers and filled per request."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("fragment needs a name")
    name, vary, scopes = parser.compile_filter(bits[0]), [], None
    for bit in bits[1:]:
        if bit.startswith("scopes="):
            scopes = parser.compile_filter(bit.removeprefix("scopes="))
        else:
            vary.append(parser.compile_filter(bit))
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name, vary, scopes)
