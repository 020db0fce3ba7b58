//! Runs the rules over the change set and turns their hits into findings: enforcement from the
//! policy, overrides from the change record, suppression by valid exceptions, a deterministic
//! order, and the verdict.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::Error;
use crate::findings::{
    Category, Enforcement, Finding, Obligation, Overridden, RuleMeta, Stage, Suppression, Verdict,
};
use crate::model::ChangeSet;
use crate::model::environments::{Assignment, Touched};
use crate::model::record::Interval;
use crate::policy::{Policy, blank};
use crate::rules::custom_input::Environments;
use crate::rules::{Context, Sink};

/// The next allowed window, as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NextWindow {
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub obligations: Vec<Obligation>,
    pub next_window: Option<NextWindow>,
    pub now: DateTime<Utc>,
    pub stage: Stage,
    /// The rules that ran (enforcement not `off`), in code order.
    pub rules: Vec<&'static RuleMeta>,
    /// The environments the change touches and what put each there (empty when the policy
    /// has no environments).
    pub environments: Vec<Touched>,
}

impl Evaluation {
    pub fn blocking(&self) -> usize {
        self.findings.iter().filter(|f| f.blocking).count()
    }
    pub fn suppressed(&self) -> usize {
        self.findings.iter().filter(|f| f.suppressed).count()
    }
    pub fn advisory(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| !f.blocking && !f.suppressed && f.overridden.is_none())
            .count()
    }
}

fn apply(meta: &'static RuleMeta, hit: crate::rules::Hit, cx: &Context<'_>) -> Finding {
    let policy = cx.policy;
    let enforcement = policy.enforcement(meta);
    let advisory = hit.advisory;
    let blocking = !advisory
        && matches!(
            enforcement,
            Enforcement::SoftMandatory | Enforcement::HardMandatory
        );
    let hit_excepted_by = hit.excepted_by;
    let mut f = Finding::new(meta, blocking, hit.target, hit.message, hit.location);
    f.severity = policy.severity(meta);
    // A hit that never blocks (a `warn` message, a drift during an emergency) says so in
    // every format, whatever the rule's enforcement.
    f.enforcement = if blocking || !advisory {
        enforcement
    } else {
        Enforcement::Advisory
    };

    // Overrides in the record: only for soft-mandatory rules, only by a security officer who
    // is not the requester, only with a reason.
    let rec = &cx.change.record;
    for o in rec
        .overrides
        .iter()
        .filter(|o| o.rule.eq_ignore_ascii_case(meta.code) || o.rule == meta.name)
    {
        let problem = if enforcement == Enforcement::HardMandatory {
            Some("the rule is hard-mandatory and cannot be overridden".to_string())
        } else if !policy.in_role("security-officer", &o.by) {
            Some(format!("`{}` is not a security-officer", o.by))
        } else if rec
            .requested_by
            .as_deref()
            .is_some_and(|r| policy.same_person(r, &o.by))
        {
            Some("the requester cannot override their own change".to_string())
        } else if blank(&Some(o.reason.clone())) {
            Some("it gives no reason".to_string())
        } else {
            None
        };
        match problem {
            None if f.blocking && enforcement == Enforcement::SoftMandatory => {
                f.blocking = false;
                f.overridden = Some(Overridden {
                    by: o.by.clone(),
                    reason: o.reason.clone(),
                });
            }
            None => {}
            Some(p) => f
                .notes
                .push(format!("override by `{}` not counted: {p}", o.by)),
        }
    }

    if let Some(rule) = &hit_excepted_by {
        f.suppressed = true;
        f.blocking = false;
        f.suppression = Some(Suppression::by_rego(rule));
    }
    // Exceptions never apply to findings about exceptions.
    else if meta.category != Category::Exception
        && let Some(x) = policy
            .exceptions
            .iter()
            .find(|x| x.matches(meta, &f.target) && x.problems(policy, cx.now).is_empty())
    {
        f.suppressed = true;
        f.blocking = false;
        f.suppression = Some(Suppression {
            exception: Some(x.index),
            justification: x.justification.clone().unwrap_or_default(),
            compensating_controls: x.compensating_controls.clone().unwrap_or_default(),
            approved_by: x.approved_by.clone().unwrap_or_default(),
            expires: x
                .expires
                .map(crate::model::time::fmt_time)
                .unwrap_or_default(),
            rego: None,
        });
    }
    f
}

/// The total order findings are reported in.
fn sort_key(f: &Finding) -> impl Ord + '_ {
    (
        !f.blocking,
        f.suppressed,
        std::cmp::Reverse(f.severity),
        f.rule,
        &f.target,
        f.location.clone(),
        &f.message,
    )
}

