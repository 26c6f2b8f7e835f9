//! A JSON body read as Keycloak 26.7.3 reads it into a representation: Jackson, field by
//! field in document order, each value into the Java type of its field
//! (`java_types.rs`, derived from Keycloak's classes by `scripts/keycloak-types.py`),
//! nested representations included. The first fault decides the answer, as in Jackson:
//!
//! - broken JSON (`JsonParseException`): 400 `invalid_request`;
//! - a number beyond its Java type (`InputCoercionException`): 400 `HTTP 400 Bad Request`;
//! - a value Jackson cannot coerce (`MismatchedInputException`): 400 `unknown_error`;
//! - a field the representation does not have (`UnrecognizedPropertyException`): 400
//!   naming it and where the parser stood.
//!
//! (`services/.../error/KeycloakErrorHandler.java` writes the bodies; every rule below was
//! measured on the real server, `facts-13.md` and `facts-types/`.) Jackson's coercions,
//! which this check accepts: a number or boolean where a `String` belongs; `"true"`,
//! `" TRUE "`, `"null"`, `""` or any integer where a `Boolean` belongs; a decimal number
//! within range (truncated), a numeric string or `""` where an `Integer` belongs; an
//! enum's name or its index. (One departure: a whole number written `1.0` counts as an
//! integer for a `Boolean` or an enum, as JSON Schema counts it.) This is a check only: what latchkey models is then read by
//! serde under its own, stricter schema (`shape.rs`), and the OpenAPI document says both.

use serde_json::{Value, json};

/// The Java type of a field, as Jackson reads JSON into it.
#[derive(Debug)]
pub(crate) enum Java {
    /// `Object`, `JsonNode`, a custom deserializer: any JSON.
    Any,
    Str,
    Bool,
    /// `Integer` / `int`.
    Int,
    /// `Long` / `long`.
    Long,
    /// An enum with these constant names, in declaration order.
    Enum(&'static [&'static str]),
    /// `List`, `Set` or an array of the type.
    List(&'static Java),
    /// `Map<String, _>` of the type.
    Map(&'static Java),
    Object(&'static Representation),
}

/// A representation class: its name in Keycloak's errors and its fields, sorted.
#[derive(Debug)]
pub(crate) struct Representation {
    pub(crate) name: &'static str,
    /// Unknown fields are refused (`FAIL_ON_UNKNOWN_PROPERTIES`, unless the class says
    /// `@JsonIgnoreProperties(ignoreUnknown = true)`).
    pub(crate) closed: bool,
    pub(crate) fields: &'static [(&'static str, Java)],
}

impl Representation {
    pub(crate) fn field(&self, name: &str) -> Option<&'static Java> {
        let fields: &'static [(&'static str, Java)] = self.fields;
        fields.binary_search_by(|(field, _)| (*field).cmp(name)).ok().map(|i| &fields[i].1)
    }
}

/// Why Jackson would refuse a body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not JSON (or nested deeper than latchkey reads).
    Malformed,
    /// A number beyond the range of its Java type.
    Range,
    /// A value of a JSON type Jackson does not coerce into the field's.
    Mismatch,
    /// A field the representation does not have: the 1-based line and column where
    /// Jackson's parser stood, once it had read the first token of the field's value.
    Unknown { representation: &'static str, field: String, line: usize, column: usize },
}

/// Deeper than any representation; Jackson's own limit is 1,000.
const MAX_DEPTH: usize = 128;

/// Checks `body` as Jackson reads it into `root`. Only the first JSON value is read, as
/// Jackson reads it (what follows it is the typed parse's business).
pub(crate) fn check(body: &[u8], root: &'static Representation) -> Result<(), Fault> {
    check_as(body, &Java::Object(root))
}

