"""Bad input in the workspace: the CSV import keeps its own body limit."""

from django.core.files.uploadedfile import SimpleUploadedFile

IMPORT_URL = "/app/forms/pricing/models/import/"
MAP_URL = "/app/forms/pricing/models/import/map/"


def upload(client, content: bytes, name="history.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_csv_import_takes_a_body_above_the_sites_cap_up_to_its_own_limit(
    marketer_client, draft_form
):
    a_little_too_large = b"email,outcome\n" + b"a@corp.example,won\n" * 130_000  # 2.5 MB
    response = upload(marketer_client, a_little_too_large)
    assert response.status_code == 302  # the view's own message, not a bare 413
    page = marketer_client.get(response["Location"]).content.decode()
    assert "The file is larger than 2 MB." in page

    far_too_large = b"email,outcome\n" + b"a@corp.example,won\n" * 600_000  # 11 MB
    assert upload(marketer_client, far_too_large).status_code == 413
