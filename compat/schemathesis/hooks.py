"""Schemathesis hooks for compat/schemathesis/run.py (loaded through SCHEMATHESIS_HOOKS)."""

import schemathesis

# Keycloak's relational checks (a client session may not outlast the realm's SSO
# session, `DefaultExportImportManager.validateClientAndRealmTimeouts`,
# `DefaultClientValidationProvider.validateClientSessionTimeout`) compare a value with
# the stored realm's: JSON Schema cannot say it, so generated bodies get values that
# always pass (client 0, SSO ten years); latchkey's Rust tests cover the checks
# (`crates/latchkey-server/tests/api/admin_validation.rs`).
REALM_RELATIONAL = ("clientSessionIdleTimeout", "clientSessionMaxLifespan",
                    "ssoSessionIdleTimeout", "ssoSessionMaxLifespan")
CLIENT_RELATIONAL = ("client.session.idle.timeout", "client.session.max.lifespan")
REALM_BODIES = {("PUT", "/admin/realms/{realm}"), ("POST", "/admin/realms")}
CLIENT_BODIES = {("PUT", "/admin/realms/{realm}/clients/{id}"),
                 ("POST", "/admin/realms/{realm}/clients")}


TEN_YEARS = 10 * 365 * 86400


def in_range(value):
    return type(value) is int and 0 <= value <= TEN_YEARS


@schemathesis.hook
def map_case(context, case):
    """Keeps the run's realm where it is and leaves Keycloak's relational checks out,
    without turning an invalid case into a valid one: only values of the right type and
    range are touched (a wrong one still reaches the server, which must refuse it)."""
    operation = (case.operation.method.upper(), case.operation.path)
    if not isinstance(case.body, dict):
        return case
    # `PUT /admin/realms/{realm}` renames the realm when its body names another.
    if operation == ("PUT", "/admin/realms/{realm}") and isinstance(case.body.get("realm"), str):
        case.body["realm"] = case.path_parameters.get("realm", case.body["realm"])
    if operation in REALM_BODIES:
        for field in REALM_RELATIONAL:
            value = case.body.get(field)
            if field.startswith("client") and in_range(value):
                case.body[field] = 0
            elif field.startswith("sso") and in_range(value) and value >= 1:
                case.body[field] = TEN_YEARS
    # A realm file's users may only name clients and roles the file has: references
    # between parts of one body are beyond JSON Schema, so well-typed ones are dropped.
    if operation in REALM_BODIES and isinstance(case.body.get("defaultRole"), dict):
        del case.body["defaultRole"]
    if operation in REALM_BODIES and isinstance(case.body.get("users"), list):
        for user in case.body["users"]:
            if not isinstance(user, dict):
                continue
            if isinstance(user.get("serviceAccountClientId"), str):
                del user["serviceAccountClientId"]
            if isinstance(user.get("realmRoles"), list) and all(
                    isinstance(r, str) for r in user["realmRoles"]):
                user["realmRoles"] = []
            if isinstance(user.get("clientRoles"), dict):
                user["clientRoles"] = {}
    attributes = case.body.get("attributes")
    if operation in CLIENT_BODIES and isinstance(attributes, dict):
        for name in CLIENT_RELATIONAL:
            value = attributes.get(name)
            if isinstance(value, str) and value.isdigit() and in_range(int(value)) \
                    and str(int(value)) == value:
                attributes[name] = "0"
    return case
