"""python-keycloak's realm import and export calls against latchkey (issue 12 part 5):
a real `kc.sh export` of Keycloak 26.7.3 (the issue's scenario with its own client scopes,
facts-12 §5.6; 49 kB as python-keycloak sends it, under the default 64 KiB body limit,
which the variant without client scopes, 67 kB, exceeds) created with
`create_realm`, read back with `get_realm`, and exported with `export_realm` (Keycloak's
partial export): what latchkey does not act on comes back as it came, users and secrets
stay out.
"""

import base64
import json
from pathlib import Path

from keycloak import KeycloakOpenID

REALM = "compat-kept"
EXPORT = (
    Path(__file__).resolve().parents[2]
    / "crates/latchkey-core/src/representation/tests/keycloak-26.7.3-full-export-scenario.json"
)

# The same scenario without its own client scopes: 82 kB, past the 64 KiB of ordinary
# bodies; realm files are read under the import limit (10 MiB).
EXPORT_WITHOUT_SCOPES = EXPORT.with_name("keycloak-26.7.3-full-export-scenario2.json")
PARTIAL = "compat-partial"


def keycloak_export() -> dict:
    realm = json.loads(EXPORT.read_text())
    realm["realm"] = REALM
    del realm["id"]
    return realm


def test_a_keycloak_export_comes_back_from_get_realm_and_export_realm(admin):
    original = keycloak_export()
    admin.create_realm(payload=original)
    try:
        realm = admin.get_realm(REALM)
        # The realm settings Keycloak answers, kept as the file gave them.
        for field in ["browserFlow", "smtpServer", "attributes", "otpPolicyType",
                      "webAuthnPolicyRpEntityName", "clientPolicies", "organizationsEnabled"]:
            assert realm[field] == original[field], field
        assert realm["accessTokenLifespan"] == original["accessTokenLifespan"]

        admin.change_current_realm(REALM)
        bare = admin.export_realm()
        for absent in ["users", "clients", "roles", "groups"]:
            assert absent not in bare, absent
        exported = admin.export_realm(export_clients=True, export_groups_and_role=True)
        for part in ["authenticationFlows", "requiredActions", "authenticatorConfig",
                     "identityProviders", "keycloakVersion"]:
            assert exported[part] == original[part], part
        policies = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy"
        assert exported["components"][policies] == original["components"][policies]
        assert [g["path"] for g in exported["groups"]] == ["/operators"]
        assert "crm_client" in [c["clientId"] for c in exported["clients"]]
        assert "users" not in exported  # no service accounts in this realm
        keys = exported["components"]["org.keycloak.keys.KeyProvider"]
        assert all("privateKey" not in key["config"] for key in keys)
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)


def realm_roles(token: str) -> list:
    piece = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
    return claims["realm_access"]["roles"]


def test_partial_import_of_a_whole_keycloak_export_adds_what_the_realm_lacks(admin, base_url):
    """`partial_import_realm` with a whole Keycloak export into a new realm, as an operator
    moves a realm's users into one that exists: with SKIP, the built-ins the realm has are
    skipped, the rest is added in one transaction, and the user's token carries the role
    she holds through her group (her Keycloak argon2 hash signs her in)."""
    export = json.loads(EXPORT_WITHOUT_SCOPES.read_text())
    admin.create_realm(payload={"realm": PARTIAL, "enabled": True})
    try:
        refused = None
        try:
            admin.partial_import_realm(PARTIAL, dict(export, ifResourceExists="FAIL"))
        except Exception as error:  # KeycloakPostError
            refused = error
        # The realm's built-in clients are passed over (Keycloak 26.7.3): its built-in
        # realm roles are the first that exist.
        assert refused is not None and refused.response_code == 409
        assert b"Realm role 'offline_access' already exists." in refused.response_body

        results = admin.partial_import_realm(PARTIAL, dict(export, ifResourceExists="SKIP"))
        by_action = {}
        for result in results["results"]:
            by_action.setdefault(result["action"], set()).add(
                (result["resourceType"], result["resourceName"]))
        added = by_action["ADDED"]
        for expected in [("CLIENT", "crm_client"), ("REALM_ROLE", "operatorRole"),
                         ("GROUP", "operators"), ("USER", "crm_client_user")]:
            assert expected in added, expected
        assert not any(kind == "CLIENT" and name == "account"
                       for pairs in by_action.values() for kind, name in pairs)
        assert ("CLIENT_ROLE", "account-->manage-account") in by_action["SKIPPED"]
        assert ("REALM_ROLE", "offline_access") in by_action["SKIPPED"]
        # Keycloak 26.7.3 answers the same counts for this file into a new realm.
        assert (results["added"], results["skipped"], results["overwritten"]) == (6, 33, 0)
        assert results["added"] == len(added)
        assert results["skipped"] == len(by_action["SKIPPED"])

        crm = KeycloakOpenID(server_url=base_url, realm_name=PARTIAL, client_id="crm_client")
        token = crm.token("crm_client_user", "1234")
        assert "operatorRole" in realm_roles(token["access_token"])
    finally:
        admin.delete_realm(PARTIAL)