/// As `check`, for a body of any Java type (a `List<…Representation>`).
pub(crate) fn check_as(body: &[u8], root: &Java) -> Result<(), Fault> {
    let mut reader = Reader { bytes: body, at: 0, depth: 0 };
    reader.value(root)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

/// A scalar token, as read.
enum Token<'a> {
    Str(String),
    /// A number's text; whether it has a fraction or exponent.
    Number(&'a str, bool),
    Bool,
    Null,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Fault> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(Fault::Malformed)
        }
    }

    fn value(&mut self, java: &Java) -> Result<(), Fault> {
        self.skip_whitespace();
        match self.peek().ok_or(Fault::Malformed)? {
            b'{' => self.object(java),
            b'[' => self.array(java),
            _ => {
                let token = self.scalar()?;
                coerce(java, &token)
            }
        }
    }

    fn nest(&mut self) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { Err(Fault::Malformed) } else { Ok(()) }
    }

    fn object(&mut self, java: &Java) -> Result<(), Fault> {
        let representation = match java {
            Java::Object(representation) => Some(*representation),
            Java::Map(_) | Java::Any => None,
            _ => return Err(Fault::Mismatch),
        };
        self.nest()?;
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(Fault::Malformed);
            }
            let name = self.string()?;
            self.expect(b':')?;
            self.skip_whitespace();
            let field_type = match (java, representation) {
                (Java::Map(values), _) => values,
                (_, Some(representation)) => match representation.field(&name) {
                    Some(field_type) => field_type,
                    None if representation.closed => {
                        return Err(self.unknown(representation.name, name));
                    }
                    None => &Java::Any,
                },
                _ => &Java::Any,
            };
            self.value(field_type)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Fault::Malformed),
            }
        }
    }

    /// The fault for an unknown field whose value starts here.
    fn unknown(&mut self, representation: &'static str, field: String) -> Fault {
        let start = self.at;
        let stood = match self.peek() {
            Some(b'"' | b'{' | b'[') => start + 1,
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.at += 1;
                }
                self.at
            }
        };
        let before = &self.bytes[..stood.min(self.bytes.len())];
        let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        Fault::Unknown { representation, field, line, column: before.len() - line_start + 1 }
    }

    fn array(&mut self, java: &Java) -> Result<(), Fault> {
        let items = match java {
            Java::List(items) => items,
            Java::Any => &Java::Any,
            _ => return Err(Fault::Mismatch),
        };
        self.nest()?;
        self.at += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            self.value(items)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(Fault::Malformed),
            }
        }
    }

    fn scalar(&mut self) -> Result<Token<'a>, Fault> {
        match self.peek().ok_or(Fault::Malformed)? {
            b'"' => self.string().map(Token::Str),
            b't' => self.literal(b"true").map(|()| Token::Bool),
            b'f' => self.literal(b"false").map(|()| Token::Bool),
            b'n' => self.literal(b"null").map(|()| Token::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Fault::Malformed),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Fault> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(Fault::Malformed)
        }
    }

    /// A JSON string, decoded; the cursor moves past its closing quote.
    fn string(&mut self) -> Result<String, Fault> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek().ok_or(Fault::Malformed)? {
                b'"' => {
                    self.at += 1;
                    break;
                }
                b'\\' => self.at += 2,
                byte if byte < 0x20 => return Err(Fault::Malformed),
                _ => self.at += 1,
            }
        }
        let text = self.bytes.get(start..self.at).ok_or(Fault::Malformed)?;
        serde_json::from_slice(text).map_err(|_| Fault::Malformed)
    }

    /// RFC 8259's number grammar (no leading zeros, no `NaN`, no `+`).
    fn number(&mut self) -> Result<Token<'a>, Fault> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Fault::Malformed),
        }
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(Fault::Malformed);
        }
        let mut decimal = false;
        if self.peek() == Some(b'.') {
            decimal = true;
            self.at += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Fault::Malformed);
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            decimal = true;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Fault::Malformed);
            }
            self.digits();
        }
        let text =
            std::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| Fault::Malformed)?;
        Ok(Token::Number(text, decimal))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }
}

/// Whether Jackson reads `token` into `java`.
fn coerce(java: &Java, token: &Token<'_>) -> Result<(), Fault> {
    match (java, token) {
        (_, Token::Null) | (Java::Any, _) => Ok(()),
        (Java::Str, _) => Ok(()),
        (Java::Bool, Token::Bool) => Ok(()),
        (Java::Bool, Token::Number(text, _)) => {
            if whole(text) {
                Ok(())
            } else {
                Err(Fault::Mismatch)
            }
        }
        (Java::Bool, Token::Str(text)) => {
            let text = java_trim(text);
            let known = ["", "null", "true", "True", "TRUE", "false", "False", "FALSE"];
            if known.contains(&text) { Ok(()) } else { Err(Fault::Mismatch) }
        }
        (Java::Int, token) => integer(token, i64::from(i32::MIN), i64::from(i32::MAX)),
        (Java::Long, token) => integer(token, i64::MIN, i64::MAX),
        (Java::Enum(names), Token::Str(text)) => {
            if names.contains(&text.as_str()) {
                Ok(())
            } else {
                Err(Fault::Mismatch)
            }
        }
        (Java::Enum(names), Token::Number(text, _)) => match text.parse::<f64>() {
            Ok(index) if whole(text) && index >= 0.0 && index < names.len() as f64 => Ok(()),
            _ => Err(Fault::Mismatch),
        },
        _ => Err(Fault::Mismatch),
    }
}