/// Rules' hits with their rule, before judgement.
type Hits = Vec<(&'static RuleMeta, crate::rules::Hit)>;

/// What the rules report on a change set under a policy, before judgement: each hit with its
/// rule, and the obligations.
fn hits(
    change: &ChangeSet,
    policy: &Policy,
    envs: Environments<'_>,
    now: DateTime<Utc>,
    stage: Stage,
) -> Result<(Hits, Vec<Obligation>), Error> {
    let cx = Context {
        change,
        policy,
        now,
        stage,
    };
    let results: Vec<(Hits, Vec<Obligation>)> = crate::rules::registry(stage)
        .par_iter()
        .filter(|r| policy.enforcement(r.meta()) != Enforcement::Off)
        .map(|r| {
            let mut sink = Sink::default();
            r.check(&cx, &mut sink);
            let meta = r.meta();
            let hits = sink.hits.into_iter().map(|h| (meta, h)).collect();
            (hits, sink.obligations)
        })
        .collect();
    let mut all = Vec::new();
    let mut obligations = Vec::new();
    for (h, o) in results {
        all.extend(h);
        obligations.extend(o);
    }
    // Custom rules judge the change before it goes ahead, not its close.
    let custom = policy.rego.as_deref().filter(|_| stage != Stage::Close);
    // Custom rules: the input document is built once, for all of them.
    if let Some(rego) = custom.filter(|r| !r.rules.is_empty()) {
        let input = crate::rules::custom_input::input(change, envs, now, stage);
        let data = crate::rules::custom_input::data(policy);
        let custom = crate::rules::custom::evaluate(rego, &input, &data, &change.target())?;
        all.extend(
            custom
                .into_iter()
                .filter(|(m, _)| policy.enforcement(m) != Enforcement::Off),
        );
    }
    if let Some(rego) = custom.filter(|r| !r.conftest.is_empty()) {
        let custom = crate::rules::custom::evaluate_documents(rego, &change.documents)?;
        all.extend(
            custom
                .into_iter()
                .filter(|(m, _)| policy.enforcement(m) != Enforcement::Off),
        );
    }
    Ok((all, obligations))
}

/// The rules that run under a policy at a stage (enforcement not `off`), built-in then custom,
/// each in code order.
fn running(policy: &Policy, stage: Stage) -> Vec<&'static RuleMeta> {
    let custom = policy
        .rego
        .iter()
        .filter(|_| stage != Stage::Close)
        .flat_map(|r| r.metas());
    crate::rules::registry(stage)
        .iter()
        .map(|r| r.meta())
        .chain(custom)
        .filter(|m| policy.enforcement(m) != Enforcement::Off)
        .collect()
}

