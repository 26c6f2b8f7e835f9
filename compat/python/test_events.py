"""python-keycloak's event calls against latchkey, as an auditing script makes them:
`set_events` turns login and admin events on, a login and a failed one are made with
`KeycloakOpenID`, then `get_events` and `get_admin_events` read them with filters.

The server is started by conftest.py with the bootstrap admin `admin` / `admin` in `master`.
"""

import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakPostError

REALM = "compat-events"


def test_login_and_admin_events_are_recorded_and_filtered(admin, base_url):
    admin.create_realm(payload={"realm": REALM, "enabled": True})
    try:
        admin.change_current_realm(REALM)
        admin.set_events(
            payload={
                "eventsEnabled": True,
                "eventsListeners": ["jboss-logging"],
                "enabledEventTypes": [],
                "adminEventsEnabled": True,
                "adminEventsDetailsEnabled": True,
            }
        )
        admin.create_client(
            payload={
                "clientId": "shop",
                "secret": "shop-secret",
                "publicClient": False,
                "directAccessGrantsEnabled": True,
            }
        )
        user_id = admin.create_user(
            payload={
                "username": "eve",
                "enabled": True,
                "email": "eve@example.com",
                "firstName": "Eve",
                "lastName": "Audit",
            }
        )
        admin.set_user_password(user_id, "eve-pw", temporary=False)
        shop = KeycloakOpenID(
            server_url=base_url, realm_name=REALM, client_id="shop", client_secret_key="shop-secret"
        )
        assert shop.token("eve", "eve-pw")["access_token"]
        with pytest.raises((KeycloakAuthenticationError, KeycloakPostError)):
            shop.token("eve", "wrong")

        events = admin.get_events()
        assert [e["type"] for e in events] == ["LOGIN_ERROR", "LOGIN"]
        assert events[0]["error"] == "invalid_user_credentials"
        assert events[1]["userId"] == user_id
        assert events[1]["details"]["username"] == "eve"
        assert [e["type"] for e in admin.get_events({"type": "LOGIN"})] == ["LOGIN"]
        assert admin.get_events({"client": "nobody"}) == []
        assert len(admin.get_events({"max": 1})) == 1

        creates = admin.get_admin_events({"operationTypes": "CREATE", "resourceTypes": "USER"})
        assert [e["resourcePath"] for e in creates] == [f"users/{user_id}"]
        actions = admin.get_admin_events({"resourcePath": f"users/{user_id}/*"})
        assert [(e["operationType"], e["resourceType"]) for e in actions] == [("ACTION", "USER")]
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)
