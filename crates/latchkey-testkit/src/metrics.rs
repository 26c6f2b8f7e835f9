//! A strict reader of the OpenMetrics text format (`application/openmetrics-text;
//! version=1.0.0`, what `/metrics` answers), for tests: it refuses what Prometheus would
//! refuse (a sample outside its declared family, a bad name or label, a value that is
//! not a number, histogram buckets that are not cumulative or do not end at `+Inf`, a
//! missing `# EOF`), and returns the samples for tests to read values from.

use std::collections::{BTreeMap, HashSet};

/// One sample line: `name{labels} value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// The samples of an exposition, in order.
#[derive(Clone, Debug, Default)]
pub struct Exposition {
    pub samples: Vec<Sample>,
    /// Family name to its `# TYPE`.
    pub types: BTreeMap<String, String>,
}

impl Exposition {
    /// The value of the sample named `name` whose labels include `labels`; `None` if
    /// there is none, and a panic if more than one match.
    #[track_caller]
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|sample| {
                sample.name == name
                    && labels.iter().all(|(key, value)| {
                        sample.labels.get(*key).is_some_and(|found| found == value)
                    })
            })
            .collect();
        assert!(matching.len() <= 1, "{name}{labels:?} matches {} samples", matching.len());
        matching.first().map(|sample| sample.value)
    }
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => text.parse::<f64>().map_err(|_| format!("`{text}` is not a number")),
    }
}

/// Parses `{k="v",...}` at the start of `text`; the labels and the rest.
fn parse_labels(text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let Some(mut rest) = text.strip_prefix('{') else { return Ok((labels, text)) };
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (key, after) = rest.split_once("=\"").ok_or("a label without =\"")?;
        if !is_name(key) {
            return Err(format!("bad label name `{key}`"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().ok_or("an unterminated label value")? {
                (_, '\\') => match chars.next().ok_or("a dangling escape")?.1 {
                    'n' => value.push('\n'),
                    c @ ('\\' | '"') => value.push(c),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (at, '"') => break at,
                (_, c) => value.push(c),
            }
        };
        if labels.insert(key.to_owned(), value).is_some() {
            return Err(format!("label `{key}` twice"));
        }
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// The family a sample belongs to, given the family being read and its type.
fn belongs(sample: &str, family: &str, kind: &str) -> bool {
    let suffixes: &[&str] = match kind {
        "counter" => &["_total", "_created"],
        "histogram" | "gaugehistogram" => &["_bucket", "_count", "_sum", "_created"],
        "summary" => &["_count", "_sum", "_created", ""],
        "info" => &["_info"],
        _ => &[""],
    };
    suffixes.iter().any(|suffix| sample.strip_suffix(suffix) == Some(family))
}

/// Parses and checks an exposition.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let body = text.strip_suffix("# EOF\n").ok_or("the exposition does not end with # EOF")?;
    let mut exposition = Exposition::default();
    let mut family: Option<(String, String)> = None;
    let mut seen = HashSet::new();
    for (number, line) in body.lines().enumerate() {
        let context = |error: String| format!("line {}: {error}: {line}", number + 1);
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (keyword, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let rest = parts.next().unwrap_or("");
            if !is_name(name) {
                return Err(context(format!("bad metric name `{name}`")));
            }
            match keyword {
                "TYPE" => {
                    let kinds = [
                        "counter",
                        "gauge",
                        "histogram",
                        "gaugehistogram",
                        "summary",
                        "info",
                        "stateset",
                        "unknown",
                    ];
                    if !kinds.contains(&rest) {
                        return Err(context(format!("unknown type `{rest}`")));
                    }
                    if !seen.insert(name.to_owned()) {
                        return Err(context(format!("family `{name}` declared twice")));
                    }
                    exposition.types.insert(name.to_owned(), rest.to_owned());
                    family = Some((name.to_owned(), rest.to_owned()));
                }
                "HELP" | "UNIT" => {
                    if family.as_ref().is_some_and(|(current, _)| current != name)
                        && seen.contains(name)
                    {
                        return Err(context("metadata of a family already closed".into()));
                    }
                }
                _ => return Err(context(format!("unknown metadata `{keyword}`"))),
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).ok_or_else(|| context("no value".into()))?;
        let name = &line[..name_end];
        if !is_name(name) {
            return Err(context(format!("bad metric name `{name}`")));
        }
        let (labels, rest) = parse_labels(&line[name_end..]).map_err(context)?;
        let value =
            rest.strip_prefix(' ').ok_or_else(|| context("no space before the value".into()))?;
        let value = value.split(' ').next().unwrap_or(value);
        let value = parse_value(value).map_err(context)?;
        match &family {
            Some((family, kind)) if belongs(name, family, kind) => {}
            _ => return Err(context("a sample outside its family".into())),
        }
        exposition.samples.push(Sample { name: name.to_owned(), labels, value });
    }
    check_histograms(&exposition)?;
    Ok(exposition)
}

/// Buckets cumulative, ending at `+Inf` with the series' `_count`.
fn check_histograms(exposition: &Exposition) -> Result<(), String> {
    for (family, kind) in &exposition.types {
        if kind != "histogram" {
            continue;
        }
        let bucket_name = format!("{family}_bucket");
        let mut series: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
        for sample in exposition.samples.iter().filter(|s| s.name == bucket_name) {
            let mut labels = sample.labels.clone();
            let le = labels.remove("le").ok_or(format!("{bucket_name} without le"))?;
            series.entry(labels).or_default().push((parse_value(&le)?, sample.value));
        }
        for (labels, buckets) in series {
            if buckets.windows(2).any(|pair| pair[0].0 >= pair[1].0 || pair[0].1 > pair[1].1) {
                return Err(format!("{family}{labels:?}: buckets not cumulative"));
            }
            let Some(&(last_bound, last_count)) = buckets.last() else { continue };
            let count = exposition
                .samples
                .iter()
                .find(|s| s.name == format!("{family}_count") && s.labels == labels);
            if last_bound != f64::INFINITY || count.map(|s| s.value) != Some(last_count) {
                return Err(format!("{family}{labels:?}: +Inf bucket and _count differ"));
            }
        }
    }
    Ok(())
}
