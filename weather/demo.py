"""Demo weather: the reference page's ticker (KMA, 2025-08-26 15:00 KST), from a saved answer.

`make run` (load_demo) imports it exactly as `fetch_weather --from-file` would; running it again
updates the same 16 readings. The data is older than WEATHER_STALE_AFTER_MINUTES, so the ticker
shows it with its date and time rather than as current weather.
"""

from pathlib import Path

from .models import WeatherReading
from .services import import_payload

REFERENCE_SAMPLE = Path(__file__).parent / "demo_data" / "kma_sfctm2_reference_20250826.txt"


def load() -> dict[str, int]:
    report = import_payload(
        payload=REFERENCE_SAMPLE.read_bytes(), source=WeatherReading.Source.FILE
    )
    return {"readings": report.stored, "readings_created": report.created}
