//! A realm's password policy (`passwordPolicy`, e.g. `length(8) and digits(1) and
//! notUsername(undefined)`), parsed, normalised and checked as Keycloak 26.7.3 does
//! (`PasswordPolicy`, its builder and the `*PasswordPolicyProvider`s). Enforced:
//! `length`, `maxLength`, `digits`, `lowerCase`, `upperCase`, `specialChars`,
//! `notUsername`, `notEmail`, `notContainsUsername`, `regexPattern`. Accepted and not
//! enforced (they concern hashing, history, expiry or lists latchkey does not keep):
//! `hashAlgorithm`, `hashIterations`, `passwordHistory`, `forceExpiredPasswordChange`,
//! `passwordAge`, `passwordBlacklist`, `maxAuthAge`, `recoveryCodesWarningThreshold`.

use regex::Regex;
use thiserror::Error;

/// One rule of a policy, with its number where it takes one.
#[derive(Clone, Debug)]
enum Rule {
    Length(i64),
    MaxLength(i64),
    Digits(i64),
    LowerCase(i64),
    UpperCase(i64),
    SpecialChars(i64),
    NotUsername,
    NotEmail,
    NotContainsUsername,
    /// The whole password must match.
    RegexPattern(Box<Regex>),
    /// A Keycloak policy latchkey accepts but does not check.
    NotEnforced,
}

/// A policy string Keycloak refuses on a realm update (`PasswordPolicyConfigException`,
/// answered as `{"errorMessage": …}`), with its texts as 26.7.3 writes them.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PolicyConfigError {
    #[error("Password policy not found")]
    UnknownPolicy,
    #[error("Invalid config for {0}: Not a valid number")]
    NotANumber(String),
    #[error("Invalid config for regexPattern: Not a valid regular expression")]
    NotARegex,
}

/// A password the policy refuses: Keycloak's message key and its parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyViolation {
    pub key: &'static str,
    pub parameter: Option<i64>,
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
            "invalidPasswordRegexPatternMessage" => {
                "Invalid password: fails to match regex pattern(s).".to_owned()
            }
            _ => "Invalid password: new password does not match password policies.".to_owned(),
        }
    }
}

/// A parsed policy: its entries as written (for the normalised text) and the rules in
/// the order Keycloak checks them. The empty policy allows every password.
#[derive(Clone, Debug, Default)]
pub struct PasswordPolicy {
    entries: Vec<(String, Option<String>)>,
    rules: Vec<Rule>,
}

/// The number in `id(n)`, or the policy's default without parentheses. Java's
/// `Integer.parseInt`: no spaces, an optional sign.
fn number(id: &str, config: Option<&str>, default: i64) -> Result<i64, PolicyConfigError> {
    match config {
        None => Ok(default),
        Some(text) => text
            .parse::<i32>()
            .map(i64::from)
            .map_err(|_| PolicyConfigError::NotANumber(id.to_owned())),
    }
}

/// `String.hashCode` of an ASCII policy id, spread as `HashMap.hash` does.
fn java_hash(id: &str) -> u32 {
    let h =
        id.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
    h ^ (h >> 16)
}

fn rule(id: &str, config: Option<&str>) -> Result<Rule, PolicyConfigError> {
    Ok(match id {
        "length" => Rule::Length(number(id, config, 8)?),
        "maxLength" => Rule::MaxLength(number(id, config, 64)?),
        "digits" => Rule::Digits(number(id, config, 1)?),
        "lowerCase" => Rule::LowerCase(number(id, config, 1)?),
        "upperCase" => Rule::UpperCase(number(id, config, 1)?),
        "specialChars" => Rule::SpecialChars(number(id, config, 1)?),
        "notUsername" => Rule::NotUsername,
        "notEmail" => Rule::NotEmail,
        "notContainsUsername" => Rule::NotContainsUsername,
        "regexPattern" => {
            let pattern = config.unwrap_or_default();
            let anchored = format!("^(?:{pattern})$");
            Rule::RegexPattern(Box::new(
                Regex::new(&anchored).map_err(|_| PolicyConfigError::NotARegex)?,
            ))
        }
        "hashAlgorithm" | "passwordBlacklist" => Rule::NotEnforced,
        "hashIterations"
        | "passwordHistory"
        | "forceExpiredPasswordChange"
        | "passwordAge"
        | "maxAuthAge"
        | "recoveryCodesWarningThreshold" => {
            number(id, config, 0)?;
            Rule::NotEnforced
        }
        _ => return Err(PolicyConfigError::UnknownPolicy),
    })
}

