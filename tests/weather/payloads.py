"""KMA payloads for the weather tests (the fake KMA is in kma_fake.py)."""

from datetime import datetime
from pathlib import Path

from newsroom.timezones import KST
from weather.models import Station, WeatherReading

SAMPLES = Path(__file__).parent / "samples"
REFERENCE = "kma_sfctm2_reference_20250826.txt"
REFERENCE_HOUR = datetime(2025, 8, 26, 15, 0, tzinfo=KST)

# One data row of the reference sample (서울 108); tests replace columns to build payloads.
ROW = (
    "202508261500 108  25  1.3  -9 -9.0   -9 1001.7 1009.5  7  -0.9  29.7  23.3  55.0  28.6"
    "   -9.0   -9.0   -9.0   -9.0   -9.0   -9.0   -9.0 -9 -9 -                        6   0"
    "   -9 -         -9  -9  -9  4134  0.5  1.88 -9  45.4 -99.0 -99.0 -99.0 -99.0  -9 -9.0 -9"
    "  3  2"
)
COLUMN = {"TM": 0, "STN": 1, "TA": 11, "RN": 15, "WC": 22, "CA_TOT": 25, "IR": 44}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def row(**columns: str) -> str:
    tokens = ROW.split()
    for name, value in columns.items():
        tokens[COLUMN[name]] = str(value)
    return " ".join(tokens)


def payload(*rows: str) -> bytes:
    header = "#START7777\n#  기상청 지상관측 시간자료\n"
    return (header + "\n".join(rows) + "\n#7777END\n").encode("euc-kr")


def reference_rows(*, hour: str = "202508261500", skip=(), **overrides) -> list[str]:
    """The reference sample's rows, re-timed to `hour`, without the station ids in `skip`."""
    rows = []
    for line in sample(REFERENCE).decode("cp949").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        tokens = line.split()
        if int(tokens[1]) in skip:
            continue
        tokens[0] = hour
        for name, value in overrides.items():
            tokens[COLUMN[name]] = str(value)
        rows.append(" ".join(tokens))
    return rows


def readings() -> dict[int, WeatherReading]:
    return {r.station.kma_id: r for r in WeatherReading.objects.select_related("station")}


def shown_ids() -> list[int]:
    return list(Station.objects.shown().values_list("kma_id", flat=True))
