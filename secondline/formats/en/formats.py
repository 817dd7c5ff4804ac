"""English date formats with a 24-hour clock and the day first, as business hours are written
(10:00-19:00) and as the Russian side of the product reads; Django's own English default is
the US "Nov. 25, 2026, 7 p.m."."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
