"""newsroom.params: the one reader of numbers and dates from requests."""

from datetime import date

import pytest

from newsroom.params import ascii_int, parse_date


@pytest.mark.parametrize(
    "raw", ["²", "①", "٣", "１", "1_0", "+1", "-1", " 1", "1.0", "", None, "1" * 10]
)
def test_only_ascii_digits_are_numbers(raw):
    assert ascii_int(raw) is None
    assert ascii_int(raw, default=7) == 7


def test_ascii_digits_are_numbers():
    assert ascii_int("0") == 0
    assert ascii_int("123456789") == 123456789
    assert ascii_int("1234567", max_digits=6) is None


@pytest.mark.parametrize(
    "raw", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "0000-00-00"]
)
def test_dates_outside_the_bounded_range_are_refused_in_korean(raw):
    with pytest.raises(ValueError, match=r"사이로 입력하세요|형식으로 입력하세요"):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["어제", "2026-1-1", "２０２６-01-01", "20260101", "", None])
def test_dates_in_another_form_are_refused_in_korean(raw):
    with pytest.raises(ValueError, match="2026-01-31 같은 형식"):
        parse_date(raw)


def test_a_date_in_range_is_read():
    assert parse_date("2026-12-01") == date(2026, 12, 1)
