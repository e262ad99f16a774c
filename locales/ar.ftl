# نصوص musaid بالعربية (Fluent). يجب أن توجد كل رسالة من en.ftl هنا (يتحقق من ذلك اختبار).
# العبارات المعدودة تختار صيغتها حسب قواعد CLDR للعربية: [zero] [one] [two] [few] (3–10)
# [many] (11–99) و*[other].

## الملخص (musaid report)
subject_day = يومك في البريد، { $dates }
subject_week = أسبوعك في البريد، { $dates }
subject_month = شهرك في البريد، { $dates }
subject_org = تقرير البريد للمؤسسة، { $dates }
intro = ملخص { $scope }، من { $first } إلى { $last } ({ $time_zone }).
received = الوارد
total = المجموع
previous = الفترة السابقة
change = التغير
category = الفئة
count = العدد
per_day = الرسائل في كل يوم
handled_title = المعالجة
replies = الردود المرسلة
share_handled = نسبة البريد الذي عولج
share_detail = عولجت { $handled } من { $needed } رسالة كانت تحتاج إلى رد، بالرد أو بإشعار استلام
response_time = زمن الرد (بساعات العمل)
median = الوسيط
p90 = المئين التسعون
overall = الإجمالي
automation = ما قام به مساعد البريد
autoreplies_sent = إشعارات الاستلام المرسلة
autoreplies_refused = إشعارات لم تُرسل
drafts_prepared = مسودات الردود المعدّة
escalations_fired = التصعيدات المرسلة
escalations_cancelled = تصعيدات أُلغيت بسبب الرد
reminders_sent = التذكيرات المرسلة
unanswered = ما زال بانتظار الرد
unanswered_more = و{ $n } أخرى
none = لا شيء
top_senders = أكثر المرسلين
lists = النشرات والعروض حسب الحجم
busiest_hours = أكثر الساعات ازدحاماً
mailboxes = صناديق البريد
mailbox = صندوق البريد
received_at = وصلت
from = من
subject = الموضوع
subject_not_kept = (لم يُحفظ الموضوع)
chart_alt = رسم بياني: الرسائل في كل يوم حسب الفئة
footer = أرسله مساعد البريد musaid. الأرقام من حركة البريد؛ زمن الرد يُحسب بساعات العمل فقط.
cat_urgent = عاجل
cat_important = مهم
cat_support = دعم
cat_meeting = اجتماع
cat_deferrable = يمكن تأجيله
cat_notification = إشعار
cat_newsletter = نشرة
cat_promotional = ترويجي
cat_junk = غير مرغوب
replies_count = { $plural ->
    [one] رد واحد
    [two] ردّان
    [few] { $n } ردود
    [many] { $n } ردًا
   *[other] { $n } رد
}
sep = { "، " }
unit_h = س
unit_m = د
unit_s = ث
reason_null-sender = رسالة ارتداد أو مرسل فارغ
reason_auto-submitted = رسالة آلية
reason_list-header = قائمة بريدية
reason_precedence = بريد جماعي أو قائمة
reason_suppress-header = طلب المرسل عدم الرد الآلي
reason_robot-sender = مرسل آلي
reason_report = تقرير تسليم أو قراءة
reason_robot-subject = موضوع آلي
reason_spam = بريد مزعج
reason_invitation = دعوة اجتماع (يُرد عليها في التقويم)
reason_category = فئة لا يُرسل لها إشعار
reason_not-addressed = لم يُوجَّه إلى الصندوق مباشرة
reason_not-authenticated = المرسل غير موثَّق
reason_out-of-schedule = خارج جدول الإشعارات
reason_outbound = بريد صادر
reason_capped = بلغ المرسل الحد اليومي
reason_already-acknowledged = أُرسل له إشعار من قبل
blackholed = ما حُذف أو نُقل (الثقوب السوداء)
unsubscribes = إلغاءات الاشتراك
noncompliant_lists = قوائم ما زالت ترسل بعد إلغاء الاشتراك
unsubscribe_accepted = مقبول
unsubscribe_queued = طُلب
unsubscribe_redirected = أُعيد توجيهه (لم يُتبع)
unsubscribe_refused = مرفوض
unsubscribe_timeout = بلا رد
unsubscribe_failed = فشل
unsubscribe_impossible = غير ممكن
itip_subject_accepted = مقبول: { $summary }
itip_subject_tentative = مقبول مبدئياً: { $summary }
itip_subject_declined = معتذر: { $summary }
itip_subject_counter = اقتراح موعد آخر: { $summary }
itip_subject_escalated = [تعارض في التقويم] { $summary }
itip_body_accepted = يقبل { $owner } دعوة «{ $summary }» في { $when }.
itip_body_tentative = يقبل { $owner } دعوة «{ $summary }» في { $when } مبدئياً.
itip_body_declined = يعتذر { $owner } عن «{ $summary }» في { $when }: هذا الوقت محجوز.
itip_body_counter = { $owner } غير متاح لـ«{ $summary }» في { $when }، ويقترح بدلاً من ذلك { $proposal }.
itip_body_escalated = دعوة لـ{ $owner } تتعارض مع التقويم أو تقع خارج ساعات العمل: «{ $summary }» في { $when }، من { $organizer }. لم يُرسل أي رد؛ يرجى اتخاذ القرار.
itip_alternatives = أوقات أخرى متاحة:
itip_footer = أرسل مساعد البريد musaid هذا الرد آلياً نيابة عن { $owner }.
invitations = الدعوات الواردة
conflicts = متعارضة
calendar_responses = دعوات رُدّ عليها آلياً
response_accepted = مقبولة
response_tentative = مقبولة مبدئياً
response_declined = معتذر عنها
response_counter = اقتُرح لها موعد آخر
response_escalated = أُحيلت إلى المفوَّض

