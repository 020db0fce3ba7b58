//! The PR/MR description (Markdown): a fenced block with the info string `changegate` holding
//! change-record YAML, and the convention of the template that `changegate init` writes —
//! `Key: value` lines (`Ticket:`, `Type:`, `Requested-by:`, `Window:`, `Announced:`) and `##`
//! sections (Description, Systems impacted, Risk, Rollback plan, Backup, Test plan,
//! Communication, Emergency justification). Parsed with pulldown-cmark.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};

use super::change::{RecordBuilder, meaningful, merge, parse};
use super::text::LineIndex;
use crate::error::{Error, Pos};
use crate::model::record::{Interval, Risk};
use crate::model::{ChangeRecord, ChangeType, RiskLevel};

/// The source name of fields taken from the description.
pub const SOURCE: &str = "description";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Description,
    Systems,
    Risk,
    Rollback,
    Backup,
    TestPlan,
    Communication,
    Emergency,
    Title,
}

fn section_of(heading: &str) -> Option<Section> {
    let h = heading
        .trim()
        .trim_end_matches(':')
        .to_ascii_lowercase()
        .replace(['-', '_'], " ");
    Some(match h.as_str() {
        "description" | "summary" | "what" => Section::Description,
        "systems impacted" | "impacted systems" | "systems" | "affected systems" => {
            Section::Systems
        }
        "risk" | "risk assessment" | "risks" => Section::Risk,
        "rollback plan" | "rollback" | "back out plan" | "backout plan" => Section::Rollback,
        "backup" | "backups" | "backup plan" => Section::Backup,
        "test plan" | "testing" | "validation" | "test and validation plan" | "validation plan" => {
            Section::TestPlan
        }
        "communication" | "communication plan" | "communications" => Section::Communication,
        "emergency justification" | "justification" | "emergency" => Section::Emergency,
        "title" => Section::Title,
        _ => return None,
    })
}

#[derive(Default)]
struct SectionText {
    text: String,
    items: Vec<String>,
    start: Option<Pos>,
}

/// What the Markdown holds: `changegate` blocks, the recognised `##` sections, and the lines
/// of its paragraphs and list items (for `Key: value`).
#[derive(Default)]
struct Scan {
    /// YAML of each `changegate` block, with the line it starts on.
    blocks: Vec<(String, usize)>,
    sections: Vec<(Section, SectionText)>,
    key_lines: Vec<(String, Pos)>,
}

/// Parses a description into a partial change record. `name` is how errors name it.
pub fn parse_description(name: &str, text: &str) -> Result<ChangeRecord, Error> {
    let scan = scan(text);
    let mut blocks: Vec<ChangeRecord> = Vec::new();
    for (yaml, line) in &scan.blocks {
        blocks.push(parse(SOURCE, name, yaml, *line)?);
    }
    let mut b = RecordBuilder::new(SOURCE, name);
    for (l, pos) in &scan.key_lines {
        key_line(&mut b, l, *pos);
    }
    for (s, t) in &scan.sections {
        section(&mut b, *s, t);
    }
    let conv = b.finish()?;
    // A `changegate` block is the most explicit part of a description.
    blocks.push(conv);
    Ok(merge(blocks))
}

