"""Schemathesis hooks for compat/schemathesis/run.py (loaded through SCHEMATHESIS_HOOKS)."""

import re

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

# The realm's password policy then judges every password a later request sets: a state,
# like the relational checks. A policy the document allows becomes one that parses the
# same way and lets every password through (`hashIterations` is not enforced).
_ENTRY = (r"(?:(?:length|maxLength|digits|lowerCase|upperCase|specialChars|hashIterations|"
          r"passwordHistory|forceExpiredPasswordChange|passwordAge|maxAuthAge|"
          r"recoveryCodesWarningThreshold)(?:\([0-9]{1,9}\))?|"
          r"(?:notUsername|notEmail|notContainsUsername|hashAlgorithm|passwordBlacklist))")
VALID_POLICY = re.compile(f"(?:{_ENTRY}(?: and {_ENTRY})*)?")


def in_range(value):
    """A valid count of seconds: an integer (JSON Schema counts 300.0 as one) in range."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return is_number and float(value).is_integer() and 0 <= value <= TEN_YEARS


def is_strings(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


ROLE_FIELDS = {"id": str, "name": str, "description": str, "containerId": str,
               "composite": bool, "clientRole": bool, "composites": dict, "attributes": dict}


def is_composites(value):
    """A well-typed CompositesRepresentation: `{"realm": [names], "client": {id: [names]}}`."""
    if not isinstance(value, dict):
        return False
    realm, client = value.get("realm"), value.get("client")
    return (realm is None or is_strings(realm)) and (
        client is None or (isinstance(client, dict) and all(is_strings(v) for v in client.values())))


def is_role(value):
    """Whether `value` has the types of a RoleRepresentation (so dropping it cannot turn
    an invalid request into a valid one)."""
    return isinstance(value, dict) and all(
        field not in value or value[field] is None or isinstance(value[field], kind)
        for field, kind in ROLE_FIELDS.items())


GROUP_FIELDS = {"id": str, "name": str, "path": str, "description": str, "parentId": str,
                "subGroupCount": int, "subGroups": list, "attributes": dict,
                "realmRoles": list, "clientRoles": dict, "access": dict}


def is_group(value):
    """Whether `value` has the types of a GroupRepresentation, its subgroups too."""
    return isinstance(value, dict) and all(
        field not in value or value[field] is None or isinstance(value[field], kind)
        for field, kind in GROUP_FIELDS.items()) and all(
        is_group(child) for child in value.get("subGroups") or [])


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
    policy = case.body.get("passwordPolicy")
    if operation in REALM_BODIES and isinstance(policy, str) and VALID_POLICY.fullmatch(policy):
        case.body["passwordPolicy"] = "hashIterations(27500)"
    if operation in REALM_BODIES and is_role(case.body.get("defaultRole")):
        del case.body["defaultRole"]
    roles = case.body.get("roles")
    if operation in REALM_BODIES and isinstance(roles, dict):
        client = roles.get("client")
        if isinstance(client, dict) and all(
                isinstance(v, list) and all(is_role(r) for r in v) for v in client.values()):
            roles["client"] = {}
        for role in roles.get("realm") or []:
            if is_role(role) and is_composites(role.get("composites")):
                role["composites"] = None
    # A realm file's groups need names and name roles and groups the file has, and its
    # users and default groups name groups by path: well-typed ones are dropped.
    groups = case.body.get("groups")
    if operation in REALM_BODIES and isinstance(groups, list) and all(map(is_group, groups)):
        del case.body["groups"]
    if operation in REALM_BODIES and is_strings(case.body.get("defaultGroups")):
        del case.body["defaultGroups"]
    if operation in REALM_BODIES and isinstance(case.body.get("users"), list):
        for user in case.body["users"]:
            if not isinstance(user, dict):
                continue
            if is_strings(user.get("groups")):
                user["groups"] = []
            if isinstance(user.get("serviceAccountClientId"), str):
                del user["serviceAccountClientId"]
            if is_strings(user.get("realmRoles")):
                user["realmRoles"] = []
            roles = user.get("clientRoles")
            if isinstance(roles, dict) and all(is_strings(v) for v in roles.values()):
                user["clientRoles"] = {}
    attributes = case.body.get("attributes")
    if operation in CLIENT_BODIES and isinstance(attributes, dict):
        for name in CLIENT_RELATIONAL:
            value = attributes.get(name)
            if isinstance(value, str) and value.isdigit() and in_range(int(value)) \
                    and str(int(value)) == value:
                attributes[name] = "0"
    return case
