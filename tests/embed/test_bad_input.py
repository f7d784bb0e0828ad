"""Bad input on the public entry points (the form page and the headless form): a clear 4xx naming
the problem, never a 500, and a lead never lost to what a browser reports about its page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from forms_app.models import Lead
from tests.helpers.submit import send

MB = 1024 * 1024
TEN_MB = 10 * MB


@pytest.fixture
def signup(make_form):
    """One question of each kind whose answers the tests below get wrong."""
    return make_form(
        ("Work e-mail", "email", {"key": "email", "required": True}),
        ("Your name", "short_text", {"key": "name", "required": True}),
        ("Notes", "long_text", {"key": "notes"}),
        ("Seats", "number", {"key": "seats", "min_value": 1, "max_value": 500}),
        ("Budget", "number", {"key": "budget"}),
        ("Plan", "dropdown", {"key": "plan", "choices": ["Starter", "Scale"]}),
        ("Topics", "multiple_choice", {"key": "topics", "choices": ["Demo", "Pricing"]}),
        ("Campaign", "hidden", {"key": "campaign", "url_parameter": "utm_campaign"}),
        ("I agree to be contacted", "consent", {"key": "consent", "required": True}),
        slug="signup",
    )


PAGE_ANSWERS = {"email": "ada@engines.example", "name": "Ada", "consent": "on"}
JSON_ANSWERS = {"email": "ada@engines.example", "name": "Ada", "consent": True}


def page_send(client, answers, **extra):
    return send(client, "signup", client.get("/f/signup/"), answers, **extra)


def headless(answers, *, page=None, **extra):
    client = APIClient()
    token = client.get("/api/v1/public/forms/signup").json()["token"]
    body = {"token": token, "answers": answers, **({"page": page} if page else {}), **extra}
    return client.post("/api/v1/public/forms/signup/submissions", body, format="json")


def headless_raw(body: bytes | str, **extra):
    return APIClient().generic(
        "POST", "/api/v1/public/forms/signup/submissions", body, "application/json", **extra
    )


# --- JSON: bounded depth --------------------------------------------------------------------


def test_json_nested_a_hundred_thousand_deep_is_refused_with_a_400_naming_the_depth(signup):
    deep = "[" * 100_000 + "]" * 100_000
    response = headless_raw('{"token": "t", "answers": {"name": ' + deep + "}}")

    assert response.status_code == 400
    assert "nested deeper than 32" in response.json()["detail"]
    assert Lead.objects.count() == 0


def test_json_nested_just_within_the_limit_is_judged_by_the_questions(signup):
    nested = "[" * 30 + '"x"' + "]" * 30
    response = headless_raw('{"token": "t", "answers": {"name": ' + nested + "}}")

    assert response.status_code == 400
    assert "token" in response.json()  # parsed, then refused for what it says


def test_brackets_inside_strings_do_not_count_as_nesting(signup):
    response = headless({**JSON_ANSWERS, "notes": "[" * 2000 + "{" * 2000})

    assert response.status_code == 201
    assert Lead.objects.get().answers["notes"].startswith("[[[[")


# --- the body cap, on every content type ----------------------------------------------------


def test_a_ten_megabyte_multipart_submit_of_the_form_page_is_refused_with_413(client, signup):
    page = client.get("/f/signup/")
    blob = SimpleUploadedFile("blob.bin", b"x" * TEN_MB)
    response = send(client, "signup", page, {**PAGE_ANSWERS, "blob": blob})

    assert response.status_code == 413
    assert "larger than 2.5 MB" in response.content.decode()
    assert Lead.objects.count() == 0


def test_a_ten_megabyte_urlencoded_submit_of_the_form_page_is_refused_with_413(client, signup):
    response = page_send(client, {**PAGE_ANSWERS, "notes": "x" * TEN_MB})

    assert response.status_code == 413
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "application/octet-stream"]
)
def test_a_ten_megabyte_body_of_any_type_to_the_headless_form_is_refused_with_413(
    signup, content_type
):
    body = b'{"token": "t", "answers": {"notes": "' + b"x" * TEN_MB + b'"}}'
    response = APIClient().generic(
        "POST", "/api/v1/public/forms/signup/submissions", body, content_type
    )

    assert response.status_code == 413
    assert "larger than 2.5 MB" in response.json()["detail"]


def test_a_chunked_body_without_a_length_is_read_up_to_the_cap_only(client, signup):
    """What gunicorn hands over for `Transfer-Encoding: chunked`: no CONTENT_LENGTH, and the
    input marked as ending where the body ends."""
    chunked = {
        "CONTENT_LENGTH": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
    }
    big = b"notes=" + b"x" * TEN_MB
    refused = client.generic("POST", "/f/signup/", **chunked, **{"wsgi.input": io.BytesIO(big)})
    assert refused.status_code == 413

    page = client.get("/f/signup/")
    token = page.content.decode().split('name="_fs_token" value="')[1].split('"')[0]
    small = f"email=ada%40engines.example&name=Ada&consent=on&_fs_token={token}".encode()
    taken = client.generic("POST", "/f/signup/", **chunked, **{"wsgi.input": io.BytesIO(small)})
    assert taken.status_code == 302
    assert Lead.objects.get().answers["name"] == "Ada"


# --- numbers within the question's range and the database's --------------------------------


@pytest.mark.parametrize("huge", [10**400, -(10**400), 1e300, 10**16])
def test_a_number_beyond_what_is_stored_is_refused_naming_the_question(signup, huge):
    response = headless({**JSON_ANSWERS, "budget": huge})

    assert response.status_code == 400
    assert list(response.json()["answers"]) == ["budget"]
    assert Lead.objects.count() == 0


def test_a_four_hundred_digit_number_on_the_form_page_is_refused_naming_the_question(
    client, signup
):
    response = page_send(client, {**PAGE_ANSWERS, "budget": "9" * 400})

    assert response.status_code == 422
    assert "between -1,000,000,000,000,000 and 1,000,000,000,000,000" in response.content.decode()


def test_a_number_outside_the_questions_own_range_is_refused(signup):
    response = headless({**JSON_ANSWERS, "seats": 501})

    assert response.status_code == 400
    assert response.json()["answers"]["seats"][0].startswith(
        "Ensure this value is less than or equal to 500"
    )


def test_true_is_not_a_number(signup):
    response = headless({**JSON_ANSWERS, "seats": True})

    assert response.json()["answers"]["seats"] == ["Must be a number, not true or false."]


def test_a_large_number_within_the_bound_is_kept_whole(signup):
    assert headless({**JSON_ANSWERS, "budget": 10**15}).status_code == 201
    assert Lead.objects.get().answers["budget"] == 10**15


# --- control characters: refused in answers, stripped from what the browser reports ----------


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
def test_a_control_character_in_a_text_answer_is_refused_naming_the_question(
    client, signup, character
):
    on_page = page_send(client, {**PAGE_ANSWERS, "name": f"Ada{character}"})
    over_json = headless({**JSON_ANSWERS, "notes": f"line one{character}"})

    assert on_page.status_code == 422
    assert over_json.status_code == 400
    assert list(over_json.json()["answers"]) == ["notes"]
    assert Lead.objects.count() == 0


def test_tabs_and_line_breaks_are_text(signup):
    assert headless({**JSON_ANSWERS, "notes": "one\ttwo\r\nthree"}).status_code == 201
    assert Lead.objects.get().answers["notes"] == "one\ttwo\r\nthree"


def test_a_nul_in_the_page_url_and_referrer_never_loses_the_lead(client, signup):
    """On PostgreSQL a NUL in a JSON value fails the insert (a 500, the lead lost): the capture
    is cleaned instead."""
    context = {
        "_fs_page_url": "https://www.example.com/pricing\x00?utm_source=news%00letter",
        "_fs_referrer": "https://search.example/?q=\x00\x01forms",
        "_fs_utm_medium": "e\x00mail",
    }
    response = page_send(client, {**PAGE_ANSWERS, **context}, HTTP_USER_AGENT="Mozilla\x00/5.0")

    assert response.status_code == 302
    capture = Lead.objects.get().capture
    assert capture["page_url"] == "https://www.example.com/pricing?utm_source=news%00letter"
    assert capture["referrer"] == "https://search.example/?q=forms"
    assert capture["utm_medium"] == "email" and capture["utm_source"] == "newsletter"
    assert capture["user_agent"] == "Mozilla/5.0"


def test_a_nul_in_a_hidden_url_parameter_is_dropped_not_refused(client, signup):
    """The prospect cannot see, let alone correct, a hidden answer."""
    page = client.get("/f/signup/?utm_campaign=spring%00sale")
    response = send(client, "signup", page, PAGE_ANSWERS)

    assert response.status_code == 302
    assert Lead.objects.get().answers["campaign"] == "springsale"


def test_a_nul_in_the_headless_page_never_loses_the_lead(signup):
    page = {"page_url": "https://www.example.com/\x00pricing", "referrer": "https://x.example/\x00"}
    response = headless({**JSON_ANSWERS, "campaign": "spring\x00"}, page=page)

    assert response.status_code == 201
    lead = Lead.objects.get()
    assert lead.capture["page_url"] == "https://www.example.com/pricing"
    assert lead.capture["referrer"] == "https://x.example/"
    assert lead.answers["campaign"] == "spring"


# --- scalar types: a list is not text, and not consent ---------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("name", ["Ada", "Grace"], "Must be text, not a list."),
        ("notes", {"text": "hi"}, "Must be text, not an object."),
        ("email", ["ada@engines.example"], "Must be text, not a list."),
        ("plan", ["starter"], "Must be one of the choices' values, not a list."),
        ("topics", [{"value": "demo"}], "Must be a list of the choices' values."),
        ("topics", "demo", "Must be a list of the choices' values."),
        ("consent", ["no"], "Must be true or false, not a list."),
        ("consent", {"agreed": False}, "Must be true or false, not an object."),
        ("consent", "maybe", "Must be true or false."),
        ("campaign", ["spring"], "Must be text, not a list."),
        ("budget", [12], "Must be a number, not a list."),
    ],
)
def test_a_list_or_object_where_one_value_is_expected_is_refused_never_coerced(
    signup, key, value, message
):
    response = headless({**JSON_ANSWERS, key: value})

    assert response.status_code == 400
    assert response.json() == {"answers": {key: [message]}}
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("consent", [True, "on", "true", "1", "yes"])
def test_consent_is_a_boolean_or_what_a_checkbox_sends(signup, consent):
    assert headless({**JSON_ANSWERS, "consent": consent}).status_code == 201


def test_a_multiple_choice_takes_a_list_of_values(signup):
    response = headless({**JSON_ANSWERS, "topics": ["demo", "pricing"], "plan": "scale"})

    assert response.status_code == 201
    assert Lead.objects.get().answers["topics"] == ["demo", "pricing"]
