//! The policy's windows as Argo CD sync windows (`AppProject.spec.syncWindows`): in GitOps the
//! apply is Argo CD's, not CI's, so CI cannot enforce the deploy time; Argo CD can.
//!
//! Argo CD's windows are a cron schedule (robfig/cron, five fields), a duration (Go's
//! `time.ParseDuration`) and a time zone. A window with a `duration` converts directly. A
//! window that ends at a wall-clock time (`until`) converts where every occurrence lasts the
//! same elapsed time (checked over five years: not across daylight-saving changes), and is
//! refused where it does not. A fixed one-off window cannot be written as a recurring one: it
//! is skipped and reported.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Skipped, go_duration, portable_cron, recurring, refuse, to_yaml};
use crate::error::Error;
use crate::policy::Policy;
use crate::policy::windows::{Length, Window, WindowKind};

/// Which applications, namespaces and clusters the windows apply to (Argo CD needs at least
/// one of them), and how.
#[derive(Debug, Clone)]
pub struct Target {
    pub project: String,
    pub namespace: String,
    pub applications: Vec<String>,
    pub namespaces: Vec<String>,
    pub clusters: Vec<String>,
    /// Allow manual syncs outside allow windows and inside deny windows.
    pub manual_sync: bool,
}

/// What `export argocd` writes.
#[derive(Debug, Clone)]
pub struct Export {
    pub sync_windows: Vec<Value>,
    pub skipped: Vec<Skipped>,
}

/// The policy's windows as sync windows.
pub fn sync_windows(policy: &Policy, target: &Target, now: DateTime<Utc>) -> Result<Export, Error> {
    let mut sync_windows = Vec::new();
    let mut skipped = Vec::new();
    for w in &policy.windows.windows {
        let Some((expr, tz, length)) = recurring(
            w,
            &mut skipped,
            "a one-off window (`start`/`end`); Argo CD sync windows recur on a cron schedule, which has no year",
        ) else {
            continue;
        };
        let schedule = portable_cron(expr).map_err(|why| refuse(policy, w, why))?;
        let duration = match length {
            Length::Duration(d) => *d,
            Length::Until { expr: until, .. } => fixed_length(policy, w, until, now)?,
        };
        let mut sw = json!({
            "kind": match w.kind { WindowKind::Allow => "allow", WindowKind::Deny => "deny" },
            "schedule": schedule,
            "duration": go_duration(duration),
            "timeZone": tz.to_string(),
            "description": format!("changegate policy window `{}` ({}): {}", w.name, policy.path, w.describe()),
        });
        let o = sw.as_object_mut().expect("an object");
        for (key, list) in [
            ("applications", &target.applications),
            ("namespaces", &target.namespaces),
            ("clusters", &target.clusters),
        ] {
            if !list.is_empty() {
                o.insert(key.into(), json!(list));
            }
        }
        if target.manual_sync {
            o.insert("manualSync".into(), json!(true));
        }
        sync_windows.push(sw);
    }
    Ok(Export {
        sync_windows,
        skipped,
    })
}

/// The one elapsed length of an `until` window's occurrences, or why there is none.
fn fixed_length(
    policy: &Policy,
    w: &Window,
    until: &str,
    now: DateTime<Utc>,
) -> Result<chrono::TimeDelta, Error> {
    let lengths: Vec<chrono::TimeDelta> = super::horizon(w, now)
        .iter()
        .map(|o| o.end - o.start)
        .collect();
    let (Some(min), Some(max)) = (lengths.iter().min(), lengths.iter().max()) else {
        return Err(refuse(
            policy,
            w,
            "it has no occurrence in the next five years".into(),
        ));
    };
    if min != max {
        return Err(refuse(
            policy,
            w,
            format!(
                "it ends at a wall-clock time (`until: \"{until}\"`), so its occurrences last from {} to {} ({}); an Argo CD sync window lasts one fixed duration: give the window a `duration`, or a time zone without daylight-saving time",
                go_duration(*min),
                go_duration(*max),
                if super::timezone(w).is_some_and(|tz| tz != chrono_tz::UTC) {
                    "daylight-saving changes, or a schedule whose end is not a fixed time after its start"
                } else {
                    "its end is not a fixed time after its start"
                }
            ),
        ));
    }
    Ok(*min)
}

/// An `AppProject` carrying the windows (apply it where the project's other settings are
/// managed too: it sets the whole `spec.syncWindows` list).
pub fn app_project(e: &Export, target: &Target) -> String {
    to_yaml(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": { "name": target.project, "namespace": target.namespace },
        "spec": { "syncWindows": e.sync_windows },
    }))
}

/// A merge patch of `spec.syncWindows` (`kubectl patch appproject NAME --type merge
/// --patch-file FILE`): it replaces the project's windows with the policy's.
pub fn patch(e: &Export) -> String {
    to_yaml(&json!({ "spec": { "syncWindows": e.sync_windows } }))
}
