//! Loading `changegate.yaml`: YAML with positions, validation against the committed JSON Schema,
//! typed deserialization, then compilation (ticket regex, cron schedules, time zones, durations,
//! exceptions), every error naming the file, the line and the key.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use croner::parser::{CronParser, Seconds, Year};
use regex::Regex;
use serde_json::Value;

use super::text;
use super::trust::TrustRoot;
use super::validate::{dotted, schema_errors, typed};
use super::yaml::{self, PosIndex};
use crate::error::{Error, InputError, Pos};
use crate::model::Location;
use crate::model::record::Interval;
use crate::model::trust::Material;
use crate::policy::Policy;
use crate::policy::exception::Exception;
use crate::policy::file::{PolicyFile, RuleSpec};
use crate::policy::windows::{Length, Schedule, Window, Windows};
use crate::rules;

/// The pseudo-path of the embedded default policy.
pub const BUILTIN: &str = "builtin:default";

/// The file names looked for at the repository root.
pub const FILE_NAMES: &[&str] = &["changegate.yaml", ".changegate.yaml"];

/// The committed policy schema; the policy is validated against exactly this.
pub const SCHEMA_JSON: &str = include_str!("../../policies/schema.json");

fn schema_value() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| serde_json::from_str(SCHEMA_JSON).expect("policies/schema.json is JSON"))
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        // The schema is ours and checked by a test, so a failure here is a build defect.
        let schema: Value =
            serde_json::from_str(SCHEMA_JSON).expect("policies/schema.json is JSON");
        jsonschema::validator_for(&schema).expect("policies/schema.json is a valid JSON Schema")
    })
}

