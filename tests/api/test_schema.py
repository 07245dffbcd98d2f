"""The schema tells the truth (issue 14): every error status an operation can answer, with the
shared `Error` component, and field declarations that match what responses carry."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {("post", "/api/v1/auth/token/")}


@pytest.fixture(scope="module")
def schema():
    """The schema `/api/v1/schema/` serves, generated once for the module."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


@pytest.mark.django_db
def test_the_served_schema_is_the_generated_one(org, api, schema):
    served = api(org.sam).get("/api/v1/schema/?format=json").json()
    assert served["paths"].keys() == schema["paths"].keys()
    assert served["components"]["schemas"]["Error"] == schema["components"]["schemas"]["Error"]


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_the_error_component_has_the_documented_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert set(error["properties"]) == {"code", "message", "fields", "allowed", "missing",
                                        "candidates", "referenced_by", "reason"}


def test_every_operation_lists_the_errors_it_can_answer(schema):
    checked = 0
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        statuses = {int(s) for s in responses}
        where = f"{method.upper()} {path}"
        assert {401, 406, 429, 503} <= statuses, where  # 401: a wrong token, even on public
        if "{" in path:
            assert 404 in statuses, where
        if method != "get" and (method, path) not in PUBLIC:
            assert {400, 403, 409} <= statuses, where
        if "requestBody" in operation:
            assert {400, 415} <= statuses, where
        for status, response in responses.items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", where
        assert "500" not in responses, where
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("method, path, expected", [
    ("patch", "/api/v1/leads/{id}/", {412}),
    ("post", "/api/v1/leads/{id}/qualify/", {409, 412, 422}),
    ("post", "/api/v1/leads/", {422}),
    ("delete", "/api/v1/contacts/{id}/", {409, 412}),
    ("get", "/api/v1/leads/", {400, 404}),  # a bad filter; an unknown cursor
    ("get", "/api/v1/quotes/{id}/pdf/", {409}),  # a draft has no PDF
    ("get", "/api/v1/forecasts/", {400, 404}),
])
def test_specific_error_statuses(schema, method, path, expected):
    statuses = {int(s) for s in schema["paths"][path][method]["responses"]}
    assert expected <= statuses


def test_ids_in_paths_are_integers(schema):
    for _method, path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] in ("id", "quote_pk",
                                                                   "opportunity_pk"):
                assert parameter["schema"]["type"] == "integer", path


def test_field_declarations_match_the_responses(schema):
    components = schema["components"]["schemas"]
    lead_reason = components["Lead"]["properties"]["status_reason"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in lead_reason["oneOf"]  # "" while open
    assert components["Opportunity"]["properties"]["originating_lead"]["nullable"] is True
    attachment = components["Activity"]["properties"]["attachment"]
    assert attachment["format"] == "uri" and attachment["nullable"] and "pattern" not in attachment
    answered = components["Activity"]["properties"]["state"]["allOf"][0]["$ref"]
    accepted = components["ActivityRequest"]["properties"]["state"]["allOf"][0]["$ref"]
    assert components[answered.rsplit("/", 1)[1]]["enum"] == ["open", "completed", "canceled"]
    assert components[accepted.rsplit("/", 1)[1]]["enum"] == ["open", "completed"]


def test_bounded_lists_declare_no_filters_they_ignore(schema):
    for path in ("/api/v1/orders/{id}/lines/", "/api/v1/invoices/{id}/lines/",
                 "/api/v1/invoices/{id}/payments/"):
        operation = schema["paths"][path]["get"]
        assert [p["name"] for p in operation["parameters"]] == ["id"], path
