//! What the plan's `configuration` says beyond the changes: provisioners and other scripts, and
//! module sources.

use crate::model::{ModuleSource, ScriptKind, ScriptUse};

use super::doc::{ConfigDoc, ConfigModule};
pub(super) fn walk_modules<'a>(
    prefix: &str,
    m: &'a ConfigModule,
    f: &mut dyn FnMut(&str, &'a ConfigModule),
) {
    f(prefix, m);
    for (call, mc) in &m.module_calls {
        if let Some(child) = &mc.module {
            let p = if prefix.is_empty() {
                format!("module.{call}")
            } else {
                format!("{prefix}.module.{call}")
            };
            walk_modules(&p, child, f);
        }
    }
}

pub(super) fn plan_location(name: &str) -> crate::model::Location {
    crate::model::Location {
        path: name.to_string(),
        line: None,
        column: None,
    }
}

pub(super) fn config_scripts(name: &str, config: Option<&ConfigDoc>) -> Vec<ScriptUse> {
    let mut out = Vec::new();
    let Some(root) = config.and_then(|c| c.root_module.as_ref()) else {
        return out;
    };
    walk_modules("", root, &mut |prefix, m| {
        for r in &m.resources {
            let address = if prefix.is_empty() {
                r.address.clone()
            } else {
                format!("{prefix}.{}", r.address)
            };
            for p in &r.provisioners {
                let kind = match p.kind.as_str() {
                    "local-exec" => ScriptKind::LocalExec,
                    "remote-exec" => ScriptKind::RemoteExec,
                    _ => continue,
                };
                out.push(ScriptUse {
                    kind,
                    address: address.clone(),
                    location: plan_location(name),
                });
            }
            if r.mode.as_deref() == Some("data") && r.kind.as_deref() == Some("external") {
                out.push(ScriptUse {
                    kind: ScriptKind::ExternalData,
                    address,
                    location: plan_location(name),
                });
            }
        }
    });
    out
}

pub(super) fn config_modules(name: &str, config: Option<&ConfigDoc>) -> Vec<ModuleSource> {
    let mut out = Vec::new();
    let Some(root) = config.and_then(|c| c.root_module.as_ref()) else {
        return out;
    };
    walk_modules("", root, &mut |prefix, m| {
        for (call, mc) in &m.module_calls {
            let Some(source) = &mc.source else { continue };
            out.push(ModuleSource {
                address: if prefix.is_empty() {
                    format!("module.{call}")
                } else {
                    format!("{prefix}.module.{call}")
                },
                source: source.clone(),
                version: mc.version_constraint.clone(),
                location: plan_location(name),
            });
        }
    });
    out
}