## التواريخ: اليوم 1 هو الاثنين
weekday_1 = الاثنين
weekday_2 = الثلاثاء
weekday_3 = الأربعاء
weekday_4 = الخميس
weekday_5 = الجمعة
weekday_6 = السبت
weekday_7 = الأحد
weekday_short_1 = الاثنين
weekday_short_2 = الثلاثاء
weekday_short_3 = الأربعاء
weekday_short_4 = الخميس
weekday_short_5 = الجمعة
weekday_short_6 = السبت
weekday_short_7 = الأحد
month_1 = يناير
month_2 = فبراير
month_3 = مارس
month_4 = أبريل
month_5 = مايو
month_6 = يونيو
month_7 = يوليو
month_8 = أغسطس
month_9 = سبتمبر
month_10 = أكتوبر
month_11 = نوفمبر
month_12 = ديسمبر
month_short_1 = يناير
month_short_2 = فبراير
month_short_3 = مارس
month_short_4 = أبريل
month_short_5 = مايو
month_short_6 = يونيو
month_short_7 = يوليو
month_short_8 = أغسطس
month_short_9 = سبتمبر
month_short_10 = أكتوبر
month_short_11 = نوفمبر
month_short_12 = ديسمبر
date_received = %a %d %b %H:%M
date_deadline = %A %d %B %Y، الساعة %H:%M
date_slot_start = %A %d %B %Y، %H:%M
date_slot_end = %H:%M %Z

## بيانات الرسالة
field_from = من
field_subject = الموضوع
field_received = وصلت
field_category = الفئة
field_why = السبب
category_with_priority = { $category } (الأولوية { $priority })

## التذكير اليومي بالبريد الذي لم يُرد عليه
reminder_subject = { $plural ->
    [one] تذكير: رسالة واحدة بلا رد
    [two] تذكير: رسالتان بلا رد
    [few] تذكير: { $n } رسائل بلا رد
   *[other] تذكير: { $n } رسالة بلا رد
}
reminder_intro = { $plural ->
    [one] رسالة واحدة ما زالت بانتظار الرد:
    [two] رسالتان ما زالتا بانتظار الرد:
    [few] { $n } رسائل ما زالت بانتظار الرد:
   *[other] { $n } رسالة ما زالت بانتظار الرد:
}
reminder_item = - [{ $category }، الأولوية { $priority }] { $received }  { $from }  { $subject }