/// Finds the policy to use: `--policy`, else `changegate.yaml` at the root of the repository
/// that holds `start`, else `None` (the built-in default).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let is_root = d.join(".git").exists();
        for name in FILE_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        if is_root {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Where the policy comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PolicySource {
    /// `changegate.yaml` at the root of the repository that holds the starting directory, else
    /// the built-in default policy.
    #[default]
    Discover,
    File(PathBuf),
    /// The built-in default policy, even if a `changegate.yaml` is found.
    Builtin,
}

impl PolicySource {
    /// `--policy FILE`, else discovery.
    pub fn from_flag(flag: Option<&Path>) -> Self {
        flag.map_or(PolicySource::Discover, |p| {
            PolicySource::File(p.to_path_buf())
        })
    }

    /// The file to read (`None`: the built-in default), discovering from `start`.
    pub fn path(&self, start: &Path) -> Option<PathBuf> {
        match self {
            PolicySource::File(p) => Some(p.clone()),
            PolicySource::Discover => discover(start),
            PolicySource::Builtin => None,
        }
    }

    /// Loads and compiles the policy, discovering from `start`.
    pub fn load(&self, start: &Path) -> Result<Policy, Error> {
        load(self.path(start).as_deref())
    }
}

impl PolicySource {
    /// Loads and compiles the policy from the trusted ref ([`TrustRoot`]): `--policy` and
    /// discovery look there. A policy the ref lacks but the working tree has is the change's
    /// own: the trusted ref has no policy yet (adoption), so the change's is used and the root
    /// records that it adds it.
    pub fn load_trusted(&self, root: &TrustRoot, start: &Path) -> Result<Policy, Error> {
        let found = match self {
            PolicySource::Builtin => None,
            PolicySource::File(p) => {
                match root.read_bytes(p, super::limits::LimitKind::Policy, Material::Policy)? {
                    Some(found) => Some(found),
                    None if p.is_file() => {
                        root.adopt(p);
                        Some(text::read_bytes(p, super::limits::LimitKind::Policy)?)
                    }
                    None => return Err(root.absent(p)),
                }
            }
            PolicySource::Discover => match discover_trusted(root, start)? {
                Some(found) => Some(found),
                None => match discover(start) {
                    Some(p) if root.in_repo(&p).is_some() => {
                        root.adopt(&p);
                        Some(text::read_bytes(&p, super::limits::LimitKind::Policy)?)
                    }
                    _ => None,
                },
            },
        };
        match found {
            None => load(None),
            Some((name, bytes)) => {
                let text = text::decode(&name, &bytes)?;
                compile_text(&name, &bytes, &text)
            }
        }
    }
}

/// [`discover`] in the trusted ref: the first `changegate.yaml` from `start` up to the root of
/// its repository, as (name, bytes).
fn discover_trusted(root: &TrustRoot, start: &Path) -> Result<Option<(String, Vec<u8>)>, Error> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let is_root = d.join(".git").exists();
        for name in FILE_NAMES {
            let p = d.join(name);
            if root.in_repo(&p).is_some() {
                if let Some(found) =
                    root.read_bytes(&p, super::limits::LimitKind::Policy, Material::Policy)?
                {
                    return Ok(Some(found));
                }
            } else if p.is_file() {
                return text::read_bytes(&p, super::limits::LimitKind::Policy).map(Some);
            }
        }
        if is_root {
            return Ok(None);
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Loads and compiles a policy file, or the built-in default when `path` is `None`.
pub fn load(path: Option<&Path>) -> Result<Policy, Error> {
    match path {
        None => compile_text(
            BUILTIN,
            crate::policy::file::DEFAULT_POLICY.as_bytes(),
            crate::policy::file::DEFAULT_POLICY,
        ),
        Some(p) => {
            let f = text::read(p, super::limits::LimitKind::Policy)?;
            compile_text(&f.name, f.bytes(), &f.text)
        }
    }
}

/// Whether a cron schedule (without seconds or years) has any occurrence at all. The Gregorian
/// calendar repeats every 400 years (146,097 days, a whole number of weeks), so a schedule fires
/// ever iff it fires in any 400 consecutive years. croner searches forward until
/// `YEAR_UPPER_LIMIT`: starting 401 years before it searches one full cycle, about a seventh of
/// the work of searching from 1970 (a schedule that never fires cost 22 ms from 1970, 3 ms so).
fn ever_fires(c: &croner::Cron) -> bool {
    let from = Utc
        .with_ymd_and_hms(croner::YEAR_UPPER_LIMIT - 401, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    c.find_next_occurrence(&from, false).is_ok()
}

fn cron_reason(e: &croner::errors::CronError) -> String {
    let text = e.to_string();
    let text = text.trim_end_matches('.');
    match text.split_once(": ") {
        Some((part, why)) => format!("{}: {}", part.to_lowercase(), why.to_lowercase()),
        None => text.to_string(),
    }
}

fn yaml_error(file: &str, e: yaml::YamlError) -> InputError {
    InputError::new(file, Some(e.pos), format!("invalid YAML: {}", e.message))
}

/// Compiles policy text (already decoded) into a [`Policy`].
pub fn compile_text(file: &str, bytes: &[u8], text: &str) -> Result<Policy, Error> {
    let mut doc = yaml::load_one(text, yaml::Limits::default()).map_err(|e| yaml_error(file, e))?;
    if doc.value.is_null() {
        doc.value = Value::Object(Default::default());
    }
    let errs = schema_errors(
        file,
        &doc,
        validator(),
        schema_value(),
        "changegate schema policy",
    );
    if !errs.is_empty() {
        return Err(Error::of_inputs(errs));
    }
    let pf: PolicyFile = typed(file, &doc)?;
    let mut policy = compile(file, bytes, pf, &doc.index, None)?;
    policy.environments = super::environments::compile_all(file, bytes, &doc, compile)?;
    Ok(policy)
}

struct Ctx<'a> {
    file: &'a str,
    index: &'a PosIndex,
    errors: Vec<InputError>,
    /// Compiling an environment: its pointer (`/environments/2`) and what it sets, so that a
    /// key it sets is located in it and an inherited key at the top level.
    env: Option<(&'a str, &'a Value)>,
}

impl Ctx<'_> {
    /// Where `pointer` (into the policy being compiled) is in the file.
    fn at(&self, pointer: &str) -> String {
        match self.env {
            Some((base, set)) if set.pointer(pointer).is_some() => format!("{base}{pointer}"),
            _ => pointer.to_string(),
        }
    }

    fn err(&mut self, pointer: &str, message: String) {
        self.errors.push(InputError::new(
            self.file,
            self.index.value(&self.at(pointer)),
            message,
        ));
    }

    fn loc(&self, pointer: &str) -> Location {
        Location::new(self.file, self.index.value(&self.at(pointer)))
    }

    fn duration(&mut self, pointer: &str, s: &str) -> Option<TimeDelta> {
        // Longer than any sensible window or deadline, and short enough that date arithmetic
        // can never overflow.
        const MAX: std::time::Duration = std::time::Duration::from_secs(400 * 24 * 3600);
        match humantime::parse_duration(s.trim()) {
            Ok(d) if d > MAX => {
                self.err(
                    pointer,
                    format!(
                        "duration `{s}` at `{}` is longer than 400 days",
                        dotted(pointer)
                    ),
                );
                None
            }
            Ok(d) => match TimeDelta::from_std(d) {
                Ok(d) => Some(d),
                Err(_) => {
                    self.err(pointer, format!("duration `{s}` is too long"));
                    None
                }
            },
            Err(e) => {
                self.err(
                    pointer,
                    format!(
                        "invalid duration `{s}` at `{}`: {e}; expected e.g. `48h`, `90m`, `4h 30m`",
                        dotted(pointer)
                    ),
                );
                None
            }
        }
    }

    fn time(&mut self, pointer: &str, s: &str) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(e) => {
                self.err(
                    pointer,
                    format!(
                        "invalid time `{s}` at `{}`: {e}; expected RFC 3339 with an offset, e.g. `2026-11-28T01:30:00Z`",
                        dotted(pointer)
                    ),
                );
                None
            }
        }
    }
}

