//! The field names Keycloak 26.7.3's Admin API accepts in each representation it refuses
//! unknown fields in (Jackson's `FAIL_ON_UNKNOWN_PROPERTIES`, answered by
//! `services/.../error/KeycloakErrorHandler.java` as `400 {"error":"Invalid json
//! representation for …Representation. Unrecognized field …"}`). Each list was read
//! from the real server: every name below is refused with a type error, not as unknown,
//! when given a value of the wrong type (`core/.../representations/idm/*Representation.java`
//! and what those classes inherit). latchkey stores and acts on fewer fields; the others are
//! accepted and ignored as before, so a Keycloak client's full representation still fits.

use latchkey_core::representation::{
    ClientRepresentation, CredentialRepresentation, GroupRepresentation, RealmRepresentation,
    RoleRepresentation, UserRepresentation,
};

/// A representation whose unknown fields the Admin API refuses, as Keycloak does.
pub(crate) trait KnownFields {
    /// The Java class name, as the error text names it.
    const NAME: &'static str;
    /// Every field name Keycloak accepts, sorted.
    const FIELDS: &'static [&'static str];
}

impl KnownFields for UserRepresentation {
    const NAME: &'static str = "UserRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "access",
        "applicationRoles",
        "attributes",
        "clientConsents",
        "clientRoles",
        "createdTimestamp",
        "credentials",
        "disableableCredentialTypes",
        "email",
        "emailVerified",
        "enabled",
        "federatedIdentities",
        "federationLink",
        "firstName",
        "groups",
        "id",
        "lastName",
        "notBefore",
        "origin",
        "realmRoles",
        "requiredActions",
        "self",
        "serviceAccountClientId",
        "socialLinks",
        "totp",
        "userProfileMetadata",
        "username",
    ];
}

impl KnownFields for ClientRepresentation {
    const NAME: &'static str = "ClientRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "access",
        "adminUrl",
        "alwaysDisplayInConsole",
        "attributes",
        "authenticationFlowBindingOverrides",
        "authorizationServicesEnabled",
        "authorizationSettings",
        "baseUrl",
        "bearerOnly",
        "clientAuthenticatorType",
        "clientId",
        "clientTemplate",
        "consentRequired",
        "defaultClientScopes",
        "defaultRoles",
        "description",
        "directAccessGrantsEnabled",
        "directGrantsOnly",
        "enabled",
        "frontchannelLogout",
        "fullScopeAllowed",
        "id",
        "implicitFlowEnabled",
        "name",
        "nodeReRegistrationTimeout",
        "notBefore",
        "optionalClientScopes",
        "origin",
        "protocol",
        "protocolMappers",
        "publicClient",
        "redirectUris",
        "registeredNodes",
        "registrationAccessToken",
        "rootUrl",
        "secret",
        "serviceAccountsEnabled",
        "standardFlowEnabled",
        "surrogateAuthRequired",
        "type",
        "useTemplateConfig",
        "useTemplateMappers",
        "useTemplateScope",
        "webOrigins",
    ];
}

