"""latchkey's OpenAPI document of the Admin REST API, checked with tools that are not
latchkey's: openapi-spec-validator validates the document against the OpenAPI 3.1
specification, and jsonschema validates real answers, fetched with python-keycloak's
KeycloakAdmin, against the schemas the document publishes.
"""

import json
import urllib.request

import jsonschema
import pytest
from keycloak import KeycloakOpenID
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def document(base_url):
    with urllib.request.urlopen(f"{base_url}admin/openapi.json") as response:
        assert response.status == 200
        return json.load(response)


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def answer_schema(document, path, method="get"):
    """The 200 schema of an operation, resolvable against the whole document."""
    schema = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def test_real_answers_match_the_published_schemas(document, admin, base_url):
    KeycloakOpenID(server_url=base_url, realm_name="nagra", client_id="crm_client").token(
        "crm_client_user", "1234")
    admin.change_current_realm("nagra")
    user_id = admin.get_user_id("crm_client_user")
    crm = admin.get_client_id("crm_client")
    answers = [
        ("/admin/realms/{realm}", admin.get_realm("nagra")),
        ("/admin/realms/{realm}/users", admin.get_users({})),
        ("/admin/realms/{realm}/users/{id}", admin.get_user(user_id)),
        ("/admin/realms/{realm}/users/count", admin.users_count()),
        ("/admin/realms/{realm}/users/{id}/role-mappings", admin.get_all_roles_of_user(user_id)),
        ("/admin/realms/{realm}/users/{id}/sessions", admin.get_sessions(user_id)),
        ("/admin/realms/{realm}/clients", admin.get_clients()),
        ("/admin/realms/{realm}/clients/{id}", admin.get_client(crm)),
        ("/admin/realms/{realm}/roles", admin.get_realm_roles()),
        ("/admin/realms/{realm}/roles/{role}", admin.get_realm_role("operatorRole")),
        ("/admin/realms/{realm}/users/{id}/role-mappings/realm",
         admin.get_realm_roles_of_user(user_id)),
        ("/admin/realms/{realm}/attack-detection/brute-force/users/{user}",
         admin.connection.raw_get(
             f"admin/realms/nagra/attack-detection/brute-force/users/{user_id}").json()),
    ]
    assert answers[5][1], "the user's session is listed"
    for path, answer in answers:
        jsonschema.validate(answer, answer_schema(document, path),
                            cls=jsonschema.Draft202012Validator)
