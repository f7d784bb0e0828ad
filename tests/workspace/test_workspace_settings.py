"""The workspace currency: admins choose it on the Settings page; others cannot."""

from forms_app.models import WorkspaceSettings
from forms_app.workspace.workspace_settings import workspace_currency


def test_a_fresh_workspace_counts_in_us_dollars_without_a_write(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert workspace_currency() == "USD"
    assert not WorkspaceSettings.objects.exists()


def test_an_admin_chooses_the_currency(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/app/settings/").content.decode()
    assert 'name="currency"' in page and "EUR · Euro" in page

    response = client.post("/app/settings/workspace/", {"currency": "EUR"}, follow=True)
    assert "Amounts are now shown in EUR." in response.content.decode()
    assert workspace_currency() == "EUR"


def test_an_unknown_currency_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post("/app/settings/workspace/", {"currency": "XYZ"}, follow=True)
    assert "Choose one of the listed currencies." in response.content.decode()
    assert workspace_currency() == "USD"


def test_a_marketer_neither_sees_nor_changes_the_currency(marketer_client):
    assert 'name="currency"' not in marketer_client.get("/app/settings/").content.decode()
    assert marketer_client.post("/app/settings/workspace/", {"currency": "EUR"}).status_code == 403
    assert workspace_currency() == "USD"