impl PasswordPolicy {
    /// Parses `a(1) and b and c(x)` as Keycloak does: split on ` and `, each part
    /// trimmed, an id with an optional parenthesised config taken as is; an id given
    /// twice keeps its first place and its last config.
    pub fn parse(text: &str) -> Result<Self, PolicyConfigError> {
        let mut entries: Vec<(String, Option<String>)> = Vec::new();
        if !text.trim().is_empty() {
            for part in text.split(" and ") {
                let part = part.trim();
                let (id, config) = match part.find('(') {
                    Some(open) => {
                        let inner = &part[open + 1..];
                        let inner = inner.strip_suffix(')').unwrap_or(inner);
                        (part[..open].trim(), Some(inner.to_owned()))
                    }
                    None => (part, None),
                };
                match entries.iter_mut().find(|(seen, _)| seen == id) {
                    Some(entry) => entry.1 = config,
                    None => entries.push((id.to_owned(), config)),
                }
            }
        }
        // Keycloak checks in the iteration order of a `HashMap` keyed by id: by bucket
        // (16 of them up to 12 entries, then 32), ties in insertion order.
        let buckets: u32 = if entries.len() > 12 { 32 } else { 16 };
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| java_hash(&entries[i].0) & (buckets - 1));
        let rules = order
            .into_iter()
            .map(|i| rule(&entries[i].0, entries[i].1.as_deref()))
            .collect::<Result<_, _>>()?;
        Ok(PasswordPolicy { entries, rules })
    }

    /// The policy as Keycloak stores it back: entries joined by ` and `, `None` when
    /// empty.
    pub fn normalized(&self) -> Option<String> {
        if self.entries.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(id, config)| match config {
                Some(config) => format!("{id}({config})"),
                None => id.clone(),
            })
            .collect();
        Some(parts.join(" and "))
    }

    /// The first rule, in Keycloak's order, that `password` breaks.
    pub fn check(
        &self,
        password: &str,
        username: &str,
        email: Option<&str>,
    ) -> Result<(), PolicyViolation> {
        // Java counts UTF-16 units, and classifies characters one by one.
        let length = i64::try_from(password.encode_utf16().count()).unwrap_or(i64::MAX);
        let count = |test: fn(char) -> bool| {
            i64::try_from(password.chars().filter(|&c| test(c)).count()).unwrap_or(i64::MAX)
        };
        let violation = |key, parameter| Err(PolicyViolation { key, parameter });
        let lower_password = password.to_lowercase();
        let lower_username = username.to_lowercase();
        for rule in &self.rules {
            match rule {
                Rule::Length(n) if length < *n => {
                    return violation("invalidPasswordMinLengthMessage", Some(*n));
                }
                Rule::MaxLength(n) if length > *n => {
                    return violation("invalidPasswordMaxLengthMessage", Some(*n));
                }
                Rule::Digits(n) if count(char::is_numeric) < *n => {
                    return violation("invalidPasswordMinDigitsMessage", Some(*n));
                }
                Rule::LowerCase(n) if count(char::is_lowercase) < *n => {
                    return violation("invalidPasswordMinLowerCaseCharsMessage", Some(*n));
                }
                Rule::UpperCase(n) if count(char::is_uppercase) < *n => {
                    return violation("invalidPasswordMinUpperCaseCharsMessage", Some(*n));
                }
                Rule::SpecialChars(n) if count(|c| !c.is_alphanumeric()) < *n => {
                    return violation("invalidPasswordMinSpecialCharsMessage", Some(*n));
                }
                Rule::NotUsername if lower_password == lower_username => {
                    return violation("invalidPasswordNotUsernameMessage", None);
                }
                Rule::NotEmail if email.is_some_and(|e| e.to_lowercase() == lower_password) => {
                    return violation("invalidPasswordNotEmailMessage", None);
                }
                Rule::NotContainsUsername
                    if !lower_username.is_empty() && lower_password.contains(&lower_username) =>
                {
                    return violation("invalidPasswordNotContainsUsernameMessage", None);
                }
                Rule::RegexPattern(pattern) if !pattern.is_match(password) => {
                    return violation("invalidPasswordRegexPatternMessage", None);
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
        assert_eq!(refused("notEmail(undefined)", "x"), None);
    }

    #[test]
    fn defaults_apply_without_a_number_and_hashing_policies_are_accepted() {
        assert_eq!(refused("length", "1234567").unwrap(), "Invalid password: minimum length 8.");
        assert_eq!(refused("hashIterations(27500) and hashAlgorithm(pbkdf2-sha256)", "x"), None);
        assert_eq!(refused("passwordHistory(3)", "x"), None);
    }

    #[test]
    fn a_regex_pattern_must_match_the_whole_password() {
        let text = "Invalid password: fails to match regex pattern(s).";
        assert_eq!(refused("regexPattern([a-z]+)", "abc1").as_deref(), Some(text));
        assert_eq!(refused("regexPattern([a-z]+)", "abc"), None);
    }

    fn config_error(text: &str) -> String {
        PasswordPolicy::parse(text).err().unwrap().to_string()
    }

    #[test]
    fn unknown_policies_and_bad_configs_are_refused_with_keycloaks_text() {
        assert_eq!(config_error("lenght(8)"), "Password policy not found");
        assert_eq!(config_error("length(eight)"), "Invalid config for length: Not a valid number");
        assert_eq!(config_error("length( 9 )"), "Invalid config for length: Not a valid number");
        assert_eq!(
            config_error("digits(undefined)"),
            "Invalid config for digits: Not a valid number"
        );
        assert_eq!(
            config_error("regexPattern([)"),
            "Invalid config for regexPattern: Not a valid regular expression"
        );
    }

    /// As 26.7.3 stores what it was given.
    #[test]
    fn the_policy_is_normalised_as_keycloak_stores_it() {
        let normalized = |text: &str| PasswordPolicy::parse(text).unwrap().normalized();
        assert_eq!(normalized(" length(9) ").as_deref(), Some("length(9)"));
        assert_eq!(
            normalized("length(8)  and digits(2)").as_deref(),
            Some("length(8) and digits(2)")
        );
        assert_eq!(
            normalized("digits(2) and length(8) and digits(3)").as_deref(),
            Some("digits(3) and length(8)")
        );
        assert_eq!(normalized("notUsername(5)").as_deref(), Some("notUsername(5)"));
        assert_eq!(normalized(""), None);
    }

    /// Keycloak checks in `HashMap` order, not as written; each case was recorded from
    /// 26.7.3 with the password on the right.
    #[test]
    fn rules_are_checked_in_keycloaks_order() {
        let cases = [
            ("digits(1) and length(8)", "abcdefg", "invalidPasswordMinLengthMessage"),
            (
                "upperCase(1) and lowerCase(1) and digits(1) and specialChars(1) and length(8) and maxLength(4) and notUsername(undefined)",
                "victoria1",
                "invalidPasswordMinSpecialCharsMessage",
            ),
            (
                "maxLength(4) and upperCase(1) and lowerCase(1)",
                "abcdefgh",
                "invalidPasswordMinUpperCaseCharsMessage",
            ),
            (
                "lowerCase(1) and upperCase(1)",
                "12345678",
                "invalidPasswordMinUpperCaseCharsMessage",
            ),
            ("specialChars(1) and digits(1)", "abcdefgh", "invalidPasswordMinSpecialCharsMessage"),
            (
                "notUsername(undefined) and length(8) and digits(1)",
                "VIC",
                "invalidPasswordMinLengthMessage",
            ),
        ];
        for (policy, password, key) in cases {
            let policy = PasswordPolicy::parse(policy).unwrap();
            let violation = policy.check(password, "vic", None).unwrap_err();
            assert_eq!(violation.key, key, "{password}");
        }
    }

    #[test]
    fn length_counts_utf16_units_like_java() {
        // U+1F600 is two UTF-16 units.
        assert_eq!(refused("length(2)", "\u{1F600}"), None);
        assert!(refused("length(2)", "é").is_some());
    }
}
