"""What a prospect is offered after submitting: the next step for the lead's tier.

The public next-step page and the API both show it.
"""

from dataclasses import dataclass, field, replace

from forms_app.models import Form, Lead


@dataclass(frozen=True)
class Rep:
    name: str
    booking_url: str


@dataclass(frozen=True)
class NextStep:
    tier: str
    headline: str
    message: str
    booking_url: str = ""
    rep_name: str = ""
    resources: list[dict[str, str]] = field(default_factory=list)
    # Where the prospect is sent instead (the form's redirect URL for the tier), if anywhere.
    redirect_url: str = ""


def assigned_rep(lead: Lead) -> Rep | None:
    """The rep routing assigned to the lead, with their booking link (else the form's).

    None when no rep is assigned: the form's default booking link is used then.
    """
    profile = lead.rep
    if profile is None:
        return None
    return Rep(name=profile.display_name, booking_url=profile.booking_url or lead.form.booking_url)


def _safe_resources(form: Form) -> list[dict[str, str]]:
    """The form's resources with a title and an http(s) link (never a javascript: URL)."""
    result = []
    for item in form.resources or []:
        if not isinstance(item, dict):
            continue
        url, title = str(item.get("url", "")).strip(), str(item.get("title", "")).strip()
        if url.startswith(("https://", "http://")) and title:
            result.append({"title": title, "url": url})
    return result


_REDIRECT_FIELDS = {
    Lead.Tier.SALES_READY: "sales_ready_redirect_url",
    Lead.Tier.MARKETING_QUALIFIED: "marketing_qualified_redirect_url",
    Lead.Tier.NURTURE: "nurture_redirect_url",
}


def _redirect_url(form: Form, tier: str) -> str:
    url = getattr(form, _REDIRECT_FIELDS.get(tier or Lead.Tier.NURTURE, ""), "") or ""
    return url if url.startswith(("https://", "http://")) else ""


def next_step_for(lead: Lead) -> NextStep:
    """What the prospect sees after submitting, by the lead's tier and the form's settings."""
    step = _next_step(lead)
    redirect_url = _redirect_url(lead.form, step.tier)
    return replace(step, redirect_url=redirect_url) if redirect_url else step


def _next_step(lead: Lead) -> NextStep:
    form = lead.form
    if lead.tier == Lead.Tier.SALES_READY:
        rep = assigned_rep(lead)
        booking_url = rep.booking_url if rep else form.booking_url
        if booking_url.startswith(("https://", "http://")):
            return NextStep(
                tier=lead.tier,
                headline=f"Book a time with {rep.name}" if rep else "Book a time with our team",
                message=form.sales_ready_message,
                booking_url=booking_url,
                rep_name=rep.name if rep else "",
            )
    if lead.tier == Lead.Tier.MARKETING_QUALIFIED:
        resources = _safe_resources(form)
        if resources:
            return NextStep(
                tier=lead.tier,
                headline="Thank you",
                message=form.marketing_qualified_message,
                resources=resources,
            )
    return NextStep(
        tier=lead.tier or Lead.Tier.NURTURE,
        headline="Thank you",
        message=form.nurture_message or form.thank_you_message,
    )
