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
    """Full URLs of the home page, the first article it lists and that article's section."""
    home = f"{server.url}/"
    article = server.url + first_link(fetch(home), "/news/")
    section = server.url + first_link(fetch(article), "/section/")
    return {"home": home, "section": section, "article": article}