impl Ctx<'_> {
    /// `ticket.pattern`: a regular expression that is not empty.
    fn ticket(&mut self, pf: &PolicyFile) -> Option<Regex> {
        match Regex::new(&pf.ticket.pattern) {
            Ok(_) if pf.ticket.pattern.trim().is_empty() => {
                self.err(
                    "/ticket/pattern",
                    "`ticket.pattern` is empty, so every text would contain a ticket; expected a \
                     regular expression such as `^(CHG|INC)-[0-9]+$`"
                        .into(),
                );
                None
            }
            Ok(r) => Some(r),
            Err(e) => {
                self.err(
                    "/ticket/pattern",
                    format!("invalid regular expression at `ticket.pattern`: {e}"),
                );
                None
            }
        }
    }

    /// Roles named in approvals must exist: an approval nobody can give is a policy mistake.
    fn approval_roles(&mut self, pf: &PolicyFile) {
        let mut missing: Vec<(String, Vec<String>, String)> = Vec::new();
        for (list, name) in [
            (&pf.approvals.standard, "standard"),
            (&pf.approvals.security_impacting, "security-impacting"),
            (&pf.approvals.emergency, "emergency"),
        ] {
            for (i, role) in list.iter().enumerate() {
                if pf.roles.contains_key(role) {
                    continue;
                }
                let pointer = format!("/approvals/{name}/{i}");
                match missing.iter_mut().find(|(r, _, _)| r == role) {
                    Some((_, lists, _)) => lists.push(format!("approvals.{name}")),
                    None => {
                        missing.push((role.clone(), vec![format!("approvals.{name}")], pointer))
                    }
                }
            }
        }
        for (role, lists, pointer) in missing {
            self.err(
                &pointer,
                format!(
                    "role `{role}` is required by {} but `roles` does not define it; add `{role}: [...]` under `roles`",
                    lists.join(", ")
                ),
            );
        }
    }

    /// `windows`: each compiled, at most 1024 of them and 64 with a `schedule`; `None` when
    /// there are too many to check.
    fn windows(&mut self, pf: &PolicyFile) -> Option<Vec<Window>> {
        let mut windows = Vec::new();
        let mut names = HashMap::new();
        // Checking that a schedule ever fires takes croner up to a few milliseconds (see
        // `ever_fires`): a policy has few scheduled windows, and a bound keeps a hostile one cheap.
        // Fixed windows (freezes by date) need no search and may be many more.
        const MAX_WINDOWS: usize = 1024;
        const MAX_SCHEDULES: usize = 64;
        if pf.windows.len() > MAX_WINDOWS {
            self.err(
                &format!("/windows/{MAX_WINDOWS}"),
                format!(
                    "`windows` lists {} windows; at most {MAX_WINDOWS} are allowed",
                    pf.windows.len()
                ),
            );
        }
        if let Some((i, _)) = pf
            .windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.schedule.is_some())
            .nth(MAX_SCHEDULES)
        {
            self.err(
                &format!("/windows/{i}/schedule"),
                format!("more than {MAX_SCHEDULES} windows have a `schedule`; at most {MAX_SCHEDULES} are allowed"),
            );
            return None;
        }
        let mut fires: HashMap<String, bool> = HashMap::new();
        for (i, w) in pf.windows.iter().enumerate().take(MAX_WINDOWS) {
            let base = format!("/windows/{i}");
            if let Some(prev) = names.insert(w.name.clone(), i) {
                self.err(
                    &format!("{base}/name"),
                    format!(
                        "window name `{}` is used twice (also windows[{prev}])",
                        w.name
                    ),
                );
            }
            let schedule = match (&w.schedule, &w.start, &w.end) {
                (Some(expr), None, None) => self.cron_schedule(i, w, expr, &mut fires),
                (None, Some(s), Some(e)) => {
                    if w.duration.is_some() || w.until.is_some() || w.timezone.is_some() {
                        self.err(
                            &base,
                            format!("window `{}`: `duration`, `until` and `timezone` go with `schedule`, not with `start`/`end`", w.name),
                        );
                    }
                    let s = self.time(&format!("{base}/start"), s);
                    let e = self.time(&format!("{base}/end"), e);
                    match (s, e) {
                        (Some(start), Some(end)) if start < end => {
                            Some(Schedule::Fixed(Interval { start, end }))
                        }
                        (Some(_), Some(_)) => {
                            self.err(
                                &format!("{base}/end"),
                                format!("window `{}` ends before it starts", w.name),
                            );
                            None
                        }
                        _ => None,
                    }
                }
                _ => {
                    self.err(
                        &base,
                        format!(
                            "window `{}` needs either `schedule` + `duration` or `until` (+ `timezone`), or `start` + `end`",
                            w.name
                        ),
                    );
                    None
                }
            };
            if let Some(schedule) = schedule {
                windows.push(Window {
                    name: w.name.clone(),
                    kind: w.kind,
                    schedule,
                    location: Some(self.loc(&base)),
                });
            }
        }

        Some(windows)
    }

    /// A window's `schedule` (cron, five fields, that fires at least once), `timezone` and
    /// positive `duration`.
    fn cron_schedule(
        &mut self,
        i: usize,
        w: &crate::policy::file::WindowSpec,
        expr: &str,
        fires: &mut HashMap<String, bool>,
    ) -> Option<Schedule> {
        let base = format!("/windows/{i}");
        let cron = self.cron(i, "schedule", expr, fires);
        let tz_name = w.timezone.as_deref().unwrap_or("UTC");
        let tz = match tz_name.parse::<chrono_tz::Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                self.err(
                    &format!("{base}/timezone"),
                    format!("unknown time zone `{tz_name}`: expected an IANA name such as `Europe/Berlin` or `UTC`"),
                );
                None
            }
        };
        let length = match (&w.duration, &w.until) {
            (Some(d), None) => {
                let duration = self.duration(&format!("{base}/duration"), d);
                if let Some(d) = duration
                    && d <= TimeDelta::zero()
                {
                    self.err(
                        &format!("{base}/duration"),
                        format!(
                            "duration `{}` at `windows[{i}].duration` must be positive",
                            w.duration.as_deref().unwrap_or_default()
                        ),
                    );
                }
                duration.map(Length::Duration)
            }
            (None, Some(until)) => self.cron(i, "until", until, fires).map(|c| Length::Until {
                cron: Box::new(c),
                expr: until.clone(),
            }),
            (Some(_), Some(_)) => {
                self.err(
                    &format!("{base}/until"),
                    format!("window `{}` has both `duration` and `until`; expected exactly one: `duration` is elapsed time, `until` a wall-clock end", w.name),
                );
                None
            }
            (None, None) => {
                self.err(
                    &base,
                    format!(
                        "window `{}` has a schedule but no `duration` or `until`",
                        w.name
                    ),
                );
                None
            }
        };
        match (cron, tz, length) {
            (Some(cron), Some(tz), Some(length)) => Some(Schedule::Cron {
                cron: Box::new(cron),
                expr: expr.to_string(),
                tz,
                length,
            }),
            _ => None,
        }
    }

    /// A window's cron expression at `windows[i].FIELD`: five fields, and it fires at least
    /// once.
    fn cron(
        &mut self,
        i: usize,
        field: &str,
        expr: &str,
        fires: &mut HashMap<String, bool>,
    ) -> Option<croner::Cron> {
        let pointer = format!("/windows/{i}/{field}");
        let key = format!("windows[{i}].{field}");
        let fields = expr.split_whitespace().count();
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expr);
        match cron {
            _ if fields != 5 => {
                self.err(
                    &pointer,
                    format!("invalid cron schedule `{expr}` at `{key}`: it has {fields} fields; expected five fields (minute hour day-of-month month day-of-week)"),
                );
                None
            }
            // A schedule that never fires (`0 2 31 2 *`, February 31st) would make a
            // window nobody can ever use: say so now, not at the first change.
            Ok(c)
                if !*fires
                    .entry(expr.to_string())
                    .or_insert_with(|| ever_fires(&c)) =>
            {
                self.err(
                    &pointer,
                    format!("cron schedule `{expr}` at `{key}` never fires (no date matches it); expected a schedule with at least one occurrence"),
                );
                None
            }
            Ok(c) => Some(c),
            Err(e) => {
                self.err(
                    &pointer,
                    format!(
                        "invalid cron schedule `{expr}` at `{key}`: {}",
                        cron_reason(&e)
                    ),
                );
                None
            }
        }
    }

    /// `rules`: the enforcement and severity of rules of `check`, by code or name. A code that
    /// is not changegate's (no `CG`) may be a custom rule's: it is checked once the custom rules
    /// are read (`deferred`).
    fn rules(
        &mut self,
        pf: &PolicyFile,
        deferred: &mut Vec<(String, RuleSpec, Location)>,
    ) -> HashMap<&'static str, RuleSpec> {
        let mut rules_cfg = HashMap::new();
        for (key, spec) in &pf.rules {
            let pointer = format!("/rules/{}", yaml::escape_token(key));
            match rules::configurable(key) {
                Some(r) => {
                    rules_cfg.insert(r.meta().code, spec.clone() as RuleSpec);
                }
                None if rules::find(key).is_none()
                    && !key.to_ascii_uppercase().starts_with("CG") =>
                {
                    deferred.push((
                        key.clone(),
                        spec.clone(),
                        Location::new(self.file, self.index.key(&self.at(&pointer))),
                    ));
                }
                None => {
                    let p = pointer.clone();
                    let message = match rules::find(key) {
                        Some(m) => format!(
                            "rule `{key}` ({}) belongs to `changegate audit`, which `rules` does not configure; expected a rule of `check` or `close` (see `changegate rules`)",
                            m.code
                        ),
                        None => format!(
                            "unknown rule `{key}` in `rules`: see `changegate rules` for the codes and names"
                        ),
                    };
                    self.errors.push(InputError::new(
                        self.file,
                        self.index.key(&self.at(&p)),
                        message,
                    ));
                }
            }
        }

        rules_cfg
    }

    /// `exceptions`: each for a rule of `check`, with a target pattern and valid times.
    fn exceptions(&mut self, pf: &PolicyFile) -> Vec<Exception> {
        let mut exceptions = Vec::new();
        for (i, x) in pf.exceptions.iter().enumerate() {
            let base = format!("/exceptions/{i}");
            let custom = rules::find(&x.rule).is_none()
                && !x.rule.trim().to_ascii_uppercase().starts_with("CG");
            let rule = match rules::configurable(&x.rule) {
                Some(r) => Some(r.meta()),
                // A custom rule's code: resolved once the custom rules are read.
                None if custom => None,
                None => {
                    self.err(
                        &format!("{base}/rule"),
                        format!(
                            "unknown rule `{}` in exception: see `changegate rules`",
                            x.rule
                        ),
                    );
                    continue;
                }
            };
            let matcher = match globset::Glob::new(&x.target) {
                Ok(g) => g.compile_matcher(),
                Err(e) => {
                    self.err(
                        &format!("{base}/target"),
                        format!("invalid target pattern: {e}"),
                    );
                    continue;
                }
            };
            let approved_at = x
                .approved_at
                .as_deref()
                .and_then(|s| self.time(&format!("{base}/approved_at"), s));
            let expires = x
                .expires
                .as_deref()
                .and_then(|s| self.time(&format!("{base}/expires"), s));
            exceptions.push(Exception {
                index: i,
                rule: rule.unwrap_or(&crate::policy::exception::PENDING),
                pending: rule.is_none().then(|| x.rule.clone()),
                target: x.target.clone(),
                matcher,
                justification: x.justification.clone(),
                compensating_controls: x.compensating_controls.clone(),
                approved_by: x.approved_by.clone(),
                approved_at,
                expires,
                location: Some(self.loc(&base)),
            });
        }

        exceptions
    }

    /// `classes`: resource type patterns.
    fn classes(&mut self, pf: &PolicyFile) -> crate::policy::ClassMatcher {
        let mut classes = crate::policy::ClassMatcher::default();
        for (list, key, slot) in [
            (&pf.classes.stateful, "stateful", &mut classes.stateful),
            (
                &pf.classes.security_impacting,
                "security-impacting",
                &mut classes.security_impacting,
            ),
        ] {
            let mut b = globset::GlobSetBuilder::new();
            for (i, g) in list.iter().enumerate() {
                match globset::Glob::new(g) {
                    Ok(g) => {
                        b.add(g);
                    }
                    Err(e) => self.err(
                        &format!("/classes/{key}/{i}"),
                        format!("invalid type pattern: {e}"),
                    ),
                }
            }
            match b.build() {
                Ok(set) => *slot = set,
                Err(e) => self.err(
                    &format!("/classes/{key}"),
                    format!("invalid type patterns: {e}"),
                ),
            }
        }

        classes
    }

    /// `patching`: a duration per severity, or `none`; the ledger a path inside the repository
    /// (`vulns --update-ledger` writes it: never outside).
    fn patch_deadlines(
        &mut self,
        spec: &crate::policy::file::PatchingSpec,
    ) -> crate::policy::PatchDeadlines {
        if !inside_repo(&spec.ledger) {
            self.err(
                "/patching/ledger",
                format!(
                    "`patching.ledger` `{}` must be a path inside the repository, relative to its \
                     root and without `..`",
                    spec.ledger
                ),
            );
        }
        let mut one = |key: &str, v: &str| -> Option<TimeDelta> {
            if v.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                self.duration(&format!("/patching/{key}"), v)
            }
        };
        crate::policy::PatchDeadlines {
            critical: one("critical", &spec.critical),
            high: one("high", &spec.high),
            medium: one("medium", &spec.medium),
            low: one("low", &spec.low),
            unknown: one("unknown", &spec.unknown),
        }
    }

    /// `images`, `nodes`, `certificates` and `access_review`: durations, or `none`.
    fn maintenance(&mut self, pf: &PolicyFile) -> crate::policy::MaintenanceLimits {
        let mut one = |pointer: &str, v: Option<&str>| -> Option<TimeDelta> {
            let v = v?;
            if v.trim().eq_ignore_ascii_case("none") {
                None
            } else {
                self.duration(pointer, v)
            }
        };
        crate::policy::MaintenanceLimits {
            image_max_age: one("/images/max_age", pf.images.max_age.as_deref()),
            node_max_age: one("/nodes/max_age", pf.nodes.max_age.as_deref()),
            cert_min_remaining: one(
                "/certificates/min_remaining",
                Some(&pf.certificates.min_remaining),
            ),
            review_every: one("/access_review/every", pf.access_review.every.as_deref()),
            stale_after: one(
                "/access_review/stale_after",
                pf.access_review.stale_after.as_deref(),
            ),
            cluster_support: std::sync::Arc::new(super::maint::builtin_cluster_support()),
        }
    }

    /// `git.protected_paths` and `git.script_paths`: path patterns.
    fn git_paths(&mut self, pf: &PolicyFile) -> (globset::GlobSet, globset::GlobSet) {
        let mut globsets = Vec::new();
        for (list, key) in [
            (&pf.git.protected_paths, "protected_paths"),
            (&pf.git.script_paths, "script_paths"),
        ] {
            let mut b = globset::GlobSetBuilder::new();
            for (i, g) in list.iter().enumerate() {
                match globset::GlobBuilder::new(g).literal_separator(true).build() {
                    Ok(g) => {
                        b.add(g);
                    }
                    Err(e) => self.err(
                        &format!("/git/{key}/{i}"),
                        format!("invalid path pattern: {e}"),
                    ),
                }
            }
            globsets.push(b.build().unwrap_or_default());
        }

        let script_paths = globsets.pop().unwrap_or_default();
        let protected_paths = globsets.pop().unwrap_or_default();
        (protected_paths, script_paths)
    }
}

