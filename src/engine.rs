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
    }
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
    }
}
