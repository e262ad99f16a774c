# musaid's texts in English (Fluent, https://projectfluent.org). Every message here must exist
# in every locale file (a test checks). Variables are written { $name }; a counted phrase
# selects its plural form on { $n } by the language's CLDR rules ([one], *[other] in English).

## The digest (musaid report)
subject_day = Your day, { $dates }
subject_week = Your week, { $dates }
subject_month = Your month, { $dates }
subject_org = Organisation mail report, { $dates }
intro = Digest for { $scope }, { $first } to { $last } ({ $time_zone }).
received = Received
total = Total
previous = Previous period
change = Change
category = Category
count = Count
per_day = Messages per day
handled_title = Handled
replies = Replies sent
share_handled = Share of mail handled
share_detail = { $handled } of { $needed } messages that needed a reply were answered or acknowledged
response_time = Response time (business hours)
median = Median
p90 = 90th percentile
overall = Overall
automation = What musaid did
autoreplies_sent = Acknowledgements sent
autoreplies_refused = Acknowledgements not sent
drafts_prepared = Reply drafts prepared
escalations_fired = Escalations sent
escalations_cancelled = Escalations cancelled by a reply
reminders_sent = Reminders sent
unanswered = Still waiting for a reply
unanswered_more = and { $n } more
none = none
top_senders = Top senders
lists = Newsletters and promotions by volume
busiest_hours = Busiest hours
mailboxes = Mailboxes
mailbox = Mailbox
received_at = Received
from = From
subject = Subject
subject_not_kept = (subject not kept)
chart_alt = Chart: messages per day per category
footer = Sent by musaid. Figures come from the mail flow; response times count business hours only.
cat_urgent = Urgent
cat_important = Important
cat_support = Support
cat_meeting = Meeting
cat_deferrable = Deferrable
cat_notification = Notification
cat_newsletter = Newsletter
cat_promotional = Promotional
cat_junk = Junk
replies_count = { $plural ->
    [one] 1 reply
   *[other] { $n } replies
}
sep = { ", " }
unit_h = h
unit_m = m
unit_s = s
reason_null-sender = bounce or null sender
reason_auto-submitted = automatic message
reason_list-header = mailing list
reason_precedence = bulk or list precedence
reason_suppress-header = sender asked for no auto-replies
reason_robot-sender = robot sender
reason_report = delivery or read report
reason_robot-subject = automatic subject
reason_spam = spam
reason_invitation = invitation (answered in the calendar)
reason_category = category not acknowledged
reason_not-addressed = mailbox not addressed directly
reason_not-authenticated = sender not authenticated
reason_out-of-schedule = outside the acknowledgement schedule
reason_outbound = outbound mail
reason_capped = daily limit per sender reached
reason_already-acknowledged = already acknowledged
blackholed = Dropped or filed away (black holes)
unsubscribes = Unsubscribes
noncompliant_lists = Lists still sending after an unsubscribe
unsubscribe_accepted = accepted
unsubscribe_queued = requested
unsubscribe_redirected = redirected (not followed)
unsubscribe_refused = refused
unsubscribe_timeout = no answer
unsubscribe_failed = failed
unsubscribe_impossible = not possible
itip_subject_accepted = Accepted: { $summary }
itip_subject_tentative = Tentative: { $summary }
itip_subject_declined = Declined: { $summary }
itip_subject_counter = New time proposed: { $summary }
itip_subject_escalated = [Calendar conflict] { $summary }
itip_body_accepted = { $owner } accepts "{ $summary }" on { $when }.
itip_body_tentative = { $owner } tentatively accepts "{ $summary }" on { $when }.
itip_body_declined = { $owner } cannot attend "{ $summary }" on { $when }: that time is already taken.
itip_body_counter = { $owner } is not available for "{ $summary }" on { $when } and proposes { $proposal } instead.
itip_body_escalated = An invitation for { $owner } clashes with the calendar or falls outside working hours: "{ $summary }" on { $when }, from { $organizer }. Nothing was answered; please decide.
itip_alternatives = Other free times:
itip_footer = This answer was sent automatically by musaid on behalf of { $owner }.
invitations = Invitations received
conflicts = with a conflict
calendar_responses = Invitations answered automatically
response_accepted = accepted
response_tentative = tentatively accepted
response_declined = declined
response_counter = new time proposed
response_escalated = passed to the delegate

