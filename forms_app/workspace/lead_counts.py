"""One definition of each lead number. The forms list, Analytics and the token API's lead list
all count through here, so for the same form and period they say the same thing.

- **Submissions**: complete leads (not a multi-step lead abandoned after the e-mail step) that
  arrived through the form or the API, received in the period. Demo data stands in for them in a
  demo workspace and counts like them (its form carries a "Demo" badge).
- **Imported history** is never a submission: it did not arrive through the form, so it says
  nothing about the form's traffic. It is counted apart and labelled "imported history".
- **Sales-ready share**: the period's sales-ready submissions over its submissions.
- **Conversion**: among the period's submissions whose outcome is known (the form's labelled
  statuses), the share that converted (the form's converted statuses: qualified or won unless
  the form says otherwise). A lead counts in the period it was submitted in, whenever it closed.
- **A period** runs from ``start`` (included) to ``end`` (included); the forms list shows the
  same last-30-days period as Analytics' default: from local midnight 29 days ago until now.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from forms_app.models import Form, Lead

DEFAULT_PERIOD_DAYS = 30


def period_start(days: int, now: datetime | None = None) -> datetime:
    """Midnight (local time) at the start of the last ``days`` days, today included."""
    first_day = timezone.localdate(now or timezone.now()) - timedelta(days=days - 1)
    return timezone.make_aware(datetime.combine(first_day, datetime.min.time()))


def submissions() -> QuerySet[Lead]:
    """Every lead that counts as a submission, of any form and time."""
    return Lead.objects.submissions()


def imported_history() -> QuerySet[Lead]:
    """Every imported historical lead."""
    return Lead.objects.imported_history()


def in_period(leads: QuerySet[Lead], *, start: datetime | None, end: datetime | None):
    """These leads received in the period (either end open when None)."""
    return leads.received_between(start, end)


@dataclass(frozen=True)
class LeadNumbers:
    submissions: int = 0
    sales_ready: int = 0
    labelled: int = 0  # submissions with a known outcome
    converted: int = 0
    imported: int = 0  # imported history of the form, all of it: not in the figures above
    # Every lead of the form with a known outcome, imported ones included, whenever received:
    # what the next training learns from (the Models pages), not a figure of the period.
    training_labelled: int = 0

    @property
    def sales_ready_share(self) -> float | None:
        return self.sales_ready / self.submissions if self.submissions else None

    @property
    def conversion_rate(self) -> float | None:
        return self.converted / self.labelled if self.labelled else None


def lead_numbers_by_form(
    *, forms: list[Form], start: datetime, end: datetime | None = None
) -> dict[int, LeadNumbers]:
    """Each form's numbers for the period, in one query grouped on the lead table."""
    end = end or timezone.now()
    period = Q(created_at__gte=start, created_at__lte=end, is_partial=False) & ~Q(
        source=Lead.Source.IMPORT
    )
    statuses = {status for form in forms for status in form.labelled_statuses()}
    rows = {
        row["form_id"]: row
        for row in Lead.objects.filter(form__in=[form.pk for form in forms])
        .values("form_id")
        .annotate(
            n=Count("pk", filter=period),
            sales_ready=Count("pk", filter=period & Q(tier=Lead.Tier.SALES_READY)),
            imported=Count("pk", filter=Q(source=Lead.Source.IMPORT)),
            training_labelled=Count("pk", filter=Q(status__in=sorted(statuses))),
            **{
                f"status_{status}": Count("pk", filter=period & Q(status=status))
                for status in sorted(statuses)
            },
        )
        .order_by()
    }
    numbers = {}
    for form in forms:
        row = rows.get(form.pk, {})
        numbers[form.pk] = LeadNumbers(
            submissions=row.get("n", 0),
            sales_ready=row.get("sales_ready", 0),
            labelled=sum(row.get(f"status_{s}", 0) for s in form.labelled_statuses()),
            converted=sum(row.get(f"status_{s}", 0) for s in form.converted_statuses()),
            imported=row.get("imported", 0),
            training_labelled=row.get("training_labelled", 0),
        )
    return numbers


def lead_numbers(*, form: Form, start: datetime, end: datetime | None = None) -> LeadNumbers:
    """The form's numbers for the period."""
    return lead_numbers_by_form(forms=[form], start=start, end=end)[form.pk]
