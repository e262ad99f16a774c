#!/usr/bin/env python3
"""The recurrence reference suite: recurring events and their occurrences by python-dateutil.

Writes OUT/events.ics (every event, one UID each, with its overrides) and OUT/expected.json
({uid: [start instants in UTC, ISO 8601]}, the occurrences starting inside the window) for
tests/recurrence_reference.rs, which reads the same calendar with musaid and compares.

The events cover every FREQ, every BYxxx part, BYSETPOS, INTERVAL, WKST, COUNT and UNTIL (UTC,
and floating for floating events), EXDATE and RDATE (in the event's zone and in UTC),
RECURRENCE-ID overrides, all-day and floating events, and start times on and around the DST
transitions of Europe/London, America/New_York and Australia/Sydney (Asia/Riyadh has none).
The same seed gives the same suite.

Usage: recurrence.py OUT_DIR
"""

import json
import random
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.rrule import rruleset, rrulestr

WINDOW = (datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2028, 1, 1, tzinfo=timezone.utc))
ZONES = ["Asia/Riyadh", "Europe/London", "America/New_York", "Australia/Sydney", None, "UTC"]

# Local start times worth testing per zone: ordinary days and the days clocks change
# (the hour that repeats and the hour that does not exist).
TRANSITIONS = {
    "Europe/London": [datetime(2026, 3, 29, 1, 30), datetime(2026, 10, 25, 1, 30),
                      datetime(2027, 3, 28, 0, 30), datetime(2026, 10, 24, 1, 30)],
    "America/New_York": [datetime(2026, 3, 8, 2, 30), datetime(2026, 11, 1, 1, 30),
                         datetime(2027, 3, 13, 2, 30), datetime(2026, 10, 31, 1, 0)],
    "Australia/Sydney": [datetime(2026, 4, 5, 2, 30), datetime(2026, 10, 4, 2, 30),
                         datetime(2027, 4, 3, 2, 30), datetime(2026, 10, 3, 2, 0)],
}

# (rule, sub-daily): sub-daily rules always end (COUNT or a near UNTIL).
RULES = [
    ("FREQ=YEARLY", False),
    ("FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU", False),
    ("FREQ=YEARLY;BYWEEKNO=1,20,-1;BYDAY=MO", False),
    ("FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", False),
    ("FREQ=YEARLY;BYYEARDAY=1,100,-1", False),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29", False),
    ("FREQ=YEARLY;BYDAY=20MO", False),
    ("FREQ=YEARLY;BYMONTH=11;BYDAY=TH;BYSETPOS=4", False),
    ("FREQ=YEARLY;INTERVAL=2;BYMONTH=6;BYMONTHDAY=-1", False),
    ("FREQ=YEARLY;BYMONTH=1;BYDAY=MO,TU;BYHOUR=8,16", False),
    ("FREQ=MONTHLY", False),
    ("FREQ=MONTHLY;BYMONTHDAY=31", False),
    ("FREQ=MONTHLY;BYMONTHDAY=-1,-3", False),
    ("FREQ=MONTHLY;BYDAY=2TU", False),
    ("FREQ=MONTHLY;BYDAY=-1FR", False),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", False),
    ("FREQ=MONTHLY;BYDAY=SU,MO;BYSETPOS=1,-1", False),
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15,30", False),
    ("FREQ=MONTHLY;BYMONTH=1,6;BYDAY=1WE", False),
    ("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", False),
    ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;WKST=SU", False),
    ("FREQ=WEEKLY", False),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=SU", False),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=MO", False),
    ("FREQ=WEEKLY;BYDAY=MO,WE,FR", False),
    ("FREQ=WEEKLY;INTERVAL=3;BYDAY=SA;WKST=SA", False),
    ("FREQ=WEEKLY;BYDAY=TH;BYHOUR=9,15", False),
    ("FREQ=WEEKLY;BYMONTH=3,4;BYDAY=SU", False),
    ("FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH;BYSETPOS=-1", False),
    ("FREQ=DAILY", False),
    ("FREQ=DAILY;INTERVAL=3", False),
    ("FREQ=DAILY;BYHOUR=9,13", False),
    ("FREQ=DAILY;BYDAY=SU,MO,TU,WE,TH", False),
    ("FREQ=DAILY;BYMONTHDAY=1,15", False),
    ("FREQ=DAILY;BYMONTH=10,11,3,4;BYHOUR=0,1,2,3;BYMINUTE=30", False),
    ("FREQ=DAILY;INTERVAL=10;BYHOUR=7;BYMINUTE=0,45;BYSECOND=15", False),
    ("FREQ=HOURLY;INTERVAL=5", True),
    ("FREQ=HOURLY;BYHOUR=1,2,3", True),
    ("FREQ=HOURLY;INTERVAL=7;BYDAY=MO", True),
    ("FREQ=HOURLY;BYMINUTE=0,30;BYSETPOS=2", True),
    ("FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11", True),
    ("FREQ=MINUTELY;INTERVAL=15", True),
    ("FREQ=MINUTELY;INTERVAL=45;BYDAY=SU", True),
    ("FREQ=SECONDLY;INTERVAL=1800;BYMINUTE=0", True),
    ("FREQ=SECONDLY;BYSECOND=0,30;BYMINUTE=0;BYHOUR=12", True),
]

ALL_DAY_RULES = ["FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=FR,SA", "FREQ=MONTHLY;BYMONTHDAY=1",
                 "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25", "FREQ=MONTHLY;BYDAY=-1SU"]