## Dates: weekday 1 is Monday
weekday_1 = Monday
weekday_2 = Tuesday
weekday_3 = Wednesday
weekday_4 = Thursday
weekday_5 = Friday
weekday_6 = Saturday
weekday_7 = Sunday
weekday_short_1 = Mon
weekday_short_2 = Tue
weekday_short_3 = Wed
weekday_short_4 = Thu
weekday_short_5 = Fri
weekday_short_6 = Sat
weekday_short_7 = Sun
month_1 = January
month_2 = February
month_3 = March
month_4 = April
month_5 = May
month_6 = June
month_7 = July
month_8 = August
month_9 = September
month_10 = October
month_11 = November
month_12 = December
month_short_1 = Jan
month_short_2 = Feb
month_short_3 = Mar
month_short_4 = Apr
month_short_5 = May
month_short_6 = Jun
month_short_7 = Jul
month_short_8 = Aug
month_short_9 = Sep
month_short_10 = Oct
month_short_11 = Nov
month_short_12 = Dec
# How a received time is written in reminders and notices.
date_received = %a %d %b %H:%M
# How a deadline is written.
date_deadline = %a %d %b %Y %H:%M %Z
# How an invitation's time slot is written (start–end).
date_slot_start = %a %d %b %Y %H:%M
date_slot_end = %H:%M %Z

## Labels of the facts about one message
field_from = From
field_subject = Subject
field_received = Received
field_category = Category
field_why = Why
category_with_priority = { $category } (priority { $priority })

## The daily reminder of unanswered mail
reminder_subject = { $plural ->
    [one] Reminder: 1 message without a reply
   *[other] Reminder: { $n } messages without a reply
}
reminder_intro = { $plural ->
    [one] One message is still waiting for a reply:
   *[other] { $n } messages are still waiting for a reply:
}
reminder_item = - [{ $category }, priority { $priority }] { $received }  { $from }  { $subject }

## The reminder of a deadline written in a message
deadline_subject = Deadline { $when }: { $subject }
deadline_body = This message asks for something by { $when }, and no reply has been sent yet.

## Escalation notices (to the delegate, the manager or a webhook)
escalation_title = [Escalation] { $subject }
escalation_lead = Escalated for { $mailbox }.
escalation_deadline = { $plural ->
    [one] No reply was sent within 1 business hour.
   *[other] No reply was sent within { $n } business hours.
}

## The digest's dates, headline and unanswered list
# A day of the period, the whole date, a month.
date_day = %A %d %B
date_full = %A %d %B %Y
date_month = %B %Y
# A period within one month ("23–29 November"), and across two ("30 November – 6 December").
range_in_month = { $first }–{ $last } { $month }
range = { $first } – { $last }
headline_waiting = { $plural ->
    [one] 1 message needs your reply; it has waited { $age }.
   *[other] { $n } messages need your reply; the oldest has waited { $age }.
}
headline_nothing_waiting = Nothing is waiting for your reply.
headline_org_waiting = { $plural ->
    [one] 1 message is waiting for a reply; it has waited { $age }.
   *[other] { $n } messages are waiting for a reply; the oldest has waited { $age }.
}
headline_org_nothing_waiting = Nothing is waiting for a reply.
headline_volume = { $plural ->
    [one] 1 message came in ({ $change } on the previous period).
   *[other] { $n } messages came in ({ $change } on the previous period).
}
headline_volume_new = { $plural ->
    [one] 1 message came in.
   *[other] { $n } messages came in.
}
age_days = { $plural ->
    [one] 1 day
   *[other] { $n } days
}
age_hours = { $plural ->
    [one] 1 hour
   *[other] { $n } hours
}
age_minutes = { $plural ->
    [one] 1 minute
   *[other] { $n } minutes
}
waited = waited { $age }
waited_column = Waiting
reply_link = Reply
age_business_hours = { $plural ->
    [one] 1 working hour
   *[other] { $n } working hours
}
age_under_a_minute = less than a minute
trend_day = The last four days
trend_week = The last four weeks
trend_month = The last four months
all_mailboxes = all mailboxes