/// Walks the Markdown (pulldown-cmark events) once.
fn scan(text: &str) -> Scan {
    let mut out = Scan::default();
    let mut current: Option<(Section, SectionText)> = None;
    let mut in_heading: Option<(HeadingLevel, String, Pos)> = None;
    let mut in_code: Option<(bool, String, Pos)> = None;
    let mut in_item = 0usize;
    let mut item_text = String::new();
    // Text of the current paragraph/item line by line with the position of each line start.
    let mut line = String::new();
    let mut line_pos: Option<Pos> = None;

    let flush_line =
        |line: &mut String, line_pos: &mut Option<Pos>, key_lines: &mut Vec<(String, Pos)>| {
            if let Some(p) = line_pos.take()
                && !line.trim().is_empty()
            {
                key_lines.push((line.trim().to_string(), p));
            }
            line.clear();
        };

    let lines = LineIndex::new(text);
    for (ev, range) in Parser::new(text).into_offset_iter() {
        let pos = lines.pos(range.start);
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                in_heading = Some((level, String::new(), pos));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, hpos)) = in_heading.take()
                    && level <= HeadingLevel::H2
                {
                    if let Some(c) = current.take() {
                        out.sections.push(c);
                    }
                    if level == HeadingLevel::H2 {
                        current = section_of(&title).map(|s| {
                            (
                                s,
                                SectionText {
                                    start: Some(hpos),
                                    ..Default::default()
                                },
                            )
                        });
                    }
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let is_cg = matches!(&kind, CodeBlockKind::Fenced(info)
                    if info.split_whitespace().next() == Some("changegate"));
                in_code = Some((is_cg, String::new(), pos));
            }
            Event::End(TagEnd::CodeBlock) => {
                match in_code.take() {
                    // The YAML starts on the line after the opening fence.
                    Some((true, yaml, cpos)) => out.blocks.push((yaml, cpos.line)),
                    Some((false, code, _)) => {
                        if let Some((_, s)) = current.as_mut() {
                            s.text.push_str(&code);
                        }
                    }
                    None => {}
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, code, _)) = in_code.as_mut() {
                    code.push_str(&t);
                    continue;
                }
                if let Some((_, title, _)) = in_heading.as_mut() {
                    title.push_str(&t);
                    continue;
                }
                if line_pos.is_none() {
                    line_pos = Some(pos);
                }
                line.push_str(&t);
                if let Some((_, s)) = current.as_mut() {
                    s.text.push_str(&t);
                }
                if in_item > 0 {
                    item_text.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                flush_line(&mut line, &mut line_pos, &mut out.key_lines);
                if let Some((_, s)) = current.as_mut() {
                    s.text.push('\n');
                }
                if in_item > 0 {
                    item_text.push(' ');
                }
            }
            Event::Start(Tag::Item) => {
                in_item += 1;
                item_text.clear();
            }
            Event::End(TagEnd::Item) => {
                flush_line(&mut line, &mut line_pos, &mut out.key_lines);
                in_item = in_item.saturating_sub(1);
                if let Some((_, s)) = current.as_mut() {
                    s.items.push(item_text.trim().to_string());
                    s.text.push('\n');
                }
                item_text.clear();
            }
            Event::End(TagEnd::Paragraph) => {
                flush_line(&mut line, &mut line_pos, &mut out.key_lines);
                if let Some((_, s)) = current.as_mut() {
                    s.text.push_str("\n\n");
                }
            }
            // HTML (template hints in comments) is not content.
            _ => {}
        }
    }
    if let Some(c) = current.take() {
        out.sections.push(c);
    }

    if let Some(c) = current.take() {
        out.sections.push(c);
    }
    out
}

/// One `Key: value` line of the description.
fn key_line(b: &mut RecordBuilder<'_>, l: &str, pos: Pos) {
    let Some((key, value)) = l.split_once(':') else {
        return;
    };
    let key = key
        .trim()
        .trim_matches('*')
        .trim()
        .to_ascii_lowercase()
        .replace(['_', ' '], "-");
    let value = value.trim().trim_start_matches('*').trim();
    let set = |b: &RecordBuilder<'_>, f: &str| b.record.sources.contains_key(f);
    match key.as_str() {
        "ticket" | "change" | "change-ticket" if !set(b, "ticket") => {
            if let Some(v) = meaningful(Some(value)) {
                b.record.ticket = Some(v);
                b.set_origin("ticket", Some(pos));
            }
        }
        "title" if !set(b, "title") => {
            if let Some(v) = meaningful(Some(value)) {
                b.record.title = Some(v);
                b.set_origin("title", Some(pos));
            }
        }
        "type" | "change-type" if !set(b, "type") => match value.to_ascii_lowercase().as_str() {
            "standard" | "normal" => {
                b.record.change_type = ChangeType::Standard;
                b.set_origin("type", Some(pos));
            }
            "emergency" | "break-glass" => {
                b.record.change_type = ChangeType::Emergency;
                b.set_origin("type", Some(pos));
            }
            v if meaningful(Some(v)).is_none() => {}
            v => b.error(
                Some(pos),
                format!("unknown change type `{v}`: expected `standard` or `emergency`"),
            ),
        },
        "requested-by" | "requester" if !set(b, "requested_by") => {
            if let Some(v) = meaningful(Some(value)) {
                b.record.requested_by = Some(v);
                b.set_origin("requested_by", Some(pos));
            }
        }
        "window" | "maintenance-window" if !set(b, "window") => {
            if meaningful(Some(value)).is_none() {
                return;
            }
            let Some((s, e)) = value.split_once('/') else {
                b.error(
                    Some(pos),
                    format!("invalid window `{value}`: expected an ISO 8601 interval `START/END`, e.g. `2026-11-28T01:30:00Z/2026-11-28T03:00:00Z`"),
                );
                return;
            };
            let s = b.time(Some(pos), "Window", s);
            let e = b.time(Some(pos), "Window", e);
            if let (Some(start), Some(end)) = (s, e) {
                if end <= start {
                    b.error(Some(pos), "the window ends before it starts".into());
                } else {
                    b.record.window = Some(Interval { start, end });
                    b.set_origin("window", Some(pos));
                }
            }
        }
        "announced" | "announced-at" if !set(b, "announced_at") => {
            if meaningful(Some(value)).is_none() {
                return;
            }
            if let Some(t) = b.time(Some(pos), "Announced", value) {
                b.record.announced_at = Some(t);
                b.set_origin("announced_at", Some(pos));
            }
        }
        _ => {}
    }
}