impl KnownFields for RealmRepresentation {
    const NAME: &'static str = "RealmRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "accessCodeLifespan",
        "accessCodeLifespanLogin",
        "accessCodeLifespanUserAction",
        "accessTokenLifespan",
        "accessTokenLifespanForImplicitFlow",
        "accountTheme",
        "actionTokenGeneratedByAdminLifespan",
        "actionTokenGeneratedByUserLifespan",
        "adminEventsDetailsEnabled",
        "adminEventsEnabled",
        "adminPermissionsClient",
        "adminPermissionsEnabled",
        "adminTheme",
        "applicationScopeMappings",
        "applications",
        "attributes",
        "authenticationFlows",
        "authenticatorConfig",
        "browserFlow",
        "browserSecurityHeaders",
        "bruteForceProtected",
        "bruteForceStrategy",
        "certificate",
        "clientAuthenticationFlow",
        "clientOfflineSessionIdleTimeout",
        "clientOfflineSessionMaxLifespan",
        "clientPolicies",
        "clientProfiles",
        "clientScopeMappings",
        "clientScopes",
        "clientSessionIdleTimeout",
        "clientSessionMaxLifespan",
        "clientTemplates",
        "clients",
        "codeSecret",
        "components",
        "defaultDefaultClientScopes",
        "defaultGroups",
        "defaultLocale",
        "defaultOptionalClientScopes",
        "defaultRole",
        "defaultRoles",
        "defaultSignatureAlgorithm",
        "directGrantFlow",
        "displayName",
        "displayNameHtml",
        "dockerAuthenticationFlow",
        "duplicateEmailsAllowed",
        "editUsernameAllowed",
        "emailTheme",
        "enabled",
        "enabledEventTypes",
        "eventsEnabled",
        "eventsExpiration",
        "eventsListeners",
        "failureFactor",
        "federatedUsers",
        "firstBrokerLoginFlow",
        "groups",
        "id",
        "identityProviderMappers",
        "identityProviders",
        "internationalizationEnabled",
        "keycloakVersion",
        "localizationTexts",
        "loginTheme",
        "loginWithEmailAllowed",
        "maxDeltaTimeSeconds",
        "maxFailureWaitSeconds",
        "maxSecondaryAuthFailures",
        "maxTemporaryLockouts",
        "minimumQuickLoginWaitSeconds",
        "notBefore",
        "oauth2DeviceCodeLifespan",
        "oauth2DevicePollingInterval",
        "oauthClients",
        "offlineSessionIdleTimeout",
        "offlineSessionMaxLifespan",
        "offlineSessionMaxLifespanEnabled",
        "organizations",
        "organizationsEnabled",
        "otpPolicyAlgorithm",
        "otpPolicyCodeReusable",
        "otpPolicyDigits",
        "otpPolicyInitialCounter",
        "otpPolicyLookAheadWindow",
        "otpPolicyPeriod",
        "otpPolicyType",
        "otpSupportedApplications",
        "passwordCredentialGrantAllowed",
        "passwordPolicy",
        "permanentLockout",
        "privateKey",
        "protocolMappers",
        "publicKey",
        "quickLoginCheckMilliSeconds",
        "realm",
        "refreshTokenMaxReuse",
        "registrationAllowed",
        "registrationEmailAsUsername",
        "registrationFlow",
        "rememberMe",
        "requiredActions",
        "requiredCredentials",
        "resetCredentialsFlow",
        "resetPasswordAllowed",
        "revokeRefreshToken",
        "roles",
        "scimApiEnabled",
        "scopeMappings",
        "smtpServer",
        "social",
        "socialProviders",
        "sslRequired",
        "ssoSessionIdleTimeout",
        "ssoSessionIdleTimeoutRememberMe",
        "ssoSessionMaxLifespan",
        "ssoSessionMaxLifespanRememberMe",
        "supportedLocales",
        "updateProfileOnInitialSocialLogin",
        "userFederationMappers",
        "userFederationProviders",
        "userManagedAccessAllowed",
        "users",
        "verifiableCredentialsEnabled",
        "verifyEmail",
        "waitIncrementSeconds",
        "webAuthnPolicyAcceptableAaguids",
        "webAuthnPolicyAttestationConveyancePreference",
        "webAuthnPolicyAuthenticatorAttachment",
        "webAuthnPolicyAvoidSameAuthenticatorRegister",
        "webAuthnPolicyCreateTimeout",
        "webAuthnPolicyExtraOrigins",
        "webAuthnPolicyPasswordlessAcceptableAaguids",
        "webAuthnPolicyPasswordlessAttestationConveyancePreference",
        "webAuthnPolicyPasswordlessAuthenticatorAttachment",
        "webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister",
        "webAuthnPolicyPasswordlessCreateTimeout",
        "webAuthnPolicyPasswordlessExtraOrigins",
        "webAuthnPolicyPasswordlessPasskeysEnabled",
        "webAuthnPolicyPasswordlessRequireResidentKey",
        "webAuthnPolicyPasswordlessResidentKey",
        "webAuthnPolicyPasswordlessRpEntityName",
        "webAuthnPolicyPasswordlessRpId",
        "webAuthnPolicyPasswordlessSignatureAlgorithms",
        "webAuthnPolicyPasswordlessUserVerificationRequirement",
        "webAuthnPolicyRequireResidentKey",
        "webAuthnPolicyResidentKey",
        "webAuthnPolicyRpEntityName",
        "webAuthnPolicyRpId",
        "webAuthnPolicySignatureAlgorithms",
        "webAuthnPolicyUserVerificationRequirement",
    ];
}

impl KnownFields for RoleRepresentation {
    const NAME: &'static str = "RoleRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "attributes",
        "clientRole",
        "composite",
        "composites",
        "containerId",
        "description",
        "id",
        "name",
        "scopeParamRequired",
    ];
}

impl KnownFields for CredentialRepresentation {
    const NAME: &'static str = "CredentialRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "algorithm",
        "config",
        "counter",
        "createdDate",
        "credentialData",
        "device",
        "digits",
        "federationLink",
        "hashIterations",
        "hashedSaltedValue",
        "id",
        "period",
        "priority",
        "salt",
        "secretData",
        "temporary",
        "type",
        "userLabel",
        "value",
    ];
}

impl KnownFields for GroupRepresentation {
    const NAME: &'static str = "GroupRepresentation";
    const FIELDS: &'static [&'static str] = &[
        "access",
        "attributes",
        "clientRoles",
        "description",
        "id",
        "name",
        "parentId",
        "path",
        "realmRoles",
        "subGroupCount",
        "subGroups",
    ];
}

/// `ProtocolMapperRepresentation` (`…/protocol-mappers/models`; observed in 26.7.3:
/// `Unrecognized field "wrong"`, facts-12 §2.5).
impl KnownFields for latchkey_core::client::ProtocolMapper {
    const NAME: &'static str = "ProtocolMapperRepresentation";
    const FIELDS: &'static [&'static str] =
        &["config", "consentRequired", "consentText", "id", "name", "protocol", "protocolMapper"];
}

#[cfg(test)]
mod tests {
    use super::KnownFields;
    use latchkey_core::representation::{
        ClientRepresentation, CredentialRepresentation, GroupRepresentation, RealmRepresentation,
        RoleRepresentation, UserRepresentation,
    };

    fn sorted_and_unique(fields: &[&str]) -> bool {
        fields.windows(2).all(|pair| pair[0] < pair[1])
    }

    /// The lists are searched with `binary_search`.
    #[test]
    fn every_list_is_sorted() {
        assert!(sorted_and_unique(UserRepresentation::FIELDS));
        assert!(sorted_and_unique(ClientRepresentation::FIELDS));
        assert!(sorted_and_unique(RealmRepresentation::FIELDS));
        assert!(sorted_and_unique(RoleRepresentation::FIELDS));
        assert!(sorted_and_unique(CredentialRepresentation::FIELDS));
        assert!(sorted_and_unique(GroupRepresentation::FIELDS));
    }
}