## التذكير بموعد نهائي مكتوب في رسالة
deadline_subject = تذكير بموعد نهائي { $when }: { $subject }
deadline_body = رسالة تطلب الرد أو الإنجاز في موعد أقصاه { $when }، ولم يُرسل رد بعد.

## إشعارات التصعيد (إلى المفوَّض أو المدير أو webhook)
escalation_title = [تصعيد] { $subject }
escalation_lead = تصعيد بالنيابة عن { $mailbox }.
escalation_deadline = { $plural ->
    [one] لم يُرسل رد خلال ساعة عمل واحدة.
    [two] لم يُرسل رد خلال ساعتي عمل.
    [few] لم يُرسل رد خلال { $n } ساعات عمل.
   *[other] لم يُرسل رد خلال { $n } ساعة عمل.
}

## تواريخ الملخص والعنوان الرئيسي وقائمة ما لم يُرد عليه
date_day = %A %d %B
date_full = %A %d %B %Y
date_month = %B %Y
range_in_month = { $first }–{ $last } { $month }
range = { $first } – { $last }
headline_waiting = { $plural ->
    [one] رسالة واحدة تحتاج إلى ردك، وقد انتظرت { $age }.
    [two] رسالتان تحتاجان إلى ردك، وأقدمهما انتظرت { $age }.
    [few] { $n } رسائل تحتاج إلى ردك، وأقدمها انتظرت { $age }.
   *[other] { $n } رسالة تحتاج إلى ردك، وأقدمها انتظرت { $age }.
}
headline_nothing_waiting = لا شيء بانتظار ردك.
headline_org_waiting = { $plural ->
    [one] رسالة واحدة بانتظار الرد، وقد انتظرت { $age }.
    [two] رسالتان بانتظار الرد، وأقدمهما انتظرت { $age }.
    [few] { $n } رسائل بانتظار الرد، وأقدمها انتظرت { $age }.
   *[other] { $n } رسالة بانتظار الرد، وأقدمها انتظرت { $age }.
}
headline_org_nothing_waiting = لا شيء بانتظار الرد.
headline_volume = { $plural ->
    [one] وصلت رسالة واحدة ({ $change } عن الفترة السابقة).
    [two] وصلت رسالتان ({ $change } عن الفترة السابقة).
    [few] وصلت { $n } رسائل ({ $change } عن الفترة السابقة).
   *[other] وصلت { $n } رسالة ({ $change } عن الفترة السابقة).
}
headline_volume_new = { $plural ->
    [one] وصلت رسالة واحدة.
    [two] وصلت رسالتان.
    [few] وصلت { $n } رسائل.
   *[other] وصلت { $n } رسالة.
}
age_days = { $plural ->
    [one] يومًا واحدًا
    [two] يومين
    [few] { $n } أيام
    [many] { $n } يومًا
   *[other] { $n } يوم
}
age_hours = { $plural ->
    [one] ساعة واحدة
    [two] ساعتين
    [few] { $n } ساعات
   *[other] { $n } ساعة
}
age_minutes = { $plural ->
    [one] دقيقة واحدة
    [two] دقيقتين
    [few] { $n } دقائق
   *[other] { $n } دقيقة
}
waited = انتظرت { $age }
waited_column = مدة الانتظار
reply_link = رد
age_business_hours = { $plural ->
    [one] ساعة عمل واحدة
    [two] ساعتا عمل
    [few] { $n } ساعات عمل
   *[other] { $n } ساعة عمل
}
age_under_a_minute = أقل من دقيقة
trend_day = آخر أربعة أيام
trend_week = آخر أربعة أسابيع
trend_month = آخر أربعة أشهر
all_mailboxes = جميع صناديق البريد
