"""python-keycloak's client-scope, protocol-mapper and scope-mapping calls against
latchkey, as an operator's script makes them: a client scope with an audience mapper,
made a realm default and a client's default scope, puts the audience in the client's
tokens; a client's own mapper and a scope mapping reach its tokens too, and leave them
when taken away.

The server is started by conftest.py with the bootstrap admin `admin` / `admin` in `master`.
"""

import base64
import json

from keycloak import KeycloakOpenID

REALM = "compat-scopes"


def claims(token: str) -> dict:
    piece = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


def audiences(token: str) -> list:
    aud = claims(token).get("aud", [])
    return [aud] if isinstance(aud, str) else aud


def audience_mapper(name: str, audience: str) -> dict:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.custom.audience": audience, "access.token.claim": "true"},
    }


def test_client_scopes_and_mappers_reach_the_token(admin, base_url):
    admin.create_realm(payload={"realm": REALM, "enabled": True})
    try:
        admin.change_current_realm(REALM)
        user_id = admin.create_user(payload={"username": "olga", "enabled": True})
        admin.set_user_password(user_id, "olga-pw", temporary=False)

        scope_id = admin.create_client_scope(
            payload={"name": "api", "protocol": "openid-connect",
                     "attributes": {"include.in.token.scope": "true"}}
        )
        # skip_exists finds the scope by name instead of failing.
        assert admin.create_client_scope(payload={"name": "api"}, skip_exists=True) == scope_id
        assert admin.get_client_scope(scope_id)["name"] == "api"
        assert admin.get_client_scope_by_name("api")["id"] == scope_id
        assert "profile" in [s["name"] for s in admin.get_client_scopes()]
        admin.add_mapper_to_client_scope(scope_id, audience_mapper("aud", "api.example"))
        mappers = admin.get_mappers_from_client_scope(scope_id)
        assert [(m["name"], m["consentRequired"]) for m in mappers] == [("aud", False)]

        # A realm default scope: clients created from now on have it.
        admin.add_default_default_client_scope(scope_id)
        assert "api" in [s["name"] for s in admin.get_default_default_client_scopes()]
        client_uuid = admin.create_client(
            payload={"clientId": "shop", "publicClient": True, "directAccessGrantsEnabled": True}
        )
        defaults = admin.get_client_default_client_scopes(client_uuid)
        assert "api" in [s["name"] for s in defaults]
        shop = KeycloakOpenID(server_url=base_url, realm_name=REALM, client_id="shop")
        token = shop.token("olga", "olga-pw")
        assert "api.example" in audiences(token["access_token"])
        assert "api" in token["scope"].split(" ")

        # The mapper's audience changed: the next token follows.
        mapper = admin.get_mappers_from_client_scope(scope_id)[0]
        mapper["config"]["included.custom.audience"] = "api2.example"
        admin.update_mapper_in_client_scope(scope_id, mapper["id"], mapper)
        assert "api2.example" in audiences(shop.token("olga", "olga-pw")["access_token"])

        # Taken from the client, then optional: only when asked for.
        admin.delete_client_default_client_scope(client_uuid, scope_id)
        assert "api2.example" not in audiences(shop.token("olga", "olga-pw")["access_token"])
        admin.add_client_optional_client_scope(client_uuid, scope_id, {})
        assert "api" in [s["name"] for s in admin.get_client_optional_client_scopes(client_uuid)]
        asked = shop.token("olga", "olga-pw", scope="openid api")
        assert "api2.example" in audiences(asked["access_token"])
        admin.delete_client_optional_client_scope(client_uuid, scope_id)

        # A client's own mapper.
        admin.add_mapper_to_client(client_uuid, audience_mapper("own", "own.example"))
        own = admin.get_mappers_from_client(client_uuid)
        assert [m["name"] for m in own] == ["own"]
        assert "own.example" in audiences(shop.token("olga", "olga-pw")["access_token"])
        admin.remove_client_mapper(client_uuid, own[0]["id"])
        assert admin.get_mappers_from_client(client_uuid) == []

        # Scope mappings: without full scope, only scope-mapped roles reach the token.
        admin.create_realm_role(payload={"name": "operator"})
        operator = admin.get_realm_role("operator")
        admin.assign_realm_roles(user_id, [operator])
        admin.update_client(client_uuid, {"clientId": "shop", "fullScopeAllowed": False})
        roles = claims(shop.token("olga", "olga-pw")["access_token"]).get("realm_access", {})
        assert "operator" not in roles.get("roles", [])
        admin.assign_realm_roles_to_client_scope(client_uuid, [operator])
        assert [r["name"] for r in admin.get_realm_roles_of_client_scope(client_uuid)] == [
            "operator"
        ]
        roles = claims(shop.token("olga", "olga-pw")["access_token"])["realm_access"]["roles"]
        assert "operator" in roles
        admin.delete_realm_roles_of_client_scope(client_uuid, [operator])
        assert admin.get_realm_roles_of_client_scope(client_uuid) == []

        admin.delete_default_default_client_scope(scope_id)
        assert "api" not in [s["name"] for s in admin.get_default_default_client_scopes()]
        admin.delete_mapper_from_client_scope(scope_id, mapper["id"])
        assert admin.get_mappers_from_client_scope(scope_id) == []
        admin.delete_client_scope(scope_id)
        assert admin.get_client_scope_by_name("api") is None
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)
