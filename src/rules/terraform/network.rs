//! CG203: a firewall or security-group rule opens SSH or RDP to the whole internet.

use crate::model::{Attrs, Node, ResourceChange};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds created or updated firewall rules that allow inbound SSH (22) or RDP (3389) from
    /// `0.0.0.0/0` or `::/0`: AWS `aws_security_group` ingress blocks,
    /// `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`, `aws_network_acl` and
    /// `aws_network_acl_rule`; Google `google_compute_firewall`; Azure
    /// `azurerm_network_security_rule` and `azurerm_network_security_group` rules. Port ranges
    /// and "all protocols" rules that cover the port count.
    ///
    /// ## Why is this bad?
    /// Remote maintenance must go through controlled, authenticated paths (NIST SP 800-53
    /// MA-4, AC-17; SP 800-171 3.7.5). A management port open to the internet is scanned within
    /// minutes and is a common way in.
    ///
    /// ## Example
    /// ```hcl
    /// ingress {
    ///   from_port   = 22
    ///   to_port     = 22
    ///   protocol    = "tcp"
    ///   cidr_blocks = ["0.0.0.0/0"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// ingress {
    ///   from_port   = 22
    ///   to_port     = 22
    ///   protocol    = "tcp"
    ///   cidr_blocks = ["10.20.0.0/16"]   # the bastion network, or use SSM Session Manager
    /// }
    /// ```
    pub struct RemoteAccessOpenToWorld {
        code: "CG203",
        name: "remote-access-open-to-world",
        category: RemoteAccess,
        severity: Critical,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-4", "NIST SP 800-53 AC-17", "NIST SP 800-171 3.7.5"],
        summary: "A firewall rule opens SSH or RDP to the whole internet.",
        fix: "Restrict the source to known networks (a bastion or VPN range), or use a managed session service instead of open ports.",
    }
}

const PORTS: &[(u16, &str)] = &[(22, "SSH"), (3389, "RDP")];
const WORLD: &[&str] = &["0.0.0.0/0", "::/0", "*", "internet", "any"];

fn is_world(s: &str) -> bool {
    WORLD.contains(&s.trim().to_ascii_lowercase().as_str())
}

fn strings(v: Option<&Node>) -> Vec<&str> {
    match v {
        Some(Node::Arr(a)) => a.iter().filter_map(Node::as_str).collect(),
        Some(Node::Str(s)) => vec![s],
        _ => Vec::new(),
    }
}

fn num(v: Option<&Node>) -> Option<i64> {
    v.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    })
}

/// Protocols that carry SSH/RDP: TCP or "all".
fn tcp_or_all(p: Option<&Node>) -> bool {
    match p {
        None | Some(Node::Null) => true,
        Some(v) => {
            let s = match v {
                Node::Str(s) => s.to_ascii_lowercase(),
                Node::Int(i) => i.to_string(),
                _ => return false,
            };
            matches!(s.trim(), "tcp" | "6" | "-1" | "all" | "*")
        }
    }
}

/// Ports in `[from, to]`; `0..0` with all protocols means every port.
fn covered(from: Option<i64>, to: Option<i64>, all_protocols: bool) -> Vec<(u16, &'static str)> {
    let (from, to) = match (from, to) {
        (Some(0), Some(0)) | (None, None) if all_protocols => (0, 65535),
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (f, f),
        _ => return Vec::new(),
    };
    let (from, to) = if from == -1 { (0, 65535) } else { (from, to) };
    PORTS
        .iter()
        .filter(|(p, _)| from <= i64::from(*p) && i64::from(*p) <= to)
        .copied()
        .collect()
}

/// Azure/Google port specs: "22", "20-30", "*".
fn covered_spec(specs: &[&str]) -> Vec<(u16, &'static str)> {
    let mut out = Vec::new();
    for s in specs {
        let s = s.trim();
        let (from, to) = if s == "*" || s.is_empty() {
            (0, 65535)
        } else if let Some((a, b)) = s.split_once('-') {
            match (a.trim().parse::<i64>(), b.trim().parse::<i64>()) {
                (Ok(a), Ok(b)) => (a, b),
                _ => continue,
            }
        } else {
            match s.parse::<i64>() {
                Ok(p) => (p, p),
                Err(_) => continue,
            }
        };
        for p in covered(Some(from), Some(to), false) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

fn get<'a>(o: &'a Node, k: &str) -> Option<&'a Node> {
    o.get(k).filter(|v| !v.is_null())
}

/// (port, name, source) of each world-open management port one AWS-style rule object opens.
fn aws_rule(o: &Node, cidr_keys: &[&str], proto_key: &str) -> Vec<(u16, &'static str, String)> {
    let sources: Vec<String> = cidr_keys
        .iter()
        .flat_map(|k| strings(get(o, k)))
        .filter(|s| is_world(s))
        .map(str::to_string)
        .collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let proto = get(o, proto_key);
    if !tcp_or_all(proto) {
        return Vec::new();
    }
    let all =
        proto.is_some_and(|p| matches!(p.as_str(), Some("-1" | "all")) || p.as_i64() == Some(-1));
    covered(num(get(o, "from_port")), num(get(o, "to_port")), all)
        .into_iter()
        .map(|(p, n)| (p, n, sources.join(", ")))
        .collect()
}

