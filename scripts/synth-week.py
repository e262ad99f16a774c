#!/usr/bin/env python3
"""Writes a synthetic week of mail for scripts/replay-week.sh: the messages and a schedule.

    scripts/synth-week.py OUT_DIR [--monday 2026-11-23] [--seed 7]

A working week of the example configuration's mailboxes (conf/musaid.toml):

- ceo@example.com (Riyadh, Sunday to Thursday): people's mail from tests/labelled/ (the
  project's hand-written business mail, English and Arabic), list mail, newsletters,
  notifications from robots, real bounces from tests/corpus/flufl-bounce/, meeting
  invitations;
- support@example.com (London, Monday to Friday): customers' support requests (the labelled
  support messages, readdressed) and the robot mail a shared address receives: a bank's
  "statement ready", monitoring alerts, a calendar invitation;
- billing@example.com: invoices.

The owners answer part of the mail that needs them, from their own address (SMTP AUTH), at
a delay that depends on the kind of message and falls in their working hours; the rest stays
unanswered. Messages keep their bytes except Date, Message-ID and the recipient headers,
which are rewritten.

OUT_DIR/schedule.jsonl has one line per message, in time order:
  {"at": "2026-11-23T06:14:00Z", "from": "...", "rcpt": ["..."], "auth": null, "file": "..."}
Running it twice with the same seed writes the same files.
"""

import argparse
import datetime as dt
import email.utils
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LABELLED = os.path.join(ROOT, "tests", "labelled")
BOUNCES = os.path.join(ROOT, "tests", "corpus", "flufl-bounce")

UTC = dt.timezone.utc
RIYADH = dt.timezone(dt.timedelta(hours=3))
LONDON = dt.timezone.utc  # November: GMT


def drop_headers(raw: bytes, names):
    """The message without the header fields in `names` (lower case), continuation lines
    included, and the line ending it uses."""
    crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        nl, cut = b"\r\n", crlf
    else:
        nl, cut = b"\n", lf if lf >= 0 else len(raw)
    head, sep, body = raw[:cut], nl + nl, raw[cut + 2 * len(nl):]
    kept, skipping = [], False
    for line in head.split(nl):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("latin-1")
        skipping = name in names
        if not skipping:
            kept.append(line)
    return nl.join(kept) + sep + body, nl


def readdress(raw: bytes, headers) -> bytes:
    """`raw` with the fields of `headers` (a list of (name, value)) put first and any earlier
    field of the same names removed."""
    names = {n.lower() for n, _ in headers}
    rest, nl = drop_headers(raw, names)
    top = nl.join(f"{n}: {v}".encode("utf-8") for n, v in headers)
    return top + nl + rest


def sender_of(raw: bytes) -> str:
    m = re.search(rb"^Return-Path:\s*<([^>]*)>", raw, re.M | re.I)
    if m:
        return m.group(1).decode()
    m = re.search(rb"^From:.*?<([^>]+)>", raw, re.M | re.I | re.S)
    return m.group(1).decode() if m else "someone@partner.example"


def subject_of(raw: bytes) -> str:
    m = re.search(rb"^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", raw, re.M | re.I)
    return re.sub(r"\s*\r?\n\s*", " ", m.group(1).decode("latin-1")).strip() if m else ""


def working_time(rng, day, tz, hours):
    start, end = hours
    minute = rng.randrange(start * 60, end * 60)
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, rng.randrange(60)), tz)
    return local.astimezone(UTC)


def later_in_working_hours(t, delay, tz, hours, days):
    """`t + delay`, moved forward to the next working minute of the mailbox."""
    u = (t + delay).astimezone(tz)
    for _ in range(14):
        if u.weekday() in days and hours[0] <= u.hour < hours[1]:
            return u.astimezone(UTC)
        if u.weekday() in days and u.hour < hours[0]:
            u = u.replace(hour=hours[0], minute=u.minute % 45 + 5)
        else:
            u = (u + dt.timedelta(days=1)).replace(hour=hours[0], minute=u.minute % 45 + 5)
    return u.astimezone(UTC)


