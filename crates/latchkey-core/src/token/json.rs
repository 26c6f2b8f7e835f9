//! JSON objects written straight into bytes, members in the order they are added: claim
//! sets and the token response, in Keycloak's order, without building a `Value` tree
//! first (every grant writes two or three of them).

use serde::Serialize;
use serde_json::{Map, Value};

/// An object being written. Members keep the order they are added in.
pub(crate) struct JsonObject {
    bytes: Vec<u8>,
    /// The names written so far, to tell when a later claim must replace one in place.
    names: Vec<&'static str>,
    failed: bool,
}

impl JsonObject {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut bytes = Vec::with_capacity(capacity);
        bytes.push(b'{');
        JsonObject { bytes, names: Vec::with_capacity(24), failed: false }
    }

    fn name(&mut self, name: &str) {
        if self.bytes.len() > 1 {
            self.bytes.push(b',');
        }
        self.write(name);
        self.bytes.push(b':');
    }

    fn write<T: Serialize + ?Sized>(&mut self, value: &T) {
        // Writing to a `Vec` fails only for maps with non-string keys, which no caller has.
        self.failed |= serde_json::to_writer(&mut self.bytes, value).is_err();
    }

    /// A member of any serializable value (strings are escaped as JSON needs).
    pub(crate) fn member<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        self.name(name);
        self.write(value);
        self.names.push(name);
    }

    /// A string known to need no escaping: a JWT, Base64URL, digits, a UUID.
    pub(crate) fn plain(&mut self, name: &'static str, value: &str) {
        debug_assert!(!value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20));
        self.name(name);
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.push(b'"');
        self.names.push(name);
    }

    /// The object's bytes; `None` if a value could not be written.
    pub(crate) fn finish(mut self) -> Option<Vec<u8>> {
        self.bytes.push(b'}');
        (!self.failed).then_some(self.bytes)
    }

    /// Adds `extra` after the members written so far. A name already written is
    /// replaced where it stands, as a protocol mapper replaces a claim in Keycloak
    /// (and as `Map::insert` does); that rare case takes the slow way, through a map.
    pub(crate) fn finish_with(mut self, extra: Map<String, Value>) -> Option<Vec<u8>> {
        if extra.keys().any(|name| self.names.contains(&name.as_str())) {
            self.bytes.push(b'}');
            let mut merged: Map<String, Value> = serde_json::from_slice(&self.bytes).ok()?;
            for (name, value) in extra {
                merged.insert(name, value);
            }
            return serde_json::to_vec(&merged).ok();
        }
        for (name, value) in &extra {
            self.name(name);
            self.write(value);
        }
        self.finish()
    }
}