fn azure_rule(o: &Node) -> Vec<(u16, &'static str, String)> {
    let inbound = get(o, "direction")
        .and_then(Node::as_str)
        .is_none_or(|d| d.eq_ignore_ascii_case("inbound"));
    let allow = get(o, "access")
        .and_then(Node::as_str)
        .is_none_or(|a| a.eq_ignore_ascii_case("allow"));
    if !inbound || !allow || !tcp_or_all(get(o, "protocol")) {
        return Vec::new();
    }
    let mut sources: Vec<&str> = strings(get(o, "source_address_prefix"));
    sources.extend(strings(get(o, "source_address_prefixes")));
    let sources: Vec<&str> = sources.into_iter().filter(|s| is_world(s)).collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let mut ports = strings(get(o, "destination_port_range"));
    ports.extend(strings(get(o, "destination_port_ranges")));
    covered_spec(&ports)
        .into_iter()
        .map(|(p, n)| (p, n, sources.join(", ")))
        .collect()
}

fn google_firewall(a: &Node) -> Vec<(u16, &'static str, String)> {
    let ingress = get(a, "direction")
        .and_then(Node::as_str)
        .is_none_or(|d| d.eq_ignore_ascii_case("ingress"));
    if !ingress || get(a, "disabled").and_then(Node::as_bool) == Some(true) {
        return Vec::new();
    }
    let sources: Vec<&str> = strings(get(a, "source_ranges"))
        .into_iter()
        .filter(|s| is_world(s))
        .collect();
    if sources.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(allows) = get(a, "allow").and_then(Node::as_array) {
        for al in allows {
            let proto = get(al, "protocol");
            if !tcp_or_all(proto) {
                continue;
            }
            let ports = strings(get(al, "ports"));
            let spec = if ports.is_empty() { vec!["*"] } else { ports };
            for (p, n) in covered_spec(&spec) {
                out.push((p, n, sources.join(", ")));
            }
        }
    }
    out
}

fn openings(r: &ResourceChange) -> Vec<(u16, &'static str, String)> {
    let a: &Attrs = &r.after;
    let v = &a.value;
    let blocks = |key: &str| -> Vec<&Node> {
        get(v, key)
            .and_then(Node::as_array)
            .map(|x| x.iter().collect())
            .unwrap_or_default()
    };
    match r.kind.as_str() {
        "aws_security_group" | "aws_default_security_group" => blocks("ingress")
            .into_iter()
            .flat_map(|b| aws_rule(b, &["cidr_blocks", "ipv6_cidr_blocks"], "protocol"))
            .collect(),
        "aws_security_group_rule" if get(v, "type").and_then(Node::as_str) == Some("ingress") => {
            aws_rule(v, &["cidr_blocks", "ipv6_cidr_blocks"], "protocol")
        }
        "aws_vpc_security_group_ingress_rule" => {
            aws_rule(v, &["cidr_ipv4", "cidr_ipv6"], "ip_protocol")
        }
        "aws_network_acl" | "aws_default_network_acl" => blocks("ingress")
            .into_iter()
            .filter(|b| {
                get(b, "action")
                    .and_then(Node::as_str)
                    .is_none_or(|x| x == "allow")
            })
            .flat_map(|b| aws_rule(b, &["cidr_block", "ipv6_cidr_block"], "protocol"))
            .collect(),
        "aws_network_acl_rule"
            if get(v, "egress").and_then(Node::as_bool) != Some(true)
                && get(v, "rule_action")
                    .and_then(Node::as_str)
                    .is_none_or(|x| x == "allow") =>
        {
            aws_rule(v, &["cidr_block", "ipv6_cidr_block"], "protocol")
        }
        "google_compute_firewall" => google_firewall(v),
        "azurerm_network_security_rule" => azure_rule(v),
        "azurerm_network_security_group" => blocks("security_rule")
            .into_iter()
            .flat_map(azure_rule)
            .collect(),
        _ => Vec::new(),
    }
}

impl Rule for RemoteAccessOpenToWorld {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in &cx.change.resources {
            if !r.action.writes() {
                continue;
            }
            let mut seen: Vec<(u16, String)> = Vec::new();
            for (port, name, sources) in openings(r) {
                if seen.contains(&(port, sources.clone())) {
                    continue;
                }
                seen.push((port, sources.clone()));
                out.hit(
                    format!("`{}` opens {name} (port {port}) to {sources}", r.address),
                    r.address.clone(),
                    Some(r.location_or_input()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(covered(Some(0), Some(0), true).len(), 2);
        assert_eq!(covered(Some(0), Some(0), false).len(), 0);
        assert_eq!(covered(Some(20), Some(30), false), vec![(22, "SSH")]);
        assert_eq!(covered_spec(&["3000-4000"]), vec![(3389, "RDP")]);
        assert_eq!(covered_spec(&["*"]).len(), 2);
    }
}
