"""Korea Standard Time, the newsroom's clock: settings.TIME_ZONE, the date bar, KMA's
observation times and the day a banner's impressions belong to."""

from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
