//! Keycloak's default username validators: the user profile's `username` attribute
//! (`keycloak-default-user-profile.json`) runs `length` (3 to 255 after trimming,
//! counted in UTF-16 units as Java's `String.length()`, `LengthValidator`),
//! `username-prohibited-characters` (`UsernameProhibitedCharactersValidator`) and
//! `up-username-not-idn-homograph` (`UsernameIDNHomographValidator`: Latin and Common
//! script only). Keycloak runs them on the Admin API's user create and update; latchkey
//! also runs them on realm import, which Keycloak does not (it imports `ab<c` and
//! `ab\u0000c`, measured on 26.7.3), so a file cannot bring in a name no admin could type.

use std::sync::LazyLock;

use regex::Regex;

/// The length the user profile allows, after trimming.
pub const MIN_LENGTH: usize = 3;
pub const MAX_LENGTH: usize = 255;

/// What is wrong with a username, as Keycloak reports it (length first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsernameProblems {
    /// `error-invalid-length`.
    pub length: bool,
    /// `error-username-invalid-character`.
    pub characters: bool,
}

impl UsernameProblems {
    pub fn is_empty(&self) -> bool {
        !self.length && !self.characters
    }
}

impl std::fmt::Display for UsernameProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if self.length {
            parts.push(format!("it must have {MIN_LENGTH} to {MAX_LENGTH} characters"));
        }
        if self.characters {
            parts.push(
                "it may not contain white space, control characters, letters of scripts \
                 other than Latin, or any of < > & \" ' $ % ! # ? § , ; : * ~ / \\ | ^ = [ ] { } ( ) `"
                    .to_owned(),
            );
        }
        write!(f, "{}", parts.join(", and "))
    }
}

/// Java's `String.trim()`: every character up to U+0020 at both ends.
pub fn java_trim(value: &str) -> &str {
    value.trim_matches(|c: char| c <= ' ')
}

/// Whether Keycloak's blank check (`User name is missing`) refuses the value.
pub fn is_blank(value: &str) -> bool {
    java_trim(value).is_empty()
}

/// Characters `UsernameProhibitedCharactersValidator` refuses: its list, Java's `\s`,
/// `\v` (vertical white space), `\h` (horizontal white space) and `\p{Cntrl}`.
fn is_prohibited(c: char) -> bool {
    "<>&\"'$%!#?§,;:*~/\\|^=[]{}()`".contains(c)
        || c.is_ascii_control()
        || matches!(
            c,
            ' ' | '\u{85}' | '\u{a0}' | '\u{1680}' | '\u{180e}' | '\u{2000}'
                ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        )
}

/// `Validation.isUsernameValid`: `^[\p{IsLatin}|\p{IsCommon}]+$`, Java's scripts. A
/// constant pattern (the tests compile it); were it ever refused, every name would be.
static LATIN_OR_COMMON: LazyLock<Result<Regex, regex::Error>> =
    LazyLock::new(|| Regex::new(r"^[\p{sc=Latin}\p{sc=Common}]+$"));

/// Runs the three validators on the username as given (before Keycloak lower-cases it).
pub fn check(username: &str) -> UsernameProblems {
    let trimmed_length = java_trim(username).encode_utf16().count();
    UsernameProblems {
        length: !(MIN_LENGTH..=MAX_LENGTH).contains(&trimmed_length),
        characters: username.chars().any(is_prohibited)
            || !matches!(LATIN_OR_COMMON.as_ref(), Ok(pattern) if pattern.is_match(username)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases measured on Keycloak 26.7.3 (`POST …/users`, `facts-13.md` §2.2).
    #[test]
    fn keycloak_26_7_3_answers() {
        let refused_characters = [
            "ab\u{0}c",
            "ab<c",
            "ab>c",
            "ab/c",
            "ab\\c",
            "ab\"c",
            "ab'c",
            "ab&c",
            "a b",
            " abc",
            "abc ",
            "ab\tc",
            "ab\nc",
            "ab\rc",
            "ab\u{7f}c",
            "ab\u{85}c",
            "ab\u{a0}c",
            "ab\u{2028}c",
            "ab\u{3000}c",
            "ab$c",
            "ab%c",
            "ab!c",
            "ab#c",
            "ab?c",
            "ab§c",
            "ab,c",
            "ab;c",
            "ab:c",
            "ab*c",
            "ab~c",
            "ab|c",
            "ab^c",
            "ab=c",
            "ab[c",
            "ab]c",
            "ab{c",
            "ab}c",
            "ab(c",
            "ab)c",
            "ab`c",
            "\u{430}bc",
            "αβγ",
            "漢字名",
            "عربي",
            "ab\u{200d}c",
            "abe\u{301}",
        ];
        for name in refused_characters {
            assert_eq!(
                check(name),
                UsernameProblems { length: false, characters: true },
                "{name:?}"
            );
        }
        let accepted = [
            "ab@c",
            "ab.c",
            "ab-c",
            "ab_c",
            "ab+c",
            "123",
            "ABCdef",
            "abé",
            "straße",
            "ａｂｃ",
            "ab😀",
            "ab\u{200b}c",
            "ab\u{feff}c",
            "abc",
        ];
        for name in accepted {
            assert!(check(name).is_empty(), "{name:?}");
        }
        assert_eq!(check("ab"), UsernameProblems { length: true, characters: false });
        assert!(check(&"a".repeat(255)).is_empty());
        assert!(check(&"a".repeat(256)).length);
        assert!(check(&format!("{}😀", "a".repeat(254))).length, "256 UTF-16 units");
        assert!(check(&format!("{}😀", "a".repeat(253))).is_empty());
        assert_eq!(check(" ab "), UsernameProblems { length: true, characters: true });
        assert!(is_blank("   ") && is_blank("") && !is_blank("\u{3000}"));
    }
}
