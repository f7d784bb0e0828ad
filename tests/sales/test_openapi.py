"""The JSON API described as OpenAPI 3 at /api/schema/, with docs at /api/docs/ and no CDN."""

import re

from drf_spectacular.validation import validate_schema

OPERATIONS = {
    ("/api/v1/forms/{slug}/leads", "get"),
    ("/api/v1/forms/{slug}/leads", "post"),
    ("/api/v1/forms/{slug}/score", "post"),
    ("/api/v1/leads/{public_id}", "get"),
    ("/api/v1/leads/{public_id}/outcome", "post"),
    ("/api/v1/public/forms/{slug}", "get"),
    ("/api/v1/public/forms/{slug}/submissions", "post"),
}


def schema(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3_and_describes_every_endpoint(client):
    described = schema(client)

    validate_schema(described)
    assert described["openapi"].startswith("3.")
    operations = {
        (path, method)
        for path, item in described["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert operations == OPERATIONS


def test_every_operation_has_an_example_and_its_error_answers(client):
    described = schema(client)

    for path, method in OPERATIONS:
        operation = described["paths"][path][method]
        bodies = [operation.get("requestBody", {}), *operation["responses"].values()]
        examples = [
            media.get("examples") for body in bodies for media in body.get("content", {}).values()
        ]
        assert any(examples), f"{method.upper()} {path} has no example"
        assert "404" in operation["responses"], f"{method.upper()} {path}"


def test_the_docs_page_loads_swagger_ui_from_this_server(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in asset for asset in assets)
    assert all(not asset.startswith(("http://", "https://", "//")) for asset in assets)
