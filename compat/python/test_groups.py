"""python-keycloak's group calls against latchkey, as an operator's script makes them: a
group and a subgroup, a realm role given to the subgroup, a user added to it; the user's
token carries the role until the user is removed from the group.

The server is started by conftest.py with the bootstrap admin `admin` / `admin` in `master`.
"""

import base64
import json

from keycloak import KeycloakOpenID

REALM = "compat-groups"


def realm_roles(token: str) -> list:
    piece = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    return claims["realm_access"]["roles"]


def test_a_subgroups_role_reaches_its_members_token_until_they_leave(admin, base_url):
    admin.create_realm(payload={"realm": REALM, "enabled": True})
    try:
        admin.change_current_realm(REALM)
        admin.create_client(
            payload={"clientId": "shop", "publicClient": True, "directAccessGrantsEnabled": True}
        )
        admin.create_realm_role(payload={"name": "operator"})
        user_id = admin.create_user(payload={"username": "olga", "enabled": True})
        admin.set_user_password(user_id, "olga-pw", temporary=False)
        shop = KeycloakOpenID(server_url=base_url, realm_name=REALM, client_id="shop")
        assert "operator" not in realm_roles(shop.token("olga", "olga-pw")["access_token"])

        operators = admin.create_group(payload={"name": "operators"})
        night = admin.create_group(payload={"name": "night"}, parent=operators)
        # skip_exists turns a taken name into no new group, as with Keycloak.
        assert admin.create_group(payload={"name": "operators"}, skip_exists=True) is None
        admin.assign_group_realm_roles(night, [admin.get_realm_role("operator")])
        admin.group_user_add(user_id, night)

        assert admin.get_group_by_path("/operators/night")["id"] == night
        assert [g["name"] for g in admin.get_groups()] == ["operators"]
        tree = admin.get_groups(full_hierarchy=True)
        assert [g["path"] for g in tree[0]["subGroups"]] == ["/operators/night"]
        assert [u["username"] for u in admin.get_group_members(night)] == ["olga"]
        assert admin.get_group_members(operators) == []
        assert [g["path"] for g in admin.get_user_groups(user_id)] == ["/operators/night"]
        assert [r["name"] for r in admin.get_group_realm_roles(night)] == ["operator"]
        assert "operator" in realm_roles(shop.token("olga", "olga-pw")["access_token"])

        admin.group_user_remove(user_id, night)
        assert admin.get_user_groups(user_id) == []
        assert "operator" not in realm_roles(shop.token("olga", "olga-pw")["access_token"])

        admin.delete_group(operators)
        assert admin.get_groups() == []
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)