/// One `##` section of the description, unless the field is already set.
fn section(b: &mut RecordBuilder<'_>, section: Section, s: &SectionText) {
    let text = s.text.trim();
    let value = meaningful(Some(text));
    let field = match section {
        Section::Description => "description",
        Section::Systems => "systems",
        Section::Risk => "risk",
        Section::Rollback => "rollback",
        Section::Backup => "backup",
        Section::TestPlan => "test_plan",
        Section::Communication => "communication",
        Section::Emergency => "emergency_justification",
        Section::Title => "title",
    };
    if b.record.sources.contains_key(field) {
        return;
    }
    let Some(value) = value else { return };
    match section {
        Section::Description => b.record.description = Some(value),
        Section::Title => b.record.title = Some(value),
        Section::Rollback => b.record.rollback = Some(value),
        Section::Backup => b.record.backup = Some(value),
        Section::TestPlan => b.record.test_plan = Some(value),
        Section::Communication => b.record.communication = Some(value),
        Section::Emergency => b.record.emergency_justification = Some(value),
        Section::Systems => {
            let list: Vec<String> = if s.items.is_empty() {
                value
                    .split([',', '\n'])
                    .filter_map(|x| meaningful(Some(x)))
                    .collect()
            } else {
                s.items.iter().filter_map(|x| meaningful(Some(x))).collect()
            };
            if list.is_empty() {
                return;
            }
            b.record.systems = list;
        }
        Section::Risk => {
            let level = value.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                if !k.trim().trim_matches('*').eq_ignore_ascii_case("level") {
                    return None;
                }
                match v.trim().trim_matches('*').to_ascii_lowercase().as_str() {
                    "low" => Some(RiskLevel::Low),
                    "medium" | "moderate" => Some(RiskLevel::Medium),
                    "high" => Some(RiskLevel::High),
                    "critical" => Some(RiskLevel::Critical),
                    _ => None,
                }
            });
            // The assessment is what is written besides the `Level:` line.
            let assessment: Vec<&str> = value
                .lines()
                .filter(|l| {
                    !l.split_once(':').is_some_and(|(k, _)| {
                        k.trim().trim_matches('*').eq_ignore_ascii_case("level")
                    })
                })
                .collect();
            let assessment = meaningful(Some(assessment.join("\n").trim()));
            if level.is_none() && assessment.is_none() {
                return;
            }
            b.record.risk = Some(Risk { level, assessment });
        }
    }
    b.set_origin(field, s.start);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PR: &str = "\
Ticket: CHG-1234
Type: standard
Requested-by: dave
Window: 2026-11-28T01:30:00Z/2026-11-28T03:00:00Z
Announced: 2026-11-24T09:00:00Z

## Description
Resize the payments database.

## Systems impacted
- payments-db
- payments-api

## Risk
Level: medium
Brief write lock during the resize.

## Rollback plan
<!-- How to undo it -->
Resize back to db.m5.large.

## Backup

<!-- where is the snapshot? -->

## Test plan
Run the smoke tests.

## Communication
Status page and #payments.
";

    #[test]
    fn template_convention() {
        let r = parse_description("pr.md", PR).unwrap();
        assert_eq!(r.ticket.as_deref(), Some("CHG-1234"));
        assert_eq!(r.requested_by.as_deref(), Some("dave"));
        assert_eq!(r.systems, vec!["payments-db", "payments-api"]);
        assert_eq!(r.risk.as_ref().unwrap().level, Some(RiskLevel::Medium));
        assert_eq!(r.rollback.as_deref(), Some("Resize back to db.m5.large."));
        assert!(r.backup.is_none(), "an HTML comment is not an answer");
        assert!(r.window.is_some() && r.announced_at.is_some());
        assert_eq!(r.location_of("rollback").unwrap().to_string(), "pr.md:18:1");
        assert_eq!(r.location_of("ticket").unwrap().to_string(), "pr.md:1:1");
    }

    #[test]
    fn fenced_block_wins_over_convention() {
        let md = "Ticket: CHG-1\n\n```changegate\nticket: CHG-2\nrollback: revert\n```\n\n## Rollback plan\nsomething else\n";
        let r = parse_description("pr.md", md).unwrap();
        assert_eq!(r.ticket.as_deref(), Some("CHG-2"));
        assert_eq!(r.rollback.as_deref(), Some("revert"));
        assert_eq!(r.location_of("rollback").unwrap().line, Some(5));
    }

    #[test]
    fn errors_inside_block_name_description_line() {
        let md = "text\n\n```changegate\nticket: CHG-2\nwindow: {start: nope, end: x}\n```\n";
        let e = parse_description("pr.md", md).unwrap_err().to_string();
        assert!(e.starts_with("pr.md:5:"), "{e}");
    }

    #[test]
    fn bad_window_line() {
        let e = parse_description("pr.md", "Window: tomorrow night\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("pr.md:1:1: invalid window"), "{e}");
    }
}
