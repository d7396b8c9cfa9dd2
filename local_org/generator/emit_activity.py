"""The emit half, continued: orders, cases, emails, tasks, events and surveys of an account."""

from __future__ import annotations

import datetime as dt
import random

from local_org.generator.emit import Account
from local_org.generator.story import DAYS_PER_MONTH, Contact, Story, money, pick, poisson, weighted
from local_org.generator.vocabulary import (
    CASE_KINDS,
    CASE_SUBJECTS,
    EMAIL_TASKS,
    EVENT_SUBJECTS,
    INBOUND_CALLS,
    INBOUND_EMAIL_SUBJECTS,
    OUTBOUND_CALLS,
    OUTBOUND_EMAIL_SUBJECTS,
    SURVEY_COMMENTS,
    SURVEY_TOUCHPOINTS,
    TODO_TASKS,
)
from local_org.generator.writer import OrgWriter


def _late_rate(story: Story, ago: float) -> float:
    if "late_deliveries" in story.signals and ago < 365:
        return 0.45
    if story.bad_quarter is not None and abs(ago - story.bad_quarter) < 45:
        return 0.5
    return story.profile.late_rate


def emit_orders(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """Orders of won deals, split into deliveries; some arrive late and trigger a case."""
    for deal in story.deals:
        if not deal.won or deal.orders == 0:
            continue
        weights = [rng.uniform(0.6, 1.4) for _ in range(deal.orders)]
        total = sum(weights)
        effective = deal.close - rng.uniform(0, 10)
        for weight in weights:
            if effective < -20:
                break
            _emit_order(org, rng, account, story, effective, money(deal.value * weight / total))
            effective -= rng.uniform(20, 45)


def _emit_order(
    org: OrgWriter,
    rng: random.Random,
    account: Account,
    story: Story,
    effective: float,
    amount: float,
) -> None:
    lead = rng.randint(7, 35)
    promised = effective - lead
    late = rng.random() < _late_rate(story, effective)
    delivered: float | None = (
        promised - rng.randint(3, 40) if late else promised + rng.randint(0, 4)
    )
    if delivered is not None and (delivered < 0 or effective < 0 or rng.random() < 0.02):
        delivered = None  # still in transit, or never confirmed in the CRM
    contract_id = _contract_covering(story, effective)
    created = effective + rng.uniform(0, 5)
    org.add(
        "Order",
        created,
        delivered if delivered is not None else created - rng.uniform(0, 2),
        {
            "AccountId": account.id,
            "ContractId": contract_id,
            "OrderNumber": f"{org.next_number('Order'):08d}",
            "Status": "Activated" if effective >= 0 else "Draft",
            "EffectiveDate": org.date(effective),
            "TotalAmount": amount,
            "Promised_Delivery_Date__c": org.date(promised),
            "Delivered_Date__c": org.date(delivered) if delivered is not None else None,
            "OwnerId": account.owner_id,
        },
    )
    complaint = 0.5 if story.hostage else 0.2
    if late and rng.random() < complaint and promised > 2:
        escalated = story.hostage and rng.random() < 0.4
        reported = promised - rng.uniform(1, 5)
        kind = ("Delivery", "Late Delivery")
        _emit_case(org, rng, account, story, reported, kind=kind, escalated=escalated)


def _contract_covering(story: Story, ago: float) -> str | None:
    for plan in story.contracts:
        if plan.start is None or plan.status in ("Draft", "In Approval Process"):
            continue
        if plan.start >= ago >= (plan.end or 0):
            return plan.id
    return None


def emit_cases(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """Support cases over the service window, plus the hostage and bad-quarter trouble."""
    begin, end = story.service_window
    years = max(begin - end, 0) / 365.0
    for _ in range(poisson(rng, story.profile.cases_per_year * years)):
        _emit_case(org, rng, account, story, rng.uniform(end, begin), escalated=rng.random() < 0.04)
    if "escalations" in story.signals:
        for _ in range(rng.randint(1, 3)):
            _emit_case(org, rng, account, story, rng.uniform(5, 365), escalated=True, slow=True)
    if "long_open_case" in story.signals:
        for _ in range(rng.randint(1, 2)):
            ago = rng.uniform(45, 200)
            _emit_case(org, rng, account, story, ago, escalated=rng.random() < 0.5, resolve=ago + 1)
    if story.bad_quarter is not None:
        _emit_case(org, rng, account, story, story.bad_quarter, escalated=True, slow=True)
    if story.code == "ex" and rng.random() < 0.08:
        story.quirk("case_after_end")
        kind = ("Billing", "Billing Error")
        _emit_case(org, rng, account, story, rng.uniform(1, story.end), kind=kind, escalated=False)


def _emit_case(
    org: OrgWriter,
    rng: random.Random,
    account: Account,
    story: Story,
    created: float,
    *,
    kind: tuple[str, str] | None = None,
    escalated: bool,
    slow: bool = False,
    resolve: float | None = None,
) -> None:
    """One case; Status, IsClosed, IsEscalated and ClosedDate always agree."""
    created = max(created, 0.01)
    if kind is None:
        case_type, reasons, _ = weighted(rng, tuple((k, k[2]) for k in CASE_KINDS))
        kind = (case_type, pick(rng, reasons))
    if resolve is None:
        mean = story.profile.resolve_days * (10 if slow else 3 if escalated else 1)
        resolve = rng.expovariate(1.0 / mean) + 0.05
    priority = _case_priority(rng, story, escalated)
    closed_at = created - resolve if resolve < created else None
    if closed_at is not None:
        status = "Closed"
    elif escalated:
        status = "Escalated"
    else:
        status = "New" if created < 1.5 else "Working"
    contact = account.contact_at(rng, created) if rng.random() > 0.1 else None
    case_id = org.add(
        "Case",
        created,
        closed_at if closed_at is not None else rng.uniform(0, created),
        {
            "AccountId": account.id,
            "ContactId": contact.id if contact else None,
            "CaseNumber": f"{org.next_number('Case'):08d}",
            "Subject": CASE_SUBJECTS[kind[1]],
            "Type": kind[0],
            "Reason": kind[1],
            "Origin": weighted(rng, (("Phone", 0.3), ("Email", 0.4), ("Web", 0.2), ("Chat", 0.1))),
            "Priority": priority,
            "Status": status,
            "IsClosed": closed_at is not None,
            "IsEscalated": escalated,
            "ClosedDate": org.at(closed_at) if closed_at is not None else None,
            "OwnerId": account.support_id,
        },
    )["Id"]
    last = closed_at if closed_at is not None else 0.0
    for index in range(1 + poisson(rng, 2.0 if escalated else 0.5)):
        when = created - (created - last) * (index / (index + 1.5))
        incoming = index % 2 == 0
        _emit_email(org, rng, account, contact, when, incoming, case_id, parent=True)


def _case_priority(rng: random.Random, story: Story, escalated: bool) -> str:
    if escalated:
        return weighted(rng, (("Critical", 0.4), ("High", 0.5), ("Medium", 0.1)))
    if story.code == "married":
        # Contracted customers get priority service.
        options = (("Critical", 0.08), ("High", 0.35), ("Medium", 0.42), ("Low", 0.15))
    else:
        options = (("Critical", 0.03), ("High", 0.17), ("Medium", 0.5), ("Low", 0.3))
    return weighted(rng, options)


def _emit_email(
    org: OrgWriter,
    rng: random.Random,
    account: Account,
    contact: Contact | None,
    ago: float,
    incoming: bool,
    related_to: str,
    parent: bool = False,
) -> None:
    contact_email = (contact.email if contact else None) or f"info@{account.domain}"
    ours = "team@rapport-demo.example"
    pool = INBOUND_EMAIL_SUBJECTS if incoming else OUTBOUND_EMAIL_SUBJECTS
    record = org.add(
        "EmailMessage",
        ago,
        ago,
        {
            "ParentId": related_to if parent else None,
            "RelatedToId": related_to,
            "Subject": pick(rng, pool),
            "FromAddress": contact_email if incoming else ours,
            "ToAddress": ours if incoming else contact_email,
            "Incoming": incoming,
            "Status": pick(rng, ("1", "2")) if incoming else "3",
        },
    )
    record["MessageDate"] = record["CreatedDate"]


def emit_touches(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """Calls, emails and to-dos: a base rhythm per phase plus a burst around every deal."""
    for phase in story.phases:
        begin, end = min(phase.begin, story.start), max(phase.end, 0.0)
        span = begin - end
        if span <= 0 or phase.intensity <= 0:
            continue
        expected = story.touch_rate * phase.intensity * span / DAYS_PER_MONTH
        for _ in range(poisson(rng, expected)):
            ago = end + rng.random() * span
            _emit_touch(org, rng, account, ago, rng.random() < phase.inbound, account.id)
    for deal in story.deals:
        latest = max(deal.close, 0.0)
        for _ in range(rng.randint(0, 3)):
            ago = rng.uniform(latest, deal.created)
            inbound = rng.random() < _inbound_share_at(story, ago)
            _emit_touch(org, rng, account, ago, inbound, deal.id)
    if story.service_window[1] < 30:  # still in touch: a few to-dos are open
        for _ in range(poisson(rng, 0.8)):
            _emit_open_task(org, rng, account)


def _inbound_share_at(story: Story, ago: float) -> float:
    """How much of the conversation the customer initiates at that time (deal talks included)."""
    for phase in story.phases:
        if phase.begin >= ago >= phase.end:
            return phase.inbound
    return 0.0


def _emit_touch(
    org: OrgWriter, rng: random.Random, account: Account, ago: float, inbound: bool, what_id: str
) -> None:
    contact = account.contact_at(rng, ago)
    draw = rng.random()
    if inbound:
        if draw < 0.6:
            _emit_email(org, rng, account, contact, ago, True, what_id)
        else:
            _emit_task(org, rng, account, contact, ago, "Call", "Inbound", what_id)
    elif draw < 0.35:
        _emit_email(org, rng, account, contact, ago, False, what_id)
    elif draw < 0.7:
        _emit_task(org, rng, account, contact, ago, "Call", "Outbound", what_id)
    elif draw < 0.88:
        _emit_task(org, rng, account, contact, ago, "Email", None, what_id)
    else:
        _emit_task(org, rng, account, contact, ago, "Task", None, what_id)


def _emit_task(
    org: OrgWriter,
    rng: random.Random,
    account: Account,
    contact: Contact | None,
    ago: float,
    subtype: str,
    call_type: str | None,
    what_id: str,
) -> None:
    if subtype == "Call":
        subject = pick(rng, INBOUND_CALLS if call_type == "Inbound" else OUTBOUND_CALLS)
        task_type = "Call"
    elif subtype == "Email":
        subject, task_type = pick(rng, EMAIL_TASKS), "Email"
    else:
        subject, task_type = pick(rng, TODO_TASKS), pick(rng, ("Other", "Meeting", None))
    owner = account.owner_id if rng.random() < 0.75 else account.success_id
    record = org.add(
        "Task",
        ago,
        ago,  # logged activities are rarely edited afterwards
        {
            "WhatId": what_id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": subject,
            "Status": "Completed",
            "Priority": weighted(rng, (("Normal", 0.8), ("High", 0.1), ("Low", 0.1))),
            "Type": task_type,
            "TaskSubtype": subtype,
            "CallType": call_type,
            "IsClosed": True,
            "OwnerId": owner,
        },
    )
    record["ActivityDate"] = record["CreatedDate"].date()


def _emit_open_task(org: OrgWriter, rng: random.Random, account: Account) -> None:
    """A to-do still open: due soon, or overdue and forgotten."""
    due = rng.uniform(-21, 30)
    created = min(max(due, 0) + rng.uniform(1, 20), account.created)
    contact = account.contact_at(rng, created)
    org.add(
        "Task",
        created,
        rng.uniform(0, created),
        {
            "WhatId": account.id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": pick(rng, (*TODO_TASKS, "Follow up", "Call back")),
            "ActivityDate": org.date(due),
            "Status": pick(rng, ("Not Started", "In Progress", "Waiting on someone else")),
            "Priority": weighted(rng, (("Normal", 0.7), ("High", 0.2), ("Low", 0.1))),
            "Type": pick(rng, ("Call", "Email", "Other")),
            "TaskSubtype": "Task",
            "CallType": None,
            "IsClosed": False,
            "OwnerId": account.owner_id,
        },
    )


def emit_events(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """Meetings by quarter; QBRs in the committed era; an onboarding after the first purchase."""
    profile = story.profile
    first_won = next((d for d in story.deals if d.won and d.value > 0), None)
    if first_won and rng.random() < 0.7:
        _emit_event(
            org, rng, account, first_won.close - rng.uniform(5, 30), "Onboarding", first_won.id
        )
    for phase in story.phases:
        if phase.inbound == 0:
            continue  # nobody on the customer side accepts a meeting
        begin, end = min(phase.begin, story.start), max(phase.end, 0.0)
        quarter = begin
        while quarter > end:
            low = max(quarter - 91.3, end)
            for _ in range(poisson(rng, profile.meetings_per_quarter * phase.intensity)):
                ago = rng.uniform(low, quarter)
                bought = first_won is not None and ago < first_won.close
                kind = weighted(rng, _meeting_kinds(bought))
                _emit_event(org, rng, account, ago, kind, account.id)
            if story.committed_since is not None and quarter < story.committed_since:
                qbr = profile.qbr_rate * (0.1 if "no_qbr" in story.quirks else 1.0)
                if story.decline_since is not None and quarter < story.decline_since:
                    qbr *= 0.4
                if rng.random() < qbr:
                    ago = rng.uniform(low, quarter)
                    _emit_event(org, rng, account, ago, "Quarterly Business Review", account.id)
            quarter = low
    if story.service_window[1] < 30:  # still in touch: meetings are scheduled
        for _ in range(poisson(rng, 0.4 * story.touch_rate / 3)):
            _emit_event(org, rng, account, -rng.uniform(1, 30), "Meeting", account.id)


def _meeting_kinds(bought: bool) -> tuple[tuple[str, float], ...]:
    if not bought:
        return (("Demo", 0.35), ("Meeting", 0.4), ("Call", 0.2), ("Other", 0.05))
    return (("Meeting", 0.5), ("Call", 0.25), ("Training", 0.12), ("Other", 0.13))


def _emit_event(
    org: OrgWriter, rng: random.Random, account: Account, ago: float, kind: str, what_id: str
) -> None:
    senior = kind in ("Quarterly Business Review", "Onboarding")
    contact = (
        account.senior_at(rng, max(ago, 0)) if senior else account.contact_at(rng, max(ago, 0))
    )
    start = org.at_hour(ago, rng.randint(8, 16), pick(rng, (0, 15, 30, 45)))
    duration = pick(rng, (30, 45, 60, 60, 90, 120))
    created = min(max(ago, 0.0) + rng.uniform(1, 21), account.created)
    org.add(
        "Event",
        created,
        max(ago, 0.0),
        {
            "WhatId": what_id,
            "WhoId": contact.id if contact else None,
            "AccountId": account.id,
            "Subject": pick(rng, EVENT_SUBJECTS[kind]),
            "Type": kind,
            "EventSubtype": "Event",
            "StartDateTime": start,
            "EndDateTime": start + dt.timedelta(minutes=duration),
            "DurationInMinutes": duration,
            "OwnerId": account.owner_id if rng.random() < 0.7 else account.success_id,
        },
    )


def emit_surveys(org: OrgWriter, rng: random.Random, account: Account, story: Story) -> None:
    """NPS answers over the service window; hostages and bad quarters pull scores down."""
    begin, end = story.service_window
    years = max(begin - end, 0) / 365.0
    moments = [
        rng.uniform(end, begin) for _ in range(poisson(rng, story.profile.surveys_per_year * years))
    ]
    if story.code == "one_night_stand" and rng.random() < 0.5:
        moments.append(max(begin - rng.uniform(20, 60), 1.0))
    if "low_nps" in story.signals and not any(ago < 300 for ago in moments):
        moments.extend(rng.uniform(10, 300) for _ in range(rng.randint(1, 2)))
    for ago in moments:
        _emit_survey(org, rng, account, story, ago, _nps(rng, story, ago))
    if story.bad_quarter is not None:
        _emit_survey(org, rng, account, story, story.bad_quarter - 10, float(rng.randint(2, 5)))


def _nps(rng: random.Random, story: Story, ago: float) -> float:
    mean, spread = story.profile.nps
    if "low_nps" in story.signals and ago < 450:
        mean, spread = 4.0, 1.8
    elif story.code == "ex":
        # Satisfaction erodes towards the break-up.
        progress = (story.start - ago) / max(story.start - story.end, 1.0)
        mean -= 2.0 * min(max(progress, 0.0), 1.0) - 1.0
    return float(min(10, max(0, round(rng.gauss(mean, spread)))))


def _emit_survey(
    org: OrgWriter, rng: random.Random, account: Account, story: Story, ago: float, score: float
) -> None:
    ago = max(ago, 0.05)
    contact = account.contact_at(rng, ago)
    band = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    record = org.add(
        "Survey_Response__c",
        ago,
        ago,
        {
            "Name": f"SR-{org.next_number('Survey_Response__c'):07d}",
            "Account__c": account.id,
            "Contact__c": contact.id if contact else None,
            "Score__c": score,
            "Touchpoint__c": weighted(rng, SURVEY_TOUCHPOINTS),
            "Comment__c": pick(rng, SURVEY_COMMENTS[band]) if rng.random() < 0.6 else None,
        },
    )
    record["Responded_At__c"] = record["CreatedDate"]
