//! A JSON body checked against the JSON Schema of the type it becomes (the schema the
//! OpenAPI document publishes for it, from the same `JsonSchema` derive), for JSON
//! types only: an object where an object belongs, a list where a list belongs, and so
//! on down every property and item. Serde alone would take `[]` for a whole
//! `ClientRepresentation` (a struct reads from a sequence) and `"credentials": [5]`
//! would fail deep inside; Keycloak answers both 400 `unknown_error` ("Cannot parse the
//! JSON"), and so does latchkey now, before anything is read. Ranges, patterns and
//! required fields are the admin layer's (`limits.rs`, `username.rs`, `manage/`), which
//! answer in Keycloak's words.
//!
//! Numbers with a zero fraction (`300.0`, `1e3`) are integers to JSON Schema, and
//! Keycloak's Jackson takes them for an `int`: they are read as integers.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Number, Value};

/// Where `value` breaks `T`'s schema, as a JSON pointer; `None` when it does not.
pub(crate) fn mismatch<T: JsonSchema>(value: &Value) -> Option<String> {
    let root = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>();
    let root = root.to_value();
    let definitions = root.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut path = String::new();
    (!conforms(value, &root, &definitions, &mut path, 0)).then_some(path)
}

/// Deep enough for every representation; deeper nesting is refused.
const MAX_DEPTH: usize = 32;

fn conforms(
    value: &Value,
    schema: &Value,
    definitions: &Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let schema = match schema {
        Value::Bool(accepts) => return *accepts,
        Value::Object(schema) => schema,
        _ => return true,
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let Some(target) = definitions.get(name) else { return true };
        if !conforms(value, target, definitions, path, depth + 1) {
            return false;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let mut scratch = path.clone();
            if !branches
                .iter()
                .any(|branch| conforms(value, branch, definitions, &mut scratch, depth + 1))
            {
                return false;
            }
        }
    }
    if let Some(types) = schema.get("type")
        && !has_type(value, types)
    {
        return false;
    }
    match value {
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (name, field) in fields {
                let field_schema = properties.and_then(|p| p.get(name)).or(additional);
                if let Some(field_schema) = field_schema {
                    let length = path.len();
                    path.push('/');
                    path.push_str(name);
                    if !conforms(field, field_schema, definitions, path, depth + 1) {
                        return false;
                    }
                    path.truncate(length);
                }
            }
            true
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else { return true };
            items.iter().enumerate().all(|(index, item)| {
                let length = path.len();
                path.push_str(&format!("/{index}"));
                let ok = conforms(item, item_schema, definitions, path, depth + 1);
                if ok {
                    path.truncate(length);
                }
                ok
            })
        }
        _ => true,
    }
}

fn has_type(value: &Value, types: &Value) -> bool {
    let matches = |name: &str| match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.as_number().is_some_and(is_integral),
        _ => true,
    };
    match types {
        Value::String(name) => matches(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(matches),
        _ => true,
    }
}

fn is_integral(number: &Number) -> bool {
    number.is_i64() || number.is_u64() || number.as_f64().is_some_and(|f| f.fract() == 0.0)
}

const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;

/// The value with every number that has a zero fraction and fits 64 bits as an integer.
pub(crate) fn integral_numbers(value: Value) -> Value {
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            match number.as_f64() {
                // In [-2^63, 2^63) every f64 with a zero fraction is an exact i64.
                Some(f) if f.fract() == 0.0 && (-TWO_TO_63..TWO_TO_63).contains(&f) => {
                    Value::from(f as i64)
                }
                _ => Value::Number(number),
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(integral_numbers).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, integral_numbers(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use latchkey_core::representation::{
        ClientRepresentation, RealmRepresentation, RoleRepresentation, UserRepresentation,
    };
    use serde_json::json;

    use super::*;

    #[test]
    fn json_types_follow_the_published_schema() {
        assert_eq!(mismatch::<ClientRepresentation>(&json!([])).as_deref(), Some(""));
        assert_eq!(mismatch::<ClientRepresentation>(&json!({"clientId": "a"})), None);
        let credentials = json!({"username": "abc", "credentials": [5]});
        assert_eq!(mismatch::<UserRepresentation>(&credentials).as_deref(), Some("/credentials/0"));
        let credentials = json!({"username": "abc", "credentials": [{"type": "password"}]});
        assert_eq!(mismatch::<UserRepresentation>(&credentials), None);
        let role = json!({"defaultRole": ["x"]});
        assert_eq!(mismatch::<RealmRepresentation>(&role).as_deref(), Some("/defaultRole"));
        let nulls = json!({"accessTokenLifespan": null, "defaultRole": null, "unknown": [1]});
        assert_eq!(mismatch::<RealmRepresentation>(&nulls), None);
        assert_eq!(
            mismatch::<RealmRepresentation>(&json!({"enabled": 1})).as_deref(),
            Some("/enabled")
        );
        assert!(mismatch::<RealmRepresentation>(&json!({"accessTokenLifespan": 1.5})).is_some());
        assert_eq!(mismatch::<RealmRepresentation>(&json!({"accessTokenLifespan": 300.0})), None);
        assert_eq!(mismatch::<Vec<RoleRepresentation>>(&json!({})).as_deref(), Some(""));
        assert_eq!(mismatch::<Vec<RoleRepresentation>>(&json!([{"name": "a"}])), None);
    }

    #[test]
    fn integral_floats_become_integers() {
        let value = integral_numbers(json!({"a": 300.0, "b": [1e3, 2.5], "c": -0.0}));
        assert_eq!(value, json!({"a": 300, "b": [1000, 2.5], "c": 0}));
        assert!(value["a"].is_i64());
    }
}
