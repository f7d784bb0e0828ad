"""A site renders the headless form its own way: a page on a second origin fetches the form's
description, builds its fields, and submits JSON; Chromium enforces CORS for real."""

import pytest
from playwright.sync_api import expect

from forms_app.capture.next_step import next_step_for
from forms_app.models import Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The site's own code: no formscore script, only fetch() against the public API.
HEADLESS_SNIPPET = """
<div id="headless"><p>Loading the form…</p></div>
<script>
(async () => {
  const api = "%(api)s";
  const root = document.getElementById("headless");
  let described;
  try {
    described = await (await fetch(api)).json();
  } catch (error) {
    root.innerHTML = '<p id="result">Could not load the form.</p>';
    return;
  }
  const form = document.createElement("form");
  for (const q of described.questions) {
    if (q.kind === "hidden" || q.kind === "multiple_choice") continue;
    const label = document.createElement("label");
    label.htmlFor = "q-" + q.key;
    label.textContent = q.label;
    let input;
    if (q.choices) {
      input = document.createElement("select");
      input.append(new Option("", ""));
      for (const choice of q.choices) input.append(new Option(choice.label, choice.value));
    } else {
      input = document.createElement("input");
      input.type = q.kind === "consent" ? "checkbox" : "text";
    }
    input.id = "q-" + q.key;
    input.name = q.key;
    form.append(label, input);
  }
  const button = document.createElement("button");
  button.textContent = described.submit_label;
  form.append(button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = {};
    for (const field of form.elements) {
      if (!field.name) continue;
      if (field.type === "checkbox") { if (field.checked) answers[field.name] = true; }
      else if (field.value) answers[field.name] = field.value;
    }
    const response = await fetch(api + "/submissions", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({token: described.token, answers, page: {page_url: location.href}}),
    });
    const body = await response.json();
    root.innerHTML = "";
    const result = document.createElement("h2");
    result.id = "result";
    result.textContent = response.ok ? body.next_step.headline : JSON.stringify(body);
    root.append(result);
  });
  root.replaceChildren(form);
})();
</script>
"""


def test_a_site_renders_and_submits_the_headless_form(page, live_server, demo_form, host_site):
    demo_form.allowed_sites = [host_site.origin]
    demo_form.save()
    api = f"{live_server.url}/api/v1/public/forms/demo"
    host_site.pages["/talk-to-sales"] = HEADLESS_SNIPPET % {"api": api}

    page.goto(host_site.url("/talk-to-sales?utm_source=partner"))
    page.get_by_label("Work e-mail").fill("dana@northwind.example")
    page.get_by_label("Your name").fill("Dana Buyer")
    page.get_by_label("Company", exact=True).fill("Northwind")
    page.get_by_label("Company size").select_option(label="201–1,000")
    page.get_by_label("When do you want to start?").select_option(label="Within 1 month")
    page.get_by_label("Industry").select_option(label="Software / SaaS")
    page.get_by_label("Your role").select_option(label="Founder / CEO")
    page.get_by_label("Country").select_option(label="United States")
    page.get_by_label("I agree", exact=False).check()
    page.get_by_role("button", name="Request my demo").click()

    expect(page.locator("#result")).not_to_have_text("")
    lead = Lead.objects.get()
    expect(page.locator("#result")).to_have_text(next_step_for(lead).headline)
    assert lead.answers["company"] == "Northwind" and lead.source == Lead.Source.API
    assert lead.capture["utm_source"] == "partner"
    assert lead.capture["page_url"].startswith(host_site.origin)


def test_a_site_not_on_the_list_cannot_use_the_headless_form(
    page, live_server, demo_form, host_site
):
    demo_form.allowed_sites = ["https://www.example.com"]
    demo_form.save()
    api = f"{live_server.url}/api/v1/public/forms/demo"
    host_site.pages["/talk-to-sales"] = HEADLESS_SNIPPET % {"api": api}

    page.goto(host_site.url("/talk-to-sales"))

    expect(page.locator("#result")).to_have_text("Could not load the form.")
    assert Lead.objects.count() == 0