/// An `Integer` or `Long` from a scalar: an integer within range; a decimal number within
/// range, truncated (Jackson compares it with the bounds as a `double`); a string that
/// Java's `parseInt`/`parseLong` reads once trimmed, or blank or `"null"`.
fn integer(token: &Token<'_>, min: i64, max: i64) -> Result<(), Fault> {
    match token {
        Token::Number(text, false) => match text.parse::<i64>() {
            Ok(value) if (min..=max).contains(&value) => Ok(()),
            _ => Err(Fault::Range),
        },
        Token::Number(text, true) => match text.parse::<f64>() {
            // `i64::MAX as f64` rounds up to 2^63, which Jackson also refuses.
            Ok(value)
                if value >= min as f64
                    && value <= max as f64
                    && value < 9.223_372_036_854_776e18 =>
            {
                Ok(())
            }
            _ => Err(Fault::Range),
        },
        Token::Str(text) => {
            let text = java_trim(text);
            if text.is_empty() || text == "null" {
                return Ok(());
            }
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Fault::Mismatch);
            }
            match text.parse::<i64>() {
                Ok(value) if (min..=max).contains(&value) => Ok(()),
                _ => Err(Fault::Mismatch),
            }
        }
        Token::Bool | Token::Null => Err(Fault::Mismatch),
    }
}

/// Whether a number is whole. Jackson refuses `1.0` where it refuses `1.5` (a `Boolean`,
/// an enum's index); latchkey takes it, because JSON Schema cannot tell `1.0` from `1`
/// and the OpenAPI document calls both an integer.
fn whole(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(|value| value.is_finite() && value.fract() == 0.0)
}

/// Java's `String.trim`: every character up to U+0020 off both ends.
fn java_trim(text: &str) -> &str {
    text.trim_matches(|c: char| c <= ' ')
}

/// The JSON Schema of what `java` accepts, as `check` decides it; nested
/// representations are `$ref`s to `#/components/schemas/Jackson.<name>` (`definitions`).
pub(crate) fn schema(java: &Java) -> Value {
    match java {
        Java::Any => json!(true),
        Java::Str => json!({"type": ["string", "number", "boolean", "null"]}),
        Java::Bool => json!({"anyOf": [
            {"type": ["boolean", "integer", "null"]},
            {"type": "string", "pattern": "^[\\x00-\\x20]*(|null|true|True|TRUE|false|False|FALSE)[\\x00-\\x20]*$"}
        ]}),
        Java::Int => integer_schema(i64::from(i32::MIN), i64::from(i32::MAX)),
        Java::Long => integer_schema(i64::MIN, i64::MAX),
        Java::Enum(names) => json!({"anyOf": [
            {"enum": names},
            {"type": "integer", "minimum": 0, "maximum": names.len().saturating_sub(1)},
            {"type": "null"}
        ]}),
        Java::List(items) => json!({"type": ["array", "null"], "items": schema(items)}),
        Java::Map(values) => {
            json!({"type": ["object", "null"], "additionalProperties": schema(values)})
        }
        Java::Object(representation) => {
            json!({"anyOf": [{"$ref": format!("#/components/schemas/Jackson.{}", representation.name)}, {"type": "null"}]})
        }
    }
}

/// An integer type: numbers within range, or a string of digits (up to nine, which
/// always fit; the server also takes longer ones within range), blank or `"null"`.
fn integer_schema(min: i64, max: i64) -> Value {
    json!({"anyOf": [
        {"type": "number", "minimum": min, "maximum": max},
        {"type": "null"},
        {"type": "string", "pattern": "^[\\x00-\\x20]*(|null|[+-]?0*[0-9]{1,9})[\\x00-\\x20]*$"}
    ]})
}

/// The schema of a representation's object, and every representation it reaches, by
/// name (for `#/components/schemas/Jackson.<name>`).
pub(crate) fn definitions(root: &'static Representation) -> Vec<(String, Value)> {
    let mut seen: Vec<&'static str> = Vec::new();
    let mut out = Vec::new();
    let mut pending = vec![root];
    while let Some(representation) = pending.pop() {
        if seen.contains(&representation.name) {
            continue;
        }
        seen.push(representation.name);
        let mut properties = serde_json::Map::new();
        for (name, java) in representation.fields {
            properties.insert((*name).to_owned(), schema(java));
            reached(java, &mut pending);
        }
        out.push((
            format!("Jackson.{}", representation.name),
            json!({
                "type": "object",
                "properties": properties,
                "additionalProperties": !representation.closed
            }),
        ));
    }
    out
}

fn reached(java: &'static Java, pending: &mut Vec<&'static Representation>) {
    match java {
        Java::Object(representation) => pending.push(representation),
        Java::List(inner) | Java::Map(inner) => reached(inner, pending),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
