//! Form fields: what a form shows (the stored value, or what the person typed when the
//! form comes back with errors), how it is read back, and the inline error under a field.
//! Durations are shown and typed in the largest whole unit (seconds, minutes, hours,
//! days) and stored in seconds.

use std::collections::HashMap;

use latchkey_core::representation::limits::{Limit, TEN_YEARS};
use maud::{Markup, html};

use crate::extract::Form;

const UNITS: [(&str, &str, i64); 4] = [
    ("seconds", "Seconds", 1),
    ("minutes", "Minutes", 60),
    ("hours", "Hours", 3600),
    ("days", "Days", 86_400),
];

/// A form's values and errors by field name.
#[derive(Default)]
pub(crate) struct Fields {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
}

impl Fields {
    /// The values a submitted form carried, to show it again.
    pub(crate) fn from_form(form: &Form) -> Self {
        let mut fields = Fields::default();
        for (name, value) in form.pairs() {
            fields.values.entry(name.to_owned()).or_insert_with(|| value.to_owned());
        }
        fields
    }

    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), value.into());
    }

    pub(crate) fn set_check(&mut self, name: &str, is_on: bool) {
        if is_on {
            self.set(name, "on");
        } else {
            self.values.remove(name);
        }
    }

    /// Shows `seconds` in the largest unit that divides it.
    pub(crate) fn set_duration(&mut self, name: &str, seconds: i64) {
        let (unit, factor) = UNITS
            .iter()
            .rev()
            .find(|(_, _, factor)| seconds != 0 && seconds % factor == 0)
            .map_or(("minutes", 60), |(unit, _, factor)| (*unit, *factor));
        self.set(name, (seconds / factor).to_string());
        self.set(&format!("{name}_unit"), unit);
    }

    pub(crate) fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or_default()
    }

    pub(crate) fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub(crate) fn add_error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.entry(name.to_owned()).or_insert_with(|| message.into());
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    pub(crate) fn is_checked(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A trimmed text value; `None` when empty.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        Some(self.value(name).trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A required whole number in `min..=max`, else an inline error.
    pub(crate) fn number(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let raw = self.value(name).trim().to_owned();
        let result = if raw.is_empty() {
            Err("Enter a value.".to_owned())
        } else {
            match raw.parse::<i64>() {
                Err(_) => Err("Enter a whole number, such as 5.".to_owned()),
                Ok(n) if n < min => Err(format!("Must be at least {min}.")),
                Ok(n) if n > max => Err(format!("Must be at most {max}.")),
                Ok(n) => Ok(n),
            }
        };
        self.settle(name, result)
    }

    /// A required duration, in seconds, in the setting's range (`limits.rs`; the form
    /// offers no `-1`), else an inline error.
    pub(crate) fn duration(&mut self, name: &str, limit: &Limit) -> Option<i64> {
        let (min_seconds, max_seconds) = (limit.min, limit.max);
        let too_long = if max_seconds == TEN_YEARS {
            format!("Too long: at most 10 years ({TEN_YEARS} seconds).")
        } else {
            format!("Too long: at most {max_seconds} seconds.")
        };
        let raw = self.value(name).trim().to_owned();
        let unit = self.value(&format!("{name}_unit")).to_owned();
        let factor = UNITS.iter().find(|(key, _, _)| *key == unit).map(|(_, _, f)| *f);
        let result = match (raw.parse::<i64>(), factor) {
            _ if raw.is_empty() => Err("Enter a value.".to_owned()),
            (Err(_), _) => Err("Enter a whole number, such as 5.".to_owned()),
            (_, None) => Err("Choose a unit.".to_owned()),
            (Ok(n), _) if n < 0 => Err("Must not be negative.".to_owned()),
            (Ok(n), Some(factor)) => match n.checked_mul(factor) {
                Some(seconds) if seconds > max_seconds => Err(too_long),
                None => Err(too_long),
                Some(seconds) if seconds < min_seconds && min_seconds == 1 => {
                    Err("Must be greater than 0.".to_owned())
                }
                Some(seconds) if seconds < min_seconds => {
                    Err(format!("Must be at least {min_seconds} seconds."))
                }
                Some(seconds) => Ok(seconds),
            },
        };
        self.settle(name, result)
    }

    fn settle(&mut self, name: &str, result: Result<i64, String>) -> Option<i64> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add_error(name, message);
                None
            }
        }
    }
}

/// Label, control, help and error of one field.
fn row(fields: &Fields, name: &str, label: &str, help: &str, control: Markup) -> Markup {
    let error = fields.error(name);
    html! {
        div.field.invalid[error.is_some()] {
            label for=(name) { (label) }
            div.control {
                (control)
                @if let Some(error) = error { p.error id={ (name) "-error" } { (error) } }
                @if !help.is_empty() { p.help { (help) } }
            }
        }
    }
}

pub(crate) fn text_field(fields: &Fields, name: &str, label: &str, help: &str) -> Markup {
    let control = html! {
        input type="text" id=(name) name=(name) value=(fields.value(name))
            aria-invalid=[fields.error(name).map(|_| "true")];
    };
    row(fields, name, label, help, control)
}

pub(crate) fn password_field(fields: &Fields, name: &str, label: &str, help: &str) -> Markup {
    let control = html! {
        input type="password" id=(name) name=(name) autocomplete="new-password"
            aria-invalid=[fields.error(name).map(|_| "true")];
    };
    row(fields, name, label, help, control)
}

pub(crate) fn number_field(fields: &Fields, name: &str, label: &str, help: &str) -> Markup {
    // `type=text` with a numeric keyboard: the browser never blocks the form, so the
    // server's own validation answers with an inline error.
    let control = html! {
        input type="text" inputmode="numeric" id=(name) name=(name) value=(fields.value(name))
            aria-invalid=[fields.error(name).map(|_| "true")];
    };
    row(fields, name, label, help, control)
}

pub(crate) fn duration_field(fields: &Fields, name: &str, label: &str, help: &str) -> Markup {
    let unit_name = format!("{name}_unit");
    let current = fields.value(&unit_name);
    let control = html! {
        div.duration {
            input type="text" inputmode="numeric" id=(name) name=(name) value=(fields.value(name))
                aria-invalid=[fields.error(name).map(|_| "true")];
            select name=(unit_name) aria-label={ (label) " unit" } {
                @for (key, text, _) in UNITS {
                    option value=(key) selected[key == current] { (text) }
                }
            }
        }
    };
    row(fields, name, label, help, control)
}

pub(crate) fn check_field(
    fields: &Fields,
    name: &str,
    label: &str,
    text: &str,
    help: &str,
) -> Markup {
    let control = html! {
        label.check {
            input type="checkbox" id=(name) name=(name) checked[fields.is_checked(name)];
            span { (text) }
        }
    };
    row(fields, name, label, help, control)
}

pub(crate) fn select_field(
    fields: &Fields,
    name: &str,
    label: &str,
    help: &str,
    options: &[(&str, &str)],
) -> Markup {
    let current = fields.value(name);
    let control = html! {
        select id=(name) name=(name) {
            @for (value, text) in options {
                option value=(value) selected[*value == current] { (text) }
            }
        }
    };
    row(fields, name, label, help, control)
}
