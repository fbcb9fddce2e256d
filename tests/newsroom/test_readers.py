"""The one reader rule (newsroom.readers) with real user agents: crawlers, link previews and
prefetches are never counted; browsers, Korean in-app browsers included, are."""

import pytest
from django.test import RequestFactory

from newsroom.readers import is_reader
from tests.user_agents import CHROME, NOT_READERS, READERS


def _request(agent: str, method: str = "get", **headers):
    if agent:
        headers["HTTP_USER_AGENT"] = agent
    return getattr(RequestFactory(), method)("/news/1/", **headers)


@pytest.mark.parametrize("agent", NOT_READERS.values(), ids=NOT_READERS.keys())
def test_crawlers_link_previews_and_scripts_are_not_readers(agent):
    assert not is_reader(_request(agent))


@pytest.mark.parametrize("agent", READERS.values(), ids=READERS.keys())
def test_browsers_are_readers(agent):
    assert is_reader(_request(agent))


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_PURPOSE": "Prefetch"},
    ],
    ids=["sec-purpose prefetch", "sec-purpose prerender", "purpose prefetch", "capitalised"],
)
def test_browser_prefetch_is_not_a_reader(headers):
    assert not is_reader(_request(CHROME, **headers))


def test_head_and_post_are_not_readers():
    assert not is_reader(_request(CHROME, method="head"))
    assert not is_reader(_request(CHROME, method="post"))
    assert not is_reader(None)


def test_a_very_long_agent_is_judged_the_same_and_never_kept():
    from newsroom import readers

    chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"
    padded = chrome + " x" * 2000
    kept = readers._is_reader_agent.cache_info().currsize
    assert readers.is_reader_agent(padded) and not readers.is_reader_agent(padded + " Googlebot")
    assert readers._is_reader_agent.cache_info().currsize == kept
    assert readers.is_reader_agent(chrome)
    assert readers._is_reader_agent.cache_info().currsize in (kept, kept + 1)
