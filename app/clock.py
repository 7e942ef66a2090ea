"""The one place that reads the clock; rules get the date passed in."""

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    return dt.datetime.now(TZ).date()
