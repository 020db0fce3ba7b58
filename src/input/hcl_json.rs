//! A `.tf` file as Conftest's `input`: the JSON form Conftest's HCL2 parser (hcl2json) gives
//! policies, so that Conftest policies written against Terraform source run unchanged.
//!
//! The shape: a block nests under its type and each label in turn, and the innermost key holds
//! a list of block bodies (`resource.aws_s3_bucket.logs[0].acl`); attributes are values. Literal
//! values, lists, objects and literal-only strings become JSON values; an expression that needs
//! evaluation (a reference, a call, an operation) becomes its source wrapped in `${…}`, and a
//! string template keeps its interpolations as `${…}` (a literal `${` is escaped as `$${`), as
//! hcl2json writes them.
//!
//! The `default` of a variable declared `sensitive = true` is masked: its value never reaches a
//! rule or a message.

use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::template::{Element, Template};
use serde_json::{Map, Value};

use super::text::LineIndex;
use crate::error::InputError;

/// The document of one parsed file (`text` is the file the body was parsed from).
pub fn document(file: &str, text: &str, body: &Body) -> Result<Value, InputError> {
    let c = Converter { file, text };
    let mut doc = c.body(body)?;
    mask_sensitive_defaults(&mut doc);
    Ok(Value::Object(doc))
}

struct Converter<'a> {
    file: &'a str,
    text: &'a str,
}

impl Converter<'_> {
    /// The source text of a span (empty when the parser kept none).
    fn source(&self, span: Option<std::ops::Range<usize>>) -> &str {
        span.and_then(|s| self.text.get(s)).unwrap_or("")
    }

    fn wrapped(&self, e: &Expression) -> Value {
        Value::String(format!("${{{}}}", self.source(e.span())))
    }

    fn body(&self, body: &Body) -> Result<Map<String, Value>, InputError> {
        let mut out = Map::new();
        // Blocks first, then attributes, as hcl2json does (an attribute wins a clash).
        for b in body.iter().filter_map(Structure::as_block) {
            self.block(b, &mut out)?;
        }
        for a in body.iter().filter_map(Structure::as_attribute) {
            out.insert(a.key.as_str().to_string(), self.expression(&a.value));
        }
        Ok(out)
    }

    fn block(&self, b: &Block, mut out: &mut Map<String, Value>) -> Result<(), InputError> {
        let clash = |what: &str| {
            let pos = b.span().map(|s| LineIndex::new(self.text).pos(s.start));
            InputError::new(
                self.file,
                pos,
                format!("block `{}` {what}", b.ident.as_str()),
            )
        };
        let mut key = b.ident.as_str().to_string();
        for label in &b.labels {
            let next = out.entry(key).or_insert_with(|| Value::Object(Map::new()));
            out = next
                .as_object_mut()
                .ok_or_else(|| clash("has labels where another block of its type has none"))?;
            key = label.as_str().to_string();
        }
        let body = Value::Object(self.body(&b.body)?);
        match out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(list) => list.push(body),
            _ => {
                return Err(clash(
                    "has no labels where another block of its type has them",
                ));
            }
        }
        Ok(())
    }

    fn expression(&self, e: &Expression) -> Value {
        match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => number(n.value()),
            Expression::String(s) => Value::String(escape_literal(s.value())),
            Expression::Array(items) => {
                Value::Array(items.iter().map(|i| self.expression(i)).collect())
            }
            Expression::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (self.key(k), self.expression(v.expr())))
                    .collect(),
            ),
            Expression::StringTemplate(t) => Value::String(self.template(t)),
            Expression::HeredocTemplate(h) => Value::String(self.template(&h.template)),
            Expression::UnaryOp(op) => match (op.operator.value(), &op.expr) {
                (UnaryOperator::Neg, Expression::Number(n)) => match number(n.value()) {
                    Value::Number(n) => negate(&n),
                    _ => self.wrapped(e),
                },
                (UnaryOperator::Not, Expression::Bool(b)) => Value::Bool(!*b.value()),
                _ => self.wrapped(e),
            },
            _ => self.wrapped(e),
        }
    }

    fn key(&self, k: &ObjectKey) -> String {
        match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => escape_literal(s.value()),
            ObjectKey::Expression(Expression::StringTemplate(t)) => self.template(t),
            // A reference is its source; hclsyntax reads a traversal from a keyword (`null.x`)
            // as an expression to evaluate, and hcl2json wraps it.
            ObjectKey::Expression(e @ Expression::Variable(_)) => self.source(e.span()).to_string(),
            ObjectKey::Expression(e @ Expression::Traversal(t)) => match t.expr {
                Expression::Variable(_) => self.source(e.span()).to_string(),
                _ => format!("${{{}}}", self.source(e.span())),
            },
            ObjectKey::Expression(Expression::HeredocTemplate(h)) => self.template(&h.template),
            // A literal key is its text (`true`, `1`, `null`); anything else is wrapped.
            ObjectKey::Expression(
                e @ (Expression::Null(_) | Expression::Bool(_) | Expression::Number(_)),
            ) => self.expression(e).to_string(),
            ObjectKey::Expression(e) => format!("${{{}}}", self.source(e.span())),
        }
    }

    /// A template as hcl2json writes it: literal parts escaped, interpolations as `${…}` of
    /// their source, directives (`%{if …}`, `%{for …}`) as written.
    fn template(&self, t: &Template) -> String {
        let mut out = String::new();
        for el in t.iter() {
            match el {
                Element::Literal(s) => out.push_str(&escape_literal(s.value())),
                Element::Interpolation(i) => {
                    out.push_str("${");
                    out.push_str(self.source(i.expr.span()));
                    out.push('}');
                }
                Element::Directive(d) => out.push_str(self.source(d.span())),
            }
        }
        out
    }
}

