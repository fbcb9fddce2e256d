"""Numbers and dates read from a request (query string or form), one way everywhere.

`str.isdigit()` passes "²" and "①", which `int()` refuses (a 500), and `int()` itself takes
"٣" and "1_0". Only ASCII digits are numbers here. Dates are bounded so that no arithmetic on
them (the next day, a year later, UTC from Seoul time) can leave Python's range.
"""

import re
from datetime import date

_ASCII_DIGITS = re.compile(r"[0-9]+")

# The dates any page of ours reads: wide enough for the archive and for planning ahead, and far
# from datetime's limits (years 1 and 9999).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

DATE_FORMAT_MESSAGE = "날짜는 2026-01-31 같은 형식으로 입력하세요."
DATE_RANGE_MESSAGE = f"날짜는 {EARLIEST_DATE.year}년부터 {LATEST_DATE.year}년 사이로 입력하세요."


def ascii_int(raw, *, default: int | None = None, max_digits: int = 9) -> int | None:
    """`raw` as a whole number when it is 1 to `max_digits` ASCII digits, else `default`."""
    if not isinstance(raw, str) or len(raw) > max_digits or not _ASCII_DIGITS.fullmatch(raw):
        return default
    return int(raw)


def parse_date(raw: str) -> date:
    """A `YYYY-MM-DD` date between EARLIEST_DATE and LATEST_DATE; a ValueError with a Korean
    message (str(error)) otherwise."""
    if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValueError(DATE_FORMAT_MESSAGE)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(DATE_FORMAT_MESSAGE) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(DATE_RANGE_MESSAGE)
    return day
