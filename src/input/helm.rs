//! Helm's `# Source:` paths mapped to the chart templates of the repository.

use std::path::{Path, PathBuf};

use super::kube::Object;
use crate::model::Location;

/// Helm's `# Source: CHART/templates/x.yaml` names a template relative to the chart's parent;
/// findings should point at the template in the repository. Charts are found from `roots` (a
/// chart directory each, `--chart-root`) and by looking for `Chart.yaml` below `search` (at
/// most five levels deep, past `.git`, `node_modules`, `target` and `vendor`), by the chart's
/// `name`. A source that maps to no file of the repository points at the rendered document
/// instead (file and line): never at a path nobody can open.
pub fn map_helm_sources(objects: &mut [Object], roots: &[PathBuf], search: &Path) {
    if objects.iter().all(|o| o.location == o.rendered) {
        return;
    }
    fn chart_name(dir: &Path) -> Option<String> {
        let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
        let doc =
            crate::input::yaml::load_one(&text, crate::input::yaml::Limits::default()).ok()?;
        doc.value.get("name")?.as_str().map(str::to_string)
    }
    fn discover(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        if dir.join("Chart.yaml").is_file() {
            out.push(dir.to_path_buf());
        }
        if depth == 0 {
            return;
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut subdirs: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|p| {
                !matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some(".git" | "node_modules" | "target" | "vendor")
                )
            })
            .collect();
        subdirs.sort();
        for d in subdirs {
            discover(&d, depth - 1, out);
        }
    }
    let mut dirs: Vec<PathBuf> = roots.to_vec();
    discover(search, 5, &mut dirs);
    let charts: Vec<(String, PathBuf)> = dirs
        .into_iter()
        .filter_map(|d| chart_name(&d).map(|n| (n, d)))
        .collect();
    for o in objects.iter_mut().filter(|o| o.location != o.rendered) {
        let mapped = o.location.path.split_once('/').and_then(|(chart, rest)| {
            charts
                .iter()
                .filter(|(name, _)| name == chart)
                .map(|(_, dir)| dir.join(rest))
                .find(|p| p.is_file())
        });
        o.location = match mapped {
            Some(p) => Location::new(
                crate::input::paths::normalise(&p).display().to_string(),
                None,
            ),
            None => o.rendered.clone(),
        };
    }
}
