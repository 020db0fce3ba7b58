//! CG208: a module source is not pinned to a version or a ref.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every module call (from `--tf` source, or the plans' `configuration`): a registry
    /// module needs a `version` that names one exact version; a Git source needs a `?ref=`
    /// that is a tag or a commit, not a branch (`main`, `master`, `develop`, `trunk`, `HEAD`).
    /// Local paths (`./`, `../`) are part of the change itself and pass.
    ///
    /// ## Why is this bad?
    /// An unpinned module changes under you: the same plan run tomorrow may pull different
    /// code that nobody reviewed (NIST SP 800-53 CM-2, CM-3, SI-7; SP 800-171 3.4.1).
    ///
    /// ## Example
    /// ```hcl
    /// module "vpc" {
    ///   source = "terraform-aws-modules/vpc/aws"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// module "vpc" {
    ///   source  = "terraform-aws-modules/vpc/aws"
    ///   version = "5.8.1"
    /// }
    /// ```
    pub struct UnpinnedModuleSource {
        code: "CG208",
        name: "unpinned-module-source",
        category: Provenance,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-2", "NIST SP 800-53 CM-3", "NIST SP 800-53 SI-7", "NIST SP 800-171 3.4.1"],
        summary: "A module source is not pinned to a version or a ref.",
        fix: "Pin registry modules to an exact `version` and Git sources to a tag or commit with `?ref=`.",
    }
}

const BRANCHES: &[&str] = &["main", "master", "develop", "dev", "trunk", "head"];

/// Why a module source is not pinned, if it is not.
pub fn unpinned(source: &str, version: Option<&str>) -> Option<String> {
    let s = source.trim();
    if s.starts_with("./") || s.starts_with("../") {
        return None;
    }
    let git = s.starts_with("git::")
        || s.starts_with("git@")
        || s.starts_with("github.com/")
        || s.starts_with("bitbucket.org/")
        || s.contains(".git");
    if git {
        let r = s
            .split_once("?")
            .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("ref=")));
        return match r {
            None => Some("its Git source has no `?ref=`".into()),
            Some(r) if BRANCHES.contains(&r.to_ascii_lowercase().as_str()) => {
                Some(format!("its Git ref `{r}` is a branch, which moves"))
            }
            Some(_) => None,
        };
    }
    let registry = !s.contains("://") && !s.contains("::") && {
        let parts = s.split("//").next().unwrap_or(s).split('/').count();
        parts == 3 || parts == 4
    };
    if registry {
        return match version.map(str::trim) {
            None | Some("") => Some("the registry module has no `version`".into()),
            Some(v) => {
                let exact = v.trim_start_matches('=').trim();
                if exact
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+')
                    && exact
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit() || c == 'v')
                {
                    None
                } else {
                    Some(format!(
                        "its version constraint `{v}` allows more than one version"
                    ))
                }
            }
        };
    }
    None
}

impl Rule for UnpinnedModuleSource {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for m in &cx.change.modules {
            if let Some(why) = unpinned(&m.source, m.version.as_deref()) {
                out.hit(
                    format!(
                        "`{}` uses module source `{}`, which is not pinned: {why}",
                        m.address, m.source
                    ),
                    m.address.clone(),
                    Some(m.location.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn pinning() {
        assert!(unpinned("./modules/db", None).is_none());
        assert!(unpinned("terraform-aws-modules/vpc/aws", None).is_some());
        assert!(unpinned("terraform-aws-modules/vpc/aws", Some("~> 5.0")).is_some());
        assert!(unpinned("terraform-aws-modules/vpc/aws", Some("5.8.1")).is_none());
        assert!(unpinned("app.terraform.io/acme/vpc/aws", Some("= 1.2.0")).is_none());
        assert!(unpinned("git::https://example.com/vpc.git", None).is_some());
        assert!(unpinned("git::https://example.com/vpc.git?ref=main", None).is_some());
        assert!(unpinned("git::https://example.com/vpc.git?ref=v1.2.0", None).is_none());
        assert!(unpinned("github.com/acme/vpc?ref=0f1e2d3c", None).is_none());
    }
}