/// A literal `${` or `%{` is written `$${`, `%%{` in hcl2json's output, so that it is not read
/// as an interpolation.
fn escape_literal(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

pub(super) fn number(n: &hcl::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number)
    }
}

fn negate(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64().and_then(i64::checked_neg) {
        Value::from(i)
    } else {
        n.as_f64()
            .and_then(|f| serde_json::Number::from_f64(-f))
            .map_or(Value::Null, Value::Number)
    }
}

/// Whether `sensitive` is true as Terraform reads it: `true`, `"true"`, or an expression that is
/// one of those in parentheses (`(true)`, which hcl2json writes as `${(true)}`).
fn sensitive_true(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            let t = s.trim();
            let mut t = t
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(t)
                .trim();
            while let Some(inner) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
                t = inner.trim();
            }
            matches!(t, "true" | "1" | "\"true\"" | "\"1\"")
        }
        _ => false,
    }
}

/// `variable "x" { sensitive = true, default = … }`: the default is masked (a `null` default
/// says nothing and stays).
fn mask_sensitive_defaults(doc: &mut Map<String, Value>) {
    let Some(Value::Object(vars)) = doc.get_mut("variable") else {
        return;
    };
    for bodies in vars.values_mut() {
        for body in bodies.as_array_mut().into_iter().flatten() {
            let Some(body) = body.as_object_mut() else {
                continue;
            };
            let set = body.get("default").is_some_and(|d| !d.is_null());
            if sensitive_true(body.get("sensitive")) && set {
                body.insert(
                    "default".into(),
                    Value::String(crate::model::SENSITIVE.into()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        let body = hcl::edit::parser::parse_body(text).unwrap();
        document("main.tf", text, &body).unwrap()
    }

    #[test]
    fn blocks_nest_by_labels_into_lists_of_bodies() {
        let d = doc(r#"
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  tags = { owner = "ops", "team-name" = "infra" }
  versioning {
    enabled = true
  }
}
resource "aws_s3_bucket" "data" {
  count = 2
}
locals { a = 1 }
locals { b = -2.5 }
"#);
        assert_eq!(
            d["resource"]["aws_s3_bucket"]["logs"][0]["tags"],
            serde_json::json!({"owner": "ops", "team-name": "infra"})
        );
        assert_eq!(
            d["resource"]["aws_s3_bucket"]["logs"][0]["versioning"],
            serde_json::json!([{"enabled": true}])
        );
        assert_eq!(d["resource"]["aws_s3_bucket"]["data"][0]["count"], 2);
        assert_eq!(d["locals"], serde_json::json!([{"a": 1}, {"b": -2.5}]));
    }

    #[test]
    fn expressions_keep_their_source_as_hcl2json_writes_it() {
        let d = doc(r#"
resource "aws_instance" "web" {
  ami           = var.ami
  count         = length(var.zones)
  name          = "web-${var.env}-${count.index}"
  literal       = "cost: $${amount}"
  enabled       = !var.disabled
  off           = !true
  cidr_blocks   = ["0.0.0.0/0", local.office]
  user_data     = <<-EOT
    #!/bin/sh
    echo ${var.env}
  EOT
}
"#);
        let web = &d["resource"]["aws_instance"]["web"][0];
        assert_eq!(web["ami"], "${var.ami}");
        assert_eq!(web["count"], "${length(var.zones)}");
        assert_eq!(web["name"], "web-${var.env}-${count.index}");
        assert_eq!(web["literal"], "cost: $${amount}");
        assert_eq!(web["enabled"], "${!var.disabled}");
        assert_eq!(web["off"], false);
        assert_eq!(
            web["cidr_blocks"],
            serde_json::json!(["0.0.0.0/0", "${local.office}"])
        );
        assert_eq!(web["user_data"], "#!/bin/sh\necho ${var.env}\n");
    }

    #[test]
    fn object_keys_as_hcl2json_writes_them() {
        let d = doc(r#"
module "foo" {
  providers = { null.aliased = null.aliased, aws.west = aws.west, plain = aws }
  keys = { true = 1, 2 = "two", "${var.k}" = 3, (var.p) = 4 }
}
"#);
        let foo = &d["module"]["foo"][0];
        assert_eq!(
            foo["providers"],
            serde_json::json!({
                "${null.aliased}": "${null.aliased}",
                "aws.west": "${aws.west}",
                "plain": "${aws}",
            })
        );
        assert_eq!(
            foo["keys"],
            serde_json::json!({"true": 1, "2": "two", "${var.k}": 3, "${(var.p)}": 4})
        );
    }

    #[test]
    fn sensitive_defaults_are_masked() {
        let d = doc(r#"
variable "db_password" {
  type      = string
  sensitive = true
  default   = "hunter2-Pl41n"
}
variable "region" { default = "eu-west-1" }
variable "token" {
  sensitive = true
  default   = null
}
"#);
        assert_eq!(
            d["variable"]["db_password"][0]["default"],
            crate::model::SENSITIVE
        );
        assert_eq!(d["variable"]["region"][0]["default"], "eu-west-1");
        // A null default says nothing and stays null.
        assert_eq!(d["variable"]["token"][0]["default"], Value::Null);
        assert!(!d.to_string().contains("hunter2"));
    }

    #[test]
    fn a_block_with_and_without_labels_is_an_error_at_its_line() {
        let text = "thing {}\nthing \"a\" {}\n";
        let body = hcl::edit::parser::parse_body(text).unwrap();
        let e = document("main.tf", text, &body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "main.tf:2:1: block `thing` has labels where another block of its type has none"
        );
    }
}
