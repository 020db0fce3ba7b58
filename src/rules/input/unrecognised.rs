//! CG001: a document among the inputs is not what that input holds.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports documents that were read but are not what the input holds — for example a Helm
    /// values file or a `kustomization.yaml` passed with `--manifests` (no `apiVersion`/`kind`,
    /// or no `metadata.name`). They are not evaluated, and this finding says so, instead of the
    /// gate silently judging less than it was given.
    ///
    /// ## Why is this bad?
    /// A gate that quietly skips what it cannot understand passes changes nobody checked (fail
    /// closed; NIST SP 800-53 CM-3, SI-7).
    ///
    /// ## Example
    /// `changegate check --manifests chart/` where `chart/values.yaml` is not rendered.
    ///
    /// ## Use instead
    /// Pass rendered output: `helm template … > rendered.yaml`, `kustomize build … > rendered.yaml`.
    pub struct UnrecognisedDocument {
        code: "CG001",
        name: "unrecognised-document",
        category: Input,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 SI-7"],
        summary: "A document among the inputs is not what that input holds.",
        fix: "Pass rendered manifests (helm template, kustomize build), not chart sources or values files.",
    }
}

impl Rule for UnrecognisedDocument {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for (loc, why) in &cx.change.unrecognised {
            out.hit(
                format!("the document at {loc} {why}; it was not evaluated"),
                loc.path.clone(),
                Some(loc.clone()),
            );
        }
    }
}
