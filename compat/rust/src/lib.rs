//! Compatibility checks live in `tests/`.