def local_text(dt):
    return dt.strftime("%Y%m%dT%H%M%S")


def utc_text(dt):
    return dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def aware(naive, zone):
    if zone is None:
        return naive  # floating: compared as UTC on both sides
    return naive.replace(tzinfo=ZoneInfo(zone))


def as_utc(dt):
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def prop(name, naive, zone, all_day=False):
    """A date-time property in the event's own form."""
    if all_day:
        return f"{name};VALUE=DATE:{naive.strftime('%Y%m%d')}"
    if zone is None:
        return f"{name}:{local_text(naive)}"
    if zone == "UTC":
        return f"{name}:{local_text(naive)}Z"
    return f"{name};TZID={zone}:{local_text(naive)}"


def occurrences(rule, start, exdates, rdates, limit_to):
    rs = rruleset()
    rs.rrule(rrulestr(rule, dtstart=start))
    for d in exdates:
        rs.exdate(d)
    for d in rdates:
        rs.rdate(d)
    out = []
    for dt in rs:
        if as_utc(dt) >= limit_to:
            break
        out.append(dt)
    return out


def events():
    rnd = random.Random(5545)
    n = 0
    for zone in ZONES:
        starts = TRANSITIONS.get(zone, [])
        for i, (rule, subdaily) in enumerate(RULES):
            for variant in range(2):
                n += 1
                if starts and (i + variant) % 3 == 0:
                    start = starts[(i + variant) % len(starts)]
                else:
                    start = datetime(2026, 1, 1) + timedelta(days=rnd.randrange(0, 540))
                    start = start.replace(hour=rnd.choice([0, 1, 2, 3, 9, 13, 23]),
                                          minute=rnd.choice([0, 30]))
                yield make(n, zone, rule, subdaily, start, variant, rnd, all_day=False)
        for j, rule in enumerate(ALL_DAY_RULES):
            n += 1
            start = datetime(2026, 1, 1) + timedelta(days=rnd.randrange(0, 400))
            yield make(n, zone, rule, False, start, j, rnd, all_day=True)


def make(n, zone, rule, subdaily, start, variant, rnd, all_day):
    uid = f"ref-{n:04d}@musaid.test"
    if all_day:
        zone = None
    ending = (n + variant) % 3
    if subdaily:
        ending = 1 if ending == 0 else ending
    if ending == 1:
        rule += f";COUNT={rnd.randrange(3, 60 if not subdaily else 300)}"
    elif ending == 2:
        span = timedelta(days=20 if subdaily else rnd.randrange(30, 500))
        until = start + span
        if zone is None:
            rule += f";UNTIL={local_text(until)}" if not all_day else f";UNTIL={until.strftime('%Y%m%d')}"
        else:
            rule += f";UNTIL={utc_text(aware(until, zone))}"
    dtstart = aware(start, zone)
    base = occurrences(rule, dtstart, [], [], WINDOW[1])
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", prop("DTSTART", start, zone, all_day)]
    if all_day:
        lines.append(f"DTEND;VALUE=DATE:{(start + timedelta(days=1)).strftime('%Y%m%d')}")
    else:
        lines.append("DURATION:PT30M")
    lines += [f"RRULE:{rule}", f"SUMMARY:Reference {n}"]
    exdates, rdates, overrides = [], [], []
    extra = n % 4
    if extra == 1 and len(base) > 2:
        ex = base[1]
        exdates.append(ex)
        if zone not in (None, "UTC") and n % 8 == 1:
            lines.append(f"EXDATE:{utc_text(ex)}")
        else:
            lines.append(prop("EXDATE", ex.replace(tzinfo=None), zone, all_day))
    elif extra == 2:
        rd = (base[0] if base else dtstart) + timedelta(days=3, hours=5 if not all_day else 0)
        rdates.append(rd)
        lines.append(prop("RDATE", rd.replace(tzinfo=None), zone, all_day))
    elif extra == 3 and len(base) > 3:
        overrides.append(base[2])
    lines.append("END:VEVENT")
    for o in overrides:
        moved = o + timedelta(hours=2) if not all_day else o + timedelta(days=1)
        lines += ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
                  prop("RECURRENCE-ID", o.replace(tzinfo=None), zone, all_day),
                  prop("DTSTART", moved.replace(tzinfo=None), zone, all_day),
                  "DURATION:PT30M" if not all_day else
                  f"DTEND;VALUE=DATE:{(moved + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:Reference {n} (moved)", "END:VEVENT"]
    starts = occurrences(rule, dtstart, exdates, rdates, WINDOW[1])
    starts = [as_utc(s) for s in starts if as_utc(s) not in {as_utc(o) for o in overrides}]
    starts += [as_utc((o + timedelta(hours=2)) if not all_day else o + timedelta(days=1)) for o in overrides]
    starts = sorted(s for s in starts if WINDOW[0] <= s < WINDOW[1])
    return uid, lines, [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    calendar = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//musaid//recurrence reference//EN"]
    expected = {}
    for uid, lines, starts in events():
        calendar += lines
        expected[uid] = starts
    calendar.append("END:VCALENDAR")
    (out / "events.ics").write_text("\r\n".join(calendar) + "\r\n")
    (out / "expected.json").write_text(json.dumps(expected, indent=0, sort_keys=True))
    print(f"{len(expected)} events, {sum(map(len, expected.values()))} occurrences")


if __name__ == "__main__":
    main()
