"""python-keycloak's KeycloakAdmin against latchkey's Admin REST API, used the way an
operator's script uses it: make a realm with a client, a role and a user, set the user's
password, map the role, read it all back, change the realm's access token lifespan, log the
user in with KeycloakOpenID, then delete what was made.

The server is started by conftest.py with the bootstrap admin `admin` / `admin` in `master`.
"""

import base64
import json

import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError, KeycloakGetError

REALM = "compat-admin"


def claims(token: str) -> dict:
    piece = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


def test_an_operator_script_sets_up_a_realm_and_its_user_logs_in(admin, base_url):
    admin.create_realm(payload={"realm": REALM, "enabled": True})
    try:
        admin.change_current_realm(REALM)
        client_uuid = admin.create_client(
            payload={
                "clientId": "shop",
                "publicClient": True,
                "directAccessGrantsEnabled": True,
            }
        )
        role_name = admin.create_realm_role(
            payload={"name": "shopper", "description": "Buys things"}
        )
        user_id = admin.create_user(
            payload={"username": "carla", "email": "carla@example.com", "enabled": True}
        )
        admin.set_user_password(user_id, "carla-pw", temporary=False)
        role = admin.get_realm_role("shopper")
        admin.assign_realm_roles(user_id, [role])

        assert role_name == "shopper"
        assert role["description"] == "Buys things"
        assert admin.get_client(client_uuid)["clientId"] == "shop"
        assert admin.get_client_id("shop") == client_uuid
        user = admin.get_user(user_id)
        assert (user["username"], user["email"], user["enabled"]) == (
            "carla", "carla@example.com", True
        )
        assert admin.get_user_id("carla") == user_id
        assert "shopper" in [r["name"] for r in admin.get_realm_roles_of_user(user_id)]
        assert admin.users_count() == 1

        admin.update_realm(REALM, payload={"accessTokenLifespan": 600})
        assert admin.get_realm(REALM)["accessTokenLifespan"] == 600

        shop = KeycloakOpenID(server_url=base_url, realm_name=REALM, client_id="shop")
        tokens = shop.token("carla", "carla-pw")
        assert tokens["expires_in"] == 600
        access = claims(tokens["access_token"])
        assert "shopper" in access["realm_access"]["roles"]
        assert access["exp"] - access["iat"] == 600

        admin.delete_user(user_id)
        admin.delete_realm_role("shopper")
        admin.delete_client(client_uuid)
        with pytest.raises(KeycloakGetError) as missing:
            admin.get_user(user_id)
        assert missing.value.response_code == 404
        assert admin.get_users() == []
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)
    assert REALM not in [r["realm"] for r in admin.get_realms()]


def test_a_second_realm_of_the_same_name_is_a_conflict(admin):
    admin.create_realm(payload={"realm": REALM + "-twice", "enabled": True})
    try:
        with pytest.raises(KeycloakError) as conflict:
            admin.create_realm(payload={"realm": REALM + "-twice", "enabled": True})
        assert conflict.value.response_code == 409
        # skip_exists turns the conflict into a no-op, as with Keycloak.
        admin.create_realm(payload={"realm": REALM + "-twice"}, skip_exists=True)
    finally:
        admin.delete_realm(REALM + "-twice")
