//! A realm's password policy (`passwordPolicy`, e.g. `length(8) and digits(1) and
//! notUsername(undefined)`), parsed and checked as Keycloak's `PasswordPolicy` and its
//! `*PasswordPolicyProvider`s do. Enforced: `length`, `maxLength`, `digits`,
//! `lowerCase`, `upperCase`, `specialChars`, `notUsername`, `notEmail`,
//! `notContainsUsername`. Accepted and not enforced (they concern hashing, history,
//! expiry or lists latchkey does not keep): `hashAlgorithm`, `hashIterations`,
//! `passwordHistory`, `forceExpiredPasswordChange`, `passwordAge`, `passwordBlacklist`,
//! `regexPattern`, `maxAuthAge`, `recoveryCodesWarningThreshold`.

use thiserror::Error;

/// One rule of a policy, with its number where it takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Length(usize),
    MaxLength(usize),
    Digits(usize),
    LowerCase(usize),
    UpperCase(usize),
    SpecialChars(usize),
    NotUsername,
    NotEmail,
    NotContainsUsername,
    /// A Keycloak policy latchkey accepts but does not check.
    NotEnforced,
}

/// A policy string that names no known policy or gives a bad number; Keycloak refuses
/// the realm update with these texts (`PasswordPolicyConfigException`).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PolicyConfigError {
    #[error("Password policy not found")]
    UnknownPolicy,
    #[error("Not a valid number")]
    NotANumber,
}

/// A password the policy refuses: Keycloak's message key and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyViolation {
    pub key: &'static str,
    pub parameter: Option<usize>,
}

impl PolicyViolation {
    /// The English text Keycloak's admin theme gives the key (`messages_en.properties`).
    pub fn description(&self) -> String {
        let n = self.parameter.unwrap_or_default();
        match self.key {
            "invalidPasswordMinLengthMessage" => format!("Invalid password: minimum length {n}."),
            "invalidPasswordMaxLengthMessage" => format!("Invalid password: maximum length {n}."),
            "invalidPasswordMinDigitsMessage" => {
                format!("Invalid password: must contain at least {n} numerical digits.")
            }
            "invalidPasswordMinLowerCaseCharsMessage" => {
                format!("Invalid password: must contain at least {n} lower case characters.")
            }
            "invalidPasswordMinUpperCaseCharsMessage" => {
                format!("Invalid password: must contain at least {n} upper case characters.")
            }
            "invalidPasswordMinSpecialCharsMessage" => {
                format!("Invalid password: must contain at least {n} special characters.")
            }
            "invalidPasswordNotUsernameMessage" => {
                "Invalid password: must not be equal to the username.".to_owned()
            }
            "invalidPasswordNotEmailMessage" => {
                "Invalid password: must not be equal to the email.".to_owned()
            }
            "invalidPasswordNotContainsUsernameMessage" => {
                "Invalid password: Can not contain the username.".to_owned()
            }
            _ => "Invalid password: new password does not match password policies.".to_owned(),
        }
    }
}

/// A parsed policy. The empty policy allows every password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    rules: Vec<Rule>,
}

/// The number in `name(n)`, or the policy's default when there is none (the admin
/// console writes `undefined` for a policy left at its default).
fn number(config: Option<&str>, default: usize) -> Result<usize, PolicyConfigError> {
    match config.map(str::trim) {
        None | Some("") | Some("undefined") => Ok(default),
        Some(text) => text.parse().map_err(|_| PolicyConfigError::NotANumber),
    }
}

impl PasswordPolicy {
    /// Parses `a(1) and b and c(x)` as Keycloak does: split on ` and `, each part a
    /// provider id with an optional parenthesised config.
    pub fn parse(text: &str) -> Result<Self, PolicyConfigError> {
        let mut rules = Vec::new();
        if text.trim().is_empty() {
            return Ok(PasswordPolicy { rules });
        }
        for part in text.split(" and ") {
            let part = part.trim();
            let (name, config) = match part.find('(') {
                Some(open) => {
                    let inner = &part[open + 1..];
                    (part[..open].trim(), Some(inner.strip_suffix(')').unwrap_or(inner)))
                }
                None => (part, None),
            };
            let rule = match name {
                "length" => Rule::Length(number(config, 8)?),
                "maxLength" => Rule::MaxLength(number(config, 64)?),
                "digits" => Rule::Digits(number(config, 1)?),
                "lowerCase" => Rule::LowerCase(number(config, 1)?),
                "upperCase" => Rule::UpperCase(number(config, 1)?),
                "specialChars" => Rule::SpecialChars(number(config, 1)?),
                "notUsername" => Rule::NotUsername,
                "notEmail" => Rule::NotEmail,
                "notContainsUsername" => Rule::NotContainsUsername,
                "hashAlgorithm" | "passwordBlacklist" | "regexPattern" => Rule::NotEnforced,
                "hashIterations"
                | "passwordHistory"
                | "forceExpiredPasswordChange"
                | "passwordAge"
                | "maxAuthAge"
                | "recoveryCodesWarningThreshold" => {
                    number(config, 0)?;
                    Rule::NotEnforced
                }
                _ => return Err(PolicyConfigError::UnknownPolicy),
            };
            rules.push(rule);
        }
        Ok(PasswordPolicy { rules })
    }