class Week:
    def __init__(self, out, monday):
        self.out, self.monday = out, monday
        self.items = []
        os.makedirs(os.path.join(out, "messages"), exist_ok=True)

    def add(self, at, sender, rcpts, raw, auth=None, headers=()):
        n = len(self.items) + 1
        mid = f"<week-{n:03}.{int(at.timestamp())}@{sender.split('@')[-1] or 'mailer.example'}>"
        fields = [("Date", email.utils.format_datetime(at)), ("Message-ID", mid), *headers]
        raw = readdress(raw, fields)
        name = f"messages/{n:03}.eml"
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(raw)
        self.items.append(
            {"at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "from": sender, "rcpt": rcpts, "auth": auth, "file": name}
        )
        return mid

    def reply(self, at, owner, to, mid, subject, text):
        body = f"From: {owner}\nTo: {to}\nSubject: Re: {subject}\nIn-Reply-To: {mid}\nReferences: {mid}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{text}\n"
        self.add(at, owner, [to], body.encode(), auth=owner.split("@")[0])

    def day(self, i):
        return self.monday + dt.timedelta(days=i)

    def write(self):
        self.items.sort(key=lambda x: x["at"])
        with open(os.path.join(self.out, "schedule.jsonl"), "w") as f:
            for item in self.items:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")


def machine(frm, to, subject, body, extra=""):
    return (
        f"From: {frm}\nTo: {to}\nSubject: {subject}\n{extra}MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


INVITE = """From: {frm}
To: {to}
Subject: Invitation: {title}
Auto-Submitted: auto-generated
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

You have been invited to {title}.

--b1
Content-Type: text/calendar; charset=utf-8; method=REQUEST

BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VEVENT
DTSTART:{start}
DTEND:{end}
DTSTAMP:{stamp}
ORGANIZER;CN=Organiser:mailto:{org}
UID:{uid}
ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{att}
SUMMARY:{title}
SEQUENCE:0
STATUS:CONFIRMED
END:VEVENT
END:VCALENDAR

--b1--
"""


def invitation(frm, org, to, title, start, uid, stamp):
    fmt = "%Y%m%dT%H%M%SZ"
    return INVITE.format(
        frm=frm, org=org, to=to, att=to, title=title, uid=uid,
        start=start.strftime(fmt), end=(start + dt.timedelta(hours=1)).strftime(fmt), stamp=stamp.strftime(fmt),
    ).encode()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--monday", default="2026-11-23")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = random.Random(a.seed)
    monday = dt.date.fromisoformat(a.monday)
    if monday.weekday() != 0:
        sys.exit(f"synth-week: --monday {a.monday} is not a Monday")
    week = Week(a.out, monday)

    labels = json.load(open(os.path.join(LABELLED, "labels.json")))
    by_category = {}
    for name in sorted(labels):
        by_category.setdefault(labels[name]["category"], []).append(name)

    ceo_days = [6, 0, 1, 2, 3]  # Sunday..Thursday (Python weekday numbers)
    ceo_hours = (8, 17)
    support_days = [0, 1, 2, 3, 4]
    support_hours = (9, 18)
    # How the executive's office answers: share answered, delay range in hours.
    answering = {"urgent": (0.85, 0.2, 3), "important": (0.7, 2, 40), "meeting": (0.6, 1, 30)}

    # People's mail to the CEO: every labelled category but support, 28 of each.
    ceo_mail = []
    for category in ["urgent", "important", "meeting", "deferrable", "promotional"]:
        ceo_mail += [(n, category) for n in rng.sample(by_category[category], 28)]
    rng.shuffle(ceo_mail)
    for name, category in ceo_mail:
        raw = open(os.path.join(LABELLED, "messages", name), "rb").read()
        day = week.day(rng.choice([6, 0, 1, 2, 3, 0, 1, 2, 4, 5]) % 7)
        at = working_time(rng, day, RIYADH, (7, 20))
        sender = sender_of(raw)
        mid = week.add(at, sender, ["ceo@example.com"], raw)
        share, low, high = answering.get(category, (0, 0, 0))
        if rng.random() < share:
            delay = dt.timedelta(minutes=rng.randrange(int(low * 60), int(high * 60) + 1))
            when = later_in_working_hours(at, delay, RIYADH, ceo_hours, ceo_days)
            owner = "ceo@example.com" if rng.random() < 0.7 else "assistant@example.com"
            week.reply(when, owner, sender, mid, subject_of(raw), "Thank you, noted. / شكراً، تم.")

    # Machine mail to the CEO: lists, newsletters, notifications, bounces, invitations.
    for i in range(12):
        day = week.day(i % 7)
        at = working_time(rng, day, RIYADH, (5, 23))
        raw = machine(
            "Gulf Business Weekly <news@gbw.example>", "ceo@example.com", f"This week in Gulf business, issue {300 + i}",
            "The week's markets, deals and people.\n\nUnsubscribe: https://gbw.example/u",
            "List-Id: <weekly.gbw.example>\nList-Unsubscribe: <https://gbw.example/u>\nPrecedence: bulk\n",
        )
        week.add(at, "bounces+ceo=example.com@gbw.example", ["ceo@example.com"], raw)
    for i in range(10):
        at = working_time(rng, week.day(i % 7), RIYADH, (0, 24))
        raw = machine(
            "Example Corp Expenses <noreply@expenses.example>", "ceo@example.com",
            f"Expense report ER-{4100 + i} approved", "The expense report was approved. No action is needed.",
            "Auto-Submitted: auto-generated\n",
        )
        week.add(at, "noreply@expenses.example", ["ceo@example.com"], raw)
    bounces = sorted(f for f in os.listdir(BOUNCES) if f.endswith(".txt"))
    for i, name in enumerate(rng.sample(bounces, 6)):
        at = working_time(rng, week.day(i), RIYADH, (0, 24))
        week.add(at, "", ["ceo@example.com"], open(os.path.join(BOUNCES, name), "rb").read())
    for i, title in enumerate(["Board pre-read review", "Quarterly results rehearsal", "Dinner with the Jeddah partners"]):
        at = working_time(rng, week.day(i + 1), RIYADH, (8, 16))
        start = dt.datetime.combine(week.day(i + 3), dt.time(7 + i, 0), UTC)
        raw = invitation("Dana Sabbagh <dana.sabbagh@example.com>", "dana.sabbagh@example.com", "ceo@example.com",
                         title, start, f"week-{i}@example.com", at)
        week.add(at, "dana.sabbagh@example.com", ["ceo@example.com"], raw)

    # The support desk: customers' requests and the robot mail a shared address receives.
    for name in by_category["support"][:34]:
        raw = open(os.path.join(LABELLED, "messages", name), "rb").read()
        at = working_time(rng, week.day(rng.choice(support_days + [5])), LONDON, (7, 21))
        sender = sender_of(raw)
        mid = week.add(at, sender, ["support@example.com"], raw, headers=[("To", "Support <support@example.com>")])
        if rng.random() < 0.8:
            delay = dt.timedelta(minutes=rng.randrange(20, 26 * 60))
            when = later_in_working_hours(at, delay, LONDON, support_hours, support_days)
            week.reply(when, "support@example.com", sender, mid, subject_of(raw), "We have fixed this; please try again.")
    for i in range(7):
        at = working_time(rng, week.day(i), LONDON, (0, 24))
        raw = machine(
            "Example Bank <noreply@bank.example>", "support@example.com", "Your statement is ready",
            "Your monthly statement is ready in online banking.", "Auto-Submitted: auto-generated\n",
        )
        week.add(at, "noreply@bank.example", ["support@example.com"], raw)
    for i in range(12):
        at = working_time(rng, week.day(i % 7), LONDON, (0, 24))
        state = "FIRING" if i % 2 == 0 else "RESOLVED"
        raw = machine(
            "Monitoring <alerts@monitor.example>", "support@example.com", f"[{state}] api-latency-high on web-{i % 3 + 1}",
            f"Alert api-latency-high is {state.lower()} on web-{i % 3 + 1}.", "Auto-Submitted: auto-generated\n",
        )
        week.add(at, "alerts@monitor.example", ["support@example.com"], raw)
    at = working_time(rng, week.day(1), LONDON, (9, 17))
    raw = invitation("Priya Raman <priya@customer.example>", "priya@customer.example", "support@example.com",
                     "Onboarding call", dt.datetime.combine(week.day(3), dt.time(14, 0), UTC), "week-support@customer.example", at)
    week.add(at, "priya@customer.example", ["support@example.com"], raw)

    # Billing: invoices.
    for i in range(6):
        at = working_time(rng, week.day(i % 5), LONDON, (8, 18))
        raw = machine(f"Supplier {i} <accounts@supplier{i}.example>", "billing@example.com", f"Invoice INV-{7700 + i}",
                      "Please find the invoice for November attached.")
        week.add(at, f"accounts@supplier{i}.example", ["billing@example.com"], raw)

    week.write()
    received = sum(1 for x in week.items if not x["auth"])
    print(f"synth-week: {received} messages received and {len(week.items) - received} replies sent, "
          f"{a.monday} to {week.day(6)}, in {a.out}")


if __name__ == "__main__":
    main()