/// Findings in report order, obligations sorted, and the verdict.
fn conclude(
    mut findings: Vec<Finding>,
    mut obligations: Vec<Obligation>,
    next_window: Option<NextWindow>,
    now: DateTime<Utc>,
    stage: Stage,
    rules: Vec<&'static RuleMeta>,
) -> Evaluation {
    findings.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    obligations.sort();
    obligations.dedup();
    let verdict = if findings.iter().any(|f| f.blocking) {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    Evaluation {
        verdict,
        findings,
        obligations,
        next_window,
        now,
        stage,
        rules,
        environments: Vec::new(),
    }
}

fn next_window(
    policy: &Policy,
    change: &ChangeSet,
    now: DateTime<Utc>,
    stage: Stage,
) -> Option<NextWindow> {
    policy
        .next_allowed(now, stage, change.record.change_type)
        .map(|(description, Interval { start, end })| NextWindow {
            description,
            start,
            end,
        })
}

/// Evaluates the change set against the policy at `now`.
pub fn evaluate(
    change: &ChangeSet,
    policy: &Policy,
    now: DateTime<Utc>,
    stage: Stage,
) -> Result<Evaluation, Error> {
    let cx = Context {
        change,
        policy,
        now,
        stage,
    };
    let (hits, obligations) = hits(change, policy, Environments::None, now, stage)?;
    let findings = hits.into_iter().map(|(m, h)| apply(m, h, &cx)).collect();
    Ok(conclude(
        findings,
        obligations,
        next_window(policy, change, now, stage),
        now,
        stage,
        running(policy, stage),
    ))
}

/// Evaluates a change against a policy with environments: each environment the change touches
/// runs the rules over its own items and everything change-level, and the change must meet
/// all of them. A finding about an item is judged by the item's environment; a finding about
/// the change itself (its approvals, window, notice, record…) by the strictest touched
/// environment for that rule. So approvals are the union of the roles required, every touched
/// environment's windows and freezes apply, the longest notice counts.
pub fn evaluate_in_environments(
    change: &ChangeSet,
    policy: &Policy,
    assignment: &Assignment,
    now: DateTime<Utc>,
    stage: Stage,
) -> Result<Evaluation, Error> {
    if assignment.names.is_empty() {
        return evaluate(change, policy, now, stage);
    }
    let touched = assignment.touched();
    let envs: Vec<(&str, &Policy)> = assignment
        .names
        .iter()
        .enumerate()
        .filter(|(i, _)| touched & (1 << i) != 0)
        .filter_map(|(_, name)| policy.environment(name).map(|p| (name.as_str(), p)))
        .collect();
    let one = envs.len() == 1;
    let parts: Vec<(usize, Hits, Vec<Obligation>)> = envs
        .par_iter()
        .enumerate()
        .map(|(k, &(name, p))| {
            let (hits, obligations) = if one {
                // Every item is in this environment: no need to copy the change set.
                hits(change, p, Environments::Assigned(assignment), now, stage)?
            } else {
                let i = assignment.names.iter().position(|n| n == name).unwrap_or(0);
                let part = assignment.subset(change, i);
                hits(&part, p, Environments::Only(name), now, stage)?
            };
            Ok((k, hits, obligations))
        })
        .collect::<Result<_, Error>>()?;
    let whole = change.target();
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut obligations = Vec::new();
    for (k, part_hits, part_obligations) in parts {
        for (meta, hit) in part_hits {
            // The change itself: the strictest touched environment for this rule judges it.
            let judge = if hit.target == whole {
                envs.iter()
                    .enumerate()
                    .max_by_key(|(j, (_, p))| (p.enforcement(meta), std::cmp::Reverse(*j)))
                    .map_or(k, |(j, _)| j)
            } else {
                k
            };
            let (name, p) = envs[judge];
            let cx = Context {
                change,
                policy: p,
                now,
                stage,
            };
            let mut f = apply(meta, hit, &cx);
            f.environment = Some(name.to_string());
            // The same finding from two environments (about the change, or a commit in both):
            // the strictest judgement stands.
            let key = (
                f.rule,
                f.target.clone(),
                f.message.clone(),
                f.location.as_ref().map(ToString::to_string),
            );
            match seen.get(&key) {
                Some(&g) if strictness(&f) > strictness(&findings[g]) => findings[g] = f,
                Some(_) => {}
                None => {
                    seen.insert(key, findings.len());
                    findings.push(f);
                }
            }
        }
        obligations.extend(part_obligations);
    }
    // The change needs a window every environment allows: the latest of their next ones.
    let next = envs
        .iter()
        .filter_map(|(_, p)| next_window(p, change, now, stage))
        .max_by_key(|w| w.start);
    let mut rules: Vec<&'static RuleMeta> =
        envs.iter().flat_map(|(_, p)| running(p, stage)).collect();
    // Built-in rules first, then custom ones, each in code order.
    rules.sort_by_key(|m| (!m.code.starts_with("CG"), m.code));
    rules.dedup_by_key(|m| m.code);
    let mut eval = conclude(findings, obligations, next, now, stage, rules);
    eval.environments = assignment.touched_list();
    Ok(eval)
}

/// How strictly a finding was judged: blocking, then not suppressed or overridden, then its
/// enforcement.
fn strictness(f: &Finding) -> (bool, bool, bool, Enforcement) {
    (
        f.blocking,
        !f.suppressed,
        f.overridden.is_none(),
        f.enforcement,
    )
}

/// The evaluation of a check that could not decide: one CG000 finding per error (each input
/// that failed, with its file and position), blocking, so that every report file says why the
/// job failed.
pub fn undecided(error: &crate::error::Error, now: DateTime<Utc>, stage: Stage) -> Evaluation {
    use crate::error::{Error, InputError, Location};
    let meta = crate::rules::UNDECIDED.meta();
    let finding = |message: String, location: Option<Location>| {
        let target = location
            .as_ref()
            .map_or_else(|| "changegate".to_string(), |l| l.path.clone());
        Finding::new(meta, true, target, message, location)
    };
    let of_input =
        |e: &InputError| finding(e.to_string(), Some(Location::new(e.file.clone(), e.pos)));
    let findings = match error {
        Error::Input(e) => vec![of_input(e)],
        Error::Inputs(v) => v.iter().map(of_input).collect(),
        e => vec![finding(e.to_string(), None)],
    };
    Evaluation {
        verdict: Verdict::Fail,
        findings,
        obligations: Vec::new(),
        next_window: None,
        now,
        stage,
        rules: vec![meta],
        environments: Vec::new(),
    }
}
