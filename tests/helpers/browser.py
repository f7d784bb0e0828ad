"""Shared steps of the browser tests: logging in, filling the demo form, whole-page screenshots."""

from pathlib import Path

from django.contrib.auth.models import Group, User

PASSWORD = "pw-for-tests-123"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # git ignores it


def log_in(page, live_server, username: str, group: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username.title())
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return user


def whole_page(page, screenshot, name: str):
    """A screenshot as tall as the page, so the sticky navigation reaches the bottom."""
    for _ in range(2):  # sticky panels grow with the viewport: measure again once
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1360, "height": max(800, height)})
    page.evaluate("window.scrollTo(0, 0)")
    path = screenshot(name)
    page.set_viewport_size({"width": 1360, "height": 900})
    return path


def fill_demo_form(page):
    page.get_by_label("Work e-mail").fill("grace@hopper.example")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_role("textbox", name="Company").fill("Compilers Inc")
    page.get_by_label("Company size").select_option(label="201–1,000")
    page.get_by_label("Within 1 month").check()
    page.get_by_label("Over $50k").check()
    page.get_by_label("Industry").select_option(label="Software / SaaS")
    page.get_by_label("Your role").select_option(label="VP / Head of department")
    page.get_by_label("Country").select_option(label="United States")
    page.get_by_label("I agree to be contacted").check()


def snippet(live_server, form="demo", consent=True) -> str:
    attributes = f' data-form="{form}"' if form else ""
    consent_attribute = ' data-consent="granted"' if consent else ""
    return (
        f'<script src="{live_server.url}/embed.js"{attributes}{consent_attribute} async></script>'
    )


# A prospect who is no buyer: nurture, whatever the model.
IDLE = {
    "Work e-mail": "kid@gmail.com",
    "Company size": "1–10",
    "Budget": "Under $5k",
    "Your role": "Student",
}


def fill(frame, answers):
    fill_demo_form(frame)
    frame.get_by_label("Work e-mail").fill(answers["Work e-mail"])
    frame.get_by_label("Company size").select_option(label=answers["Company size"])
    frame.get_by_label(answers["Budget"]).check()
    frame.get_by_label("Your role").select_option(label=answers["Your role"])
