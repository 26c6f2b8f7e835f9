"""python-keycloak's realm import and export calls against latchkey (issue 12 part 5):
a real `kc.sh export` of Keycloak 26.7.3 (the issue's scenario with its own client scopes,
facts-12 §5.6; 49 kB as python-keycloak sends it, under the default 64 KiB body limit,
which the variant without client scopes, 67 kB, exceeds) created with
`create_realm`, read back with `get_realm`, and exported with `export_realm` (Keycloak's
partial export): what latchkey does not act on comes back as it came, users and secrets
stay out.
"""

import json
from pathlib import Path

REALM = "compat-kept"
EXPORT = (
    Path(__file__).resolve().parents[2]
    / "crates/latchkey-core/src/representation/tests/keycloak-26.7.3-full-export-scenario.json"
)


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
