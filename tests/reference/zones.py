#!/usr/bin/env python3
"""UTC offsets by Python, for tests/recurrence_reference.rs.

Reads on standard input:
  {"instants": [Unix seconds],
   "named": [IANA names],                      -- offsets by the standard library's zoneinfo
   "defined": [[file, TZID], ...]}             -- the VTIMEZONE of that TZID in that file, as
                                                  python-icalendar reads it (lookup_tzid=False:
                                                  the definition itself, not a zone of that name)
and writes {"named": {name: [offsets]}, "defined": {"file\\tTZID": [offsets]}}, offsets in
seconds at each instant.
"""

import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar

request = json.load(sys.stdin)
instants = [datetime.fromtimestamp(t, tz=timezone.utc) for t in request["instants"]]


def offsets(tz):
    return [int(t.astimezone(tz).utcoffset().total_seconds()) for t in instants]


out = {"named": {n: offsets(ZoneInfo(n)) for n in request["named"]}, "defined": {}}
for path, tzid in request["defined"]:
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read(), multiple=True)
    for c in cal:
        for vtz in c.walk("VTIMEZONE"):
            if str(vtz.get("TZID")).strip() == tzid:
                out["defined"][f"{path}\t{tzid}"] = offsets(vtz.to_tz(lookup_tzid=False))
json.dump(out, sys.stdout)
