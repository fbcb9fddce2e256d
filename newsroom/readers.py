"""Who counts as a reader: the one rule behind every count of people (article views, banner
impressions, banner clicks).

Crawlers (Google, Naver's Yeti, Daum's Daumoa, Bing), link previews (Facebook, KakaoTalk's
scraper, Slack), monitors and scripts are served but never counted; neither is a HEAD request
nor a page the browser fetched ahead of time (Chrome's prefetch and prerender send
`Sec-Purpose`, older browsers `Purpose`), since nobody has looked at it yet.

Korean in-app browsers are readers: KakaoTalk's (`KAKAOTALK 10.x`), Naver's (`NAVER(inapp; …)`)
and Daum's (`DaumApps/…`) say so in their user agent and match none of the names below.
"""

import re
from functools import lru_cache

# One list of the user agents that are not people. Browsers always send a user agent, so an
# empty one is a script too.
NON_READER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|yeti|daumoa|daum/\d|archiver|facebookexternalhit|kakaotalk-scrap"
    r"|embedly|preview|headless|lighthouse|pingdom|uptime|monitor|curl|wget|python|http-?client"
    r"|okhttp|go-http|scrapy|java/|libwww|axios|node-fetch",
    re.IGNORECASE,
)


# Real browsers' agents are under 300 characters; a longer one (a client can send kilobytes) is
# judged each time rather than kept, so the memo stays a few hundred kilobytes at most.
MEMO_AGENT_LENGTH = 512


def is_reader_agent(user_agent: str | None) -> bool:
    """A person's browser, judged by its user agent alone."""
    if not user_agent:
        return False
    judge = _is_reader_agent if len(user_agent) <= MEMO_AGENT_LENGTH else _judge
    return judge(user_agent)


def _judge(user_agent: str) -> bool:
    return not NON_READER_AGENT.search(user_agent)


# Readers' browsers are a few hundred agents; a page asks per request.
_is_reader_agent = lru_cache(maxsize=1024)(_judge)


def is_prefetch(request) -> bool:
    meta = request.META  # not request.headers: that copies every header, on every request
    purpose = f"{meta.get('HTTP_SEC_PURPOSE', '')} {meta.get('HTTP_PURPOSE', '')}".lower()
    return "prefetch" in purpose or "prerender" in purpose


def is_reader(request, *, method: str = "GET") -> bool:
    """A person's own GET of a page: not a bot or link preview, not HEAD, not a prefetch.
    `method="POST"`: a person's browser reporting on a page it showed (banners' view beacon)."""
    if request is None or request.method != method:
        return False
    if is_prefetch(request):
        return False
    return is_reader_agent(request.META.get("HTTP_USER_AGENT"))
