//! Runs the rules over the change set and turns their hits into findings: enforcement from the
//! policy, overrides from the change record, suppression by valid exceptions, a deterministic
//! order, and the verdict.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::findings::{
    Category, Enforcement, Finding, Obligation, Overridden, RuleMeta, Stage, Suppression, Verdict,
};
use crate::model::ChangeSet;
use crate::model::environments::{Assignment, Touched};
use crate::model::record::Interval;
use crate::policy::{Policy, blank};
use crate::rules::{Context, REGISTRY, Sink};

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
    let mut f = Finding {
        rule: meta.code,
        name: meta.name,
        category: meta.category,
        severity: policy.severity(meta),
        enforcement,
        blocking: !hit.advisory
            && matches!(
                enforcement,
                Enforcement::SoftMandatory | Enforcement::HardMandatory
            ),
        suppressed: false,
        message: hit.message,
        target: hit.target,
        location: hit.location,
        controls: meta.controls,
        fix: meta.fix,
        suppression: None,
        overridden: None,
        notes: Vec::new(),
        environment: None,
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

    // Exceptions never apply to findings about exceptions.
    if meta.category != Category::Exception
        && let Some(x) = policy
            .exceptions
            .iter()
            .find(|x| x.matches(meta, &f.target) && x.problems(policy, cx.now).is_empty())
    {
        f.suppressed = true;
        f.blocking = false;
        f.suppression = Some(Suppression {
            exception: x.index,
            justification: x.justification.clone().unwrap_or_default(),
            compensating_controls: x.compensating_controls.clone().unwrap_or_default(),
            approved_by: x.approved_by.clone().unwrap_or_default(),
            expires: x
                .expires
                .map(crate::model::time::fmt_time)
                .unwrap_or_default(),
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

/// Evaluates the change set against the policy at `now`.
pub fn evaluate(
    change: &ChangeSet,
    policy: &Policy,
    now: DateTime<Utc>,
    stage: Stage,
) -> Evaluation {
    let cx = Context {
        change,
        policy,
        now,
        stage,
    };
    let results: Vec<(Vec<Finding>, Vec<Obligation>)> = REGISTRY
        .par_iter()
        .filter(|r| policy.enforcement(r.meta()) != Enforcement::Off)
        .map(|r| {
            let mut sink = Sink::default();
            r.check(&cx, &mut sink);
            let meta = r.meta();
            let findings = sink.hits.into_iter().map(|h| apply(meta, h, &cx)).collect();
            (findings, sink.obligations)
        })
        .collect();
    let mut findings = Vec::new();
    let mut obligations = Vec::new();
    for (f, o) in results {
        findings.extend(f);
        obligations.extend(o);
    }
    findings.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    obligations.sort();
    obligations.dedup();
    let next_window = policy
        .next_allowed(now, stage, change.record.change_type)
        .map(|(description, Interval { start, end })| NextWindow {
            description,
            start,
            end,
        });
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
        rules: REGISTRY
            .iter()
            .map(|r| r.meta())
            .filter(|m| policy.enforcement(m) != Enforcement::Off)
            .collect(),
        environments: Vec::new(),
    }
}

/// Evaluates a change against a policy with environments: each environment the change touches
/// judges its own items and everything change-level with its own policy, and the change must
/// meet all of them. The union of their findings is the result: approvals become the union of
/// the roles required, every touched environment's windows and freezes apply, the longest
/// notice counts, and a finding two environments share keeps the strictest judgement.
pub fn evaluate_in_environments(
    change: &ChangeSet,
    policy: &Policy,
    assignment: &Assignment,
    now: DateTime<Utc>,
    stage: Stage,
) -> Evaluation {
    if assignment.names.is_empty() {
        return evaluate(change, policy, now, stage);
    }
    let touched = assignment.touched();
    let envs: Vec<(usize, &Policy)> = assignment
        .names
        .iter()
        .enumerate()
        .filter(|(i, _)| touched & (1 << i) != 0)
        .filter_map(|(i, name)| policy.environment(name).map(|p| (i, p)))
        .collect();
    let one = envs.len() == 1;
    let evals: Vec<Evaluation> = envs
        .par_iter()
        .map(|&(i, p)| {
            let mut e = if one {
                // Every item is in this environment: no need to copy the change set.
                evaluate(change, p, now, stage)
            } else {
                evaluate(&assignment.subset(change, i), p, now, stage)
            };
            for f in &mut e.findings {
                f.environment = Some(assignment.names[i].clone());
            }
            e
        })
        .collect();
    let mut merged = merge(evals, now, stage);
    merged.environments = assignment.touched_list();
    merged
}

/// The union of several environments' evaluations of one change.
fn merge(evals: Vec<Evaluation>, now: DateTime<Utc>, stage: Stage) -> Evaluation {
    let mut findings: Vec<Finding> = Vec::new();
    let mut obligations = Vec::new();
    let mut rules: Vec<&'static RuleMeta> = Vec::new();
    let mut next_window: Option<NextWindow> = None;
    for e in evals {
        for f in e.findings {
            // The same finding from two environments (a change-level one): the strictest wins.
            match findings.iter_mut().find(|g| {
                g.rule == f.rule
                    && g.target == f.target
                    && g.message == f.message
                    && g.location == f.location
            }) {
                Some(g) if strictness(&f) > strictness(g) => *g = f,
                Some(_) => {}
                None => findings.push(f),
            }
        }
        obligations.extend(e.obligations);
        rules.extend(e.rules);
        // The change needs a window every environment allows: the latest of their next ones.
        if let Some(w) = e.next_window
            && next_window.as_ref().is_none_or(|n| w.start > n.start)
        {
            next_window = Some(w);
        }
    }
    findings.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    obligations.sort();
    obligations.dedup();
    rules.sort_by_key(|m| m.code);
    rules.dedup_by_key(|m| m.code);
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

/// How strictly a finding was judged: blocking, then not suppressed or overridden, then its
/// enforcement.
fn strictness(f: &Finding) -> (bool, bool, bool, Enforcement) {
    (f.blocking, !f.suppressed, f.overridden.is_none(), f.enforcement)
}

/// The evaluation of a check that could not decide: one CG000 finding per error (each input
/// that failed, with its file and position), blocking, so that every report file says why the
/// job failed.
pub fn undecided(error: &crate::error::Error, now: DateTime<Utc>, stage: Stage) -> Evaluation {
    use crate::error::{Error, InputError, Location};
    let meta = crate::rules::UNDECIDED.meta();
    let finding = |message: String, location: Option<Location>| Finding {
        rule: meta.code,
        name: meta.name,
        category: meta.category,
        severity: meta.severity,
        enforcement: meta.enforcement,
        blocking: true,
        suppressed: false,
        target: location
            .as_ref()
            .map_or_else(|| "changegate".to_string(), |l| l.path.clone()),
        message,
        location,
        controls: meta.controls,
        fix: meta.fix,
        suppression: None,
        overridden: None,
        notes: Vec::new(),
        environment: None,
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
