"""Finding the demo newsroom's pages as a reader would: from the links on the pages."""

import re
import urllib.request

from .server import Server


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def first_link(html: str, prefix: str) -> str:
    match = re.search(rf'href="({re.escape(prefix)}[^"#?]+)"', html)
    if match is None:
        raise LookupError(f"no link starting with {prefix} on the page")
    return match.group(1)


def reader_pages(server: Server) -> dict[str, str]:
    """Full URLs of the home page, the first article it lists and that article's section, the
    first policy page of the footer, the first series of the top bar's 기획·연재 and its
    first part, the corrections list and the newsletter's subscribe form."""
    home = f"{server.url}/"
    home_html = fetch(home)
    article = server.url + first_link(home_html, "/news/")
    section = server.url + first_link(fetch(article), "/section/")
    policy = server.url + first_link(home_html, "/policy/")
    series = server.url + first_link(fetch(f"{server.url}/series/"), "/series/")
    series_part = server.url + first_link(fetch(series), "/news/")
    return {
        "home": home,
        "section": section,
        "article": article,
        "policy": policy,
        "series": series,
        "series-part": series_part,
        "corrections": f"{server.url}/corrections/",
        "newsletter": f"{server.url}/newsletter/",
    }
