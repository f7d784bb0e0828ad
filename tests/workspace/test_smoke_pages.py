"""Every workspace page renders for a marketer, within a pinned number of queries."""

import pytest

from forms_app.demo.history import demo_form_create


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/app/forms/", 8),
        ("/app/forms/new/", 6),
        ("/app/forms/demo/", 10),
        ("/app/forms/demo/settings/", 8),
        ("/app/forms/demo/scoring/", 10),
        ("/app/forms/demo/preview/", 12),
        ("/app/forms/demo/embed/", 6),
        ("/app/forms/demo/embed/test/", 6),
        ("/app/models/", 8),
        ("/app/forms/demo/models/", 10),
        ("/app/settings/", 6),
    ],
)
def test_each_workspace_page_renders_with_few_queries(
    marketer_client, django_assert_max_num_queries, path, max_queries
):
    demo_form_create()
    with django_assert_max_num_queries(max_queries):
        response = marketer_client.get(path)
    assert response.status_code == 200