/// Whether a path the policy names is inside the repository: relative, without `..`.
fn inside_repo(p: &str) -> bool {
    let path = std::path::Path::new(p);
    !p.trim().is_empty()
        && !path.is_absolute()
        && path.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}

/// Compiles one policy: the top level (`env` `None`) or an environment's effective policy
/// (`env` = its pointer and what it sets, for positions).
pub(super) fn compile(
    file: &str,
    bytes: &[u8],
    pf: PolicyFile,
    index: &PosIndex,
    env: Option<(&str, &Value)>,
) -> Result<Policy, Error> {
    let mut cx = Ctx {
        file,
        index,
        errors: Vec::new(),
        env,
    };
    let ticket = cx.ticket(&pf);
    let notice = cx.duration("/notice", &pf.notice);
    let review_within = cx.duration("/emergency/review_within", &pf.emergency.review_within);
    let post_within = cx.duration("/post/within", &pf.post.within);
    let patch_deadlines = cx.patch_deadlines(&pf.patching);
    let maintenance = cx.maintenance(&pf);
    for (pointer, p) in [
        ("/clusters/support", pf.clusters.support.as_deref()),
        (
            "/access_review/reviews",
            pf.access_review.reviews.as_deref(),
        ),
    ] {
        if let Some(p) = p
            && !inside_repo(p)
        {
            cx.err(
                pointer,
                format!(
                    "`{}` `{p}` must be a path inside the repository, relative to its root and \
                     without `..`",
                    dotted(pointer)
                ),
            );
        }
    }
    let records_retention = crate::policy::Retention::parse(&pf.records.retention);
    if records_retention.is_none() {
        cx.err(
            "/records/retention",
            format!(
                "invalid retention `{}` at `records.retention`: expected years, months or days \
                 such as `7y`, `18mo` or `400d` (at most 100 years)",
                pf.records.retention
            ),
        );
    }
    cx.approval_roles(&pf);
    let Some(windows) = cx.windows(&pf) else {
        return Err(Error::of_inputs(cx.errors));
    };
    let mut deferred = Vec::new();
    let rules_cfg = cx.rules(&pf, &mut deferred);
    let rego_timeout = cx.duration("/rego/timeout", &pf.rego.timeout);
    let rego_memory = super::limits::parse_size(&pf.rego.memory).filter(|m| *m > 0);
    if rego_memory.is_none() {
        cx.err(
            "/rego/memory",
            format!(
                "`{}` is not a size; expected bytes with a unit, e.g. `512MiB` or `2GiB`",
                pf.rego.memory
            ),
        );
    }
    let exceptions = cx.exceptions(&pf);
    let classes = cx.classes(&pf);
    let (protected_paths, script_paths) = cx.git_paths(&pf);

    let errors = std::mem::take(&mut cx.errors);
    let (
        Some(ticket),
        Some(notice),
        Some(review_within),
        Some(records_retention),
        Some(rego_timeout),
        Some(post_within),
        true,
    ) = (
        ticket,
        notice,
        review_within,
        records_retention,
        rego_timeout,
        post_within,
        errors.is_empty(),
    )
    else {
        let mut errors = errors;
        errors.sort_by_key(|e| e.pos.unwrap_or(Pos { line: 0, column: 0 }));
        return Err(Error::of_inputs(errors));
    };

    let mut policy = Policy {
        path: file.to_string(),
        sha256: text::sha256_hex(bytes),
        file: pf,
        ticket_finder: Policy::finder_of(&ticket),
        ticket,
        windows: Windows { windows },
        notice,
        review_within,
        records_retention,
        rules: rules_cfg,
        exceptions,
        classes,
        protected_paths,
        script_paths,
        roles_of: HashMap::new(),
        team_roles: Default::default(),
        environment: crate::policy::DEFAULT_ENVIRONMENT.to_string(),
        default_enforcement: None,
        window_required: true,
        environments: Vec::new(),
        custom_rule_specs: deferred,
        rego: None,
        rego_timeout: rego_timeout
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(5)),
        rego_memory: rego_memory.unwrap_or(crate::budget::DEFAULT_MEMORY),
        post_within,
        promotion: None,
        patch_deadlines,
        maintenance,
    };
    policy.index_roles();
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Policies in these tests start with this line (line 1) so that roles are defined.
    const ROLES: &str =
        "roles: { system-owner: [alice], infra-lead: [bob], security-officer: [carol] }\n";

    fn compile_str(s: &str) -> Result<Policy, Error> {
        let s = format!("{ROLES}{s}");
        compile_text("p.yaml", s.as_bytes(), &s)
    }

    fn err_text(s: &str) -> String {
        compile_str(s).unwrap_err().to_string()
    }

    #[test]
    fn builtin_default_compiles() {
        let p = load(None).unwrap();
        assert_eq!(p.path, BUILTIN);
        assert_eq!(p.notice, TimeDelta::hours(48));
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = err_text("notice: 48h\nticket:\n  patern: x\n");
        assert!(
            e.starts_with("p.yaml:4:3: unknown key `patern` in `ticket`"),
            "{e}"
        );
        assert!(e.contains("`pattern`"), "{e}");
    }

    #[test]
    fn invalid_cron_names_line() {
        let e = err_text(
            "windows:\n  - name: w\n    kind: allow\n    schedule: \"0 25 * * *\"\n    duration: 1h\n",
        );
        assert!(
            e.starts_with("p.yaml:5:15: invalid cron schedule `0 25 * * *`"),
            "{e}"
        );
    }

    #[test]
    fn six_field_cron_is_refused() {
        let e = err_text(
            "windows:\n  - name: w\n    kind: allow\n    schedule: \"0 0 2 * * 6\"\n    duration: 1h\n",
        );
        assert!(e.contains("five fields"), "{e}");
    }

    #[test]
    fn unknown_time_zone_names_line() {
        let e = err_text(
            "windows:\n  - name: w\n    kind: allow\n    schedule: \"0 2 * * 6\"\n    duration: 1h\n    timezone: Mars/Olympus\n",
        );
        assert!(
            e.starts_with("p.yaml:7:15: unknown time zone `Mars/Olympus`"),
            "{e}"
        );
    }

    #[test]
    fn bad_duration_and_type_errors() {
        let e = err_text("notice: soon\n");
        assert!(e.starts_with("p.yaml:2:9: invalid duration `soon`"), "{e}");
        let e = err_text("personnel: alice\n");
        assert!(e.starts_with("p.yaml:2:12:"), "{e}");
        assert!(
            e.contains("found a string where a list was expected (at `personnel`)"),
            "{e}"
        );
    }

    #[test]
    fn default_policy_spells_out_the_type_defaults() {
        let doc =
            yaml::load_one(crate::policy::file::DEFAULT_POLICY, yaml::Limits::default()).unwrap();
        let file: PolicyFile = typed("default.yaml", &doc).unwrap();
        let defaults = crate::policy::file::ClassesSpec::default();
        assert_eq!(file.classes.stateful, defaults.stateful);
        assert_eq!(file.classes.security_impacting, defaults.security_impacting);
        let p = load(None).unwrap();
        assert!(p.classes.classify("aws_db_instance").stateful);
        assert!(
            p.classes
                .classify("google_project_iam_member")
                .security_impacting
        );
        assert!(!p.classes.classify("terraform_data").stateful);
    }

    #[test]
    fn huge_duration_is_refused() {
        let e = err_text("notice: 1000000y\n");
        assert!(e.contains("longer than 400 days"), "{e}");
    }

    #[test]
    fn never_firing_cron_is_refused_quickly() {
        let start = std::time::Instant::now();
        let e = err_text(
            "windows:\n  - { name: never, kind: allow, schedule: \"0 0 31 2 *\", duration: 1h }\n",
        );
        assert!(
            e.contains("p.yaml:3:") && e.contains("`windows[0].schedule` never fires"),
            "{e}"
        );
        assert!(start.elapsed().as_secs() < 5);
        // Rare is not never: February 29th fires every four years, on a Monday every 28 (both
        // required with croner's `+`), and the fifth Monday of February with it.
        for rare in ["0 0 29 2 *", "0 0 29 2 +MON", "30 1 * 2 MON#5"] {
            compile_str(&format!(
                "windows:\n  - {{ name: leap, kind: allow, schedule: \"{rare}\", duration: 1h }}\n"
            ))
            .unwrap();
        }
        for never in ["0 0 31 4,6 *", "0 0 30 2 +MON", "0 23 * * +"] {
            let e = err_text(&format!(
                "windows:\n  - {{ name: n, kind: allow, schedule: \"{never}\", duration: 1h }}\n"
            ));
            assert!(e.contains("never fires"), "{never}: {e}");
        }
    }

    #[test]
    fn messages_name_their_key_and_allowed_values() {
        let e = err_text("rules:\n  CG107: { enforcement: maybe }\n");
        assert!(
            e.contains("`maybe` is not allowed (at `rules.CG107.enforcement`); expected one of off, advisory, soft-mandatory, hard-mandatory"),
            "{e}"
        );
        let e = err_text(
            "windows:\n  - { name: w, kind: allow, schedule: \"0 2 * * 6\", duration: 0h }\n",
        );
        assert!(e.contains("`windows[0].duration` must be positive"), "{e}");
        let e = err_text(
            "windows:\n  - { name: w, kind: allow, schedule: \"0 2 * 13 6\", duration: 1h }\n",
        );
        assert!(
            e.contains("`windows[0].schedule`") && !e.contains("expected five"),
            "{e}"
        );
        let e = err_text("ticket: { pattern: \"\" }\n");
        assert!(e.contains("`ticket.pattern` is empty"), "{e}");
        let e = err_text("kubernetes: { namespacez: [] }\n");
        assert!(
            e.contains("unknown key `namespacez` in `kubernetes`"),
            "{e}"
        );
        let e = err_text("notice: [1]\n");
        assert!(
            e.contains("found a list where a string was expected (at `notice`)"),
            "{e}"
        );
    }

    #[test]
    fn unknown_rule_and_role() {
        let e = err_text("rules:\n  CG999: { enforcement: advisory }\n");
        assert!(e.starts_with("p.yaml:3:3: unknown rule `CG999`"), "{e}");
        let s = "roles: { a: [x] }\napprovals:\n  standard: [b]\n  emergency: [b]\n";
        let e = compile_text("p.yaml", s.as_bytes(), s)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "p.yaml:3:14: role `b` is required by approvals.standard, approvals.emergency"
            ),
            "{e}"
        );
        assert!(
            e.contains("role `security-officer` is required by approvals.security-impacting"),
            "{e}"
        );
    }

    #[test]
    fn malformed_yaml() {
        let e = err_text("roles: [a, b\n");
        assert!(e.starts_with("p.yaml:"), "{e}");
        assert!(e.contains("invalid YAML"), "{e}");
    }

    #[test]
    fn identities_and_roles() {
        let s = "roles: { system-owner: [Alice], security-officer: [carol] }\napprovals: { standard: [system-owner], security-impacting: [security-officer], emergency: [security-officer] }\nidentities: { alice@example.com: alice }\n";
        let p = compile_text("p.yaml", s.as_bytes(), s).unwrap();
        assert!(p.in_role("system-owner", "Alice Doe <ALICE@example.com>"));
        assert!(!p.in_role("security-officer", "alice"));
        assert!(p.same_person("@alice", "alice@example.com"));
    }
}