    /// The first rule, in the policy's order, that `password` breaks.
    pub fn check(
        &self,
        password: &str,
        username: &str,
        email: Option<&str>,
    ) -> Result<(), PolicyViolation> {
        // Java counts UTF-16 units, and classifies characters one by one.
        let length = password.encode_utf16().count();
        let count = |test: fn(char) -> bool| password.chars().filter(|&c| test(c)).count();
        let violation = |key, parameter| Err(PolicyViolation { key, parameter });
        for rule in &self.rules {
            match *rule {
                Rule::Length(n) if length < n => {
                    return violation("invalidPasswordMinLengthMessage", Some(n));
                }
                Rule::MaxLength(n) if length > n => {
                    return violation("invalidPasswordMaxLengthMessage", Some(n));
                }
                Rule::Digits(n) if count(char::is_numeric) < n => {
                    return violation("invalidPasswordMinDigitsMessage", Some(n));
                }
                Rule::LowerCase(n) if count(char::is_lowercase) < n => {
                    return violation("invalidPasswordMinLowerCaseCharsMessage", Some(n));
                }
                Rule::UpperCase(n) if count(char::is_uppercase) < n => {
                    return violation("invalidPasswordMinUpperCaseCharsMessage", Some(n));
                }
                Rule::SpecialChars(n) if count(|c| !c.is_alphanumeric()) < n => {
                    return violation("invalidPasswordMinSpecialCharsMessage", Some(n));
                }
                Rule::NotUsername if password.to_lowercase() == username.to_lowercase() => {
                    return violation("invalidPasswordNotUsernameMessage", None);
                }
                Rule::NotEmail
                    if email.is_some_and(|e| e.to_lowercase() == password.to_lowercase()) =>
                {
                    return violation("invalidPasswordNotEmailMessage", None);
                }
                Rule::NotContainsUsername
                    if !username.is_empty()
                        && password.to_lowercase().contains(&username.to_lowercase()) =>
                {
                    return violation("invalidPasswordNotContainsUsernameMessage", None);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn refused(policy: &str, password: &str) -> Option<String> {
        let policy = PasswordPolicy::parse(policy).unwrap();
        policy.check(password, "alice", Some("alice@example.com")).err().map(|v| v.description())
    }

    #[test]
    fn the_empty_policy_allows_anything() {
        assert_eq!(refused("", ""), None);
        assert_eq!(refused("  ", "x"), None);
    }

    #[test]
    fn each_rule_refuses_with_keycloaks_text() {
        let cases = [
            ("length(8)", "short", "Invalid password: minimum length 8."),
            ("maxLength(4)", "longer", "Invalid password: maximum length 4."),
            ("digits(2)", "abc1", "Invalid password: must contain at least 2 numerical digits."),
            (
                "lowerCase(1)",
                "ABC",
                "Invalid password: must contain at least 1 lower case characters.",
            ),
            (
                "upperCase(1)",
                "abc",
                "Invalid password: must contain at least 1 upper case characters.",
            ),
            (
                "specialChars(1)",
                "abc123",
                "Invalid password: must contain at least 1 special characters.",
            ),
            (
                "notUsername(undefined)",
                "ALICE",
                "Invalid password: must not be equal to the username.",
            ),
            ("notEmail", "Alice@Example.com", "Invalid password: must not be equal to the email."),
            (
                "notContainsUsername",
                "my-alice-pw",
                "Invalid password: Can not contain the username.",
            ),
        ];
        for (policy, password, text) in cases {
            assert_eq!(refused(policy, password).as_deref(), Some(text), "{policy}");
        }
    }

    #[test]
    fn the_first_broken_rule_in_the_policys_order_is_reported() {
        let policy = "length(10) and digits(1) and upperCase(1)";
        assert_eq!(refused(policy, "abc").unwrap(), "Invalid password: minimum length 10.");
        assert_eq!(
            refused(policy, "abcdefghijk").unwrap(),
            "Invalid password: must contain at least 1 numerical digits."
        );
        assert_eq!(refused(policy, "Abcdefghij1"), None);
    }

    #[test]
    fn defaults_apply_without_a_number_and_hashing_policies_are_accepted() {
        assert_eq!(refused("length", "1234567").unwrap(), "Invalid password: minimum length 8.");
        assert_eq!(refused("hashIterations(27500) and hashAlgorithm(pbkdf2-sha256)", "x"), None);
        assert_eq!(refused("passwordHistory(3) and regexPattern([a-z]+)", "x"), None);
    }

    #[test]
    fn unknown_policies_and_bad_numbers_are_config_errors() {
        assert_eq!(PasswordPolicy::parse("lenght(8)"), Err(PolicyConfigError::UnknownPolicy));
        assert_eq!(PasswordPolicy::parse("length(eight)"), Err(PolicyConfigError::NotANumber));
    }

    #[test]
    fn length_counts_utf16_units_like_java() {
        // U+1F600 is two UTF-16 units.
        assert_eq!(refused("length(2)", "\u{1F600}"), None);
        assert!(refused("length(2)", "é").is_some());
    }
}
