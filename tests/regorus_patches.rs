//! The changes changegate makes to regorus (`vendor/regorus/PATCHES.md`), each pinned by what
//! OPA answers for the same policy and input (checked against OPA v1.20).

fn eval(policy: &str, input: &str, query: &str) -> serde_json::Value {
    let mut e = regorus::Engine::new();
    e.set_strict_builtin_errors(false);
    e.add_policy("p.rego".into(), policy.into()).unwrap();
    e.set_input(regorus::Value::from_json_str(input).unwrap());
    let v = e.eval_rule(query.into()).unwrap();
    if v == regorus::Value::Undefined {
        return serde_json::Value::Null;
    }
    serde_json::from_str(&v.to_json_str().unwrap()).unwrap()
}

#[test]
fn a_package_that_imports_itself_reads_its_own_rules() {
    let p = "package kubernetes\nimport data.kubernetes\nname := input.metadata.name\n\
             deny contains m if { kubernetes.name == \"web\"; m := \"self\" }\n";
    let got = eval(
        p,
        r#"{"metadata": {"name": "web"}}"#,
        "data.kubernetes.deny",
    );
    assert_eq!(got, serde_json::json!(["self"]));
}

#[test]
fn a_partial_set_over_an_undefined_reference_is_the_empty_set() {
    let p = "package p\nvolumes contains input.spec.volumes[_]\nn := count(volumes)\n";
    assert_eq!(eval(p, r#"{"spec": {}}"#, "data.p.n"), serde_json::json!(0));
    assert_eq!(
        eval(p, r#"{"spec": {"volumes": [1, 2]}}"#, "data.p.n"),
        serde_json::json!(2)
    );
    assert_eq!(
        eval(p, r#"{"spec": "x"}"#, "data.p.volumes"),
        serde_json::json!([])
    );
}

#[test]
fn a_function_without_a_body_is_true_for_what_it_matches() {
    let p = "package p\nf(\"*\", _)\nf(a, b) if a == b\n\
             x := [f(\"*\", 1), f(2, 2)]\ny if not f(1, 2)\n";
    assert_eq!(eval(p, "{}", "data.p.x"), serde_json::json!([true, true]));
    assert_eq!(eval(p, "{}", "data.p.y"), serde_json::json!(true));
}

#[test]
fn a_negation_fails_when_a_calls_operand_is_undefined() {
    let p = "package p\nf(a) if a == 1\n\
             a if not f(input.missing)\n\
             b if not startswith(input.missing, \"x\")\n\
             c if not count(input.missing) == 1\n\
             d if not input.missing > 1\n\
             e if not input.missing == 1\n\
             g if not input.missing\n\
             h if not f(input.two)\n";
    let input = r#"{"two": 2}"#;
    for (rule, want) in [
        ("a", false),
        ("b", false),
        ("c", false),
        ("d", false),
        ("e", true),
        ("g", true),
        ("h", true),
    ] {
        let got = eval(p, input, &format!("data.p.{rule}"));
        assert_eq!(got == serde_json::json!(true), want, "rule {rule}: {got}");
    }
}

#[test]
fn sprintf_formats_as_gos_fmt() {
    let p = r#"package p
x := [
    sprintf("%d", ["200m"]),
    sprintf("%s", ["a", "b"]),
    sprintf("%s %s", ["a"]),
    sprintf("%v|%d|%s|%v", [1.5, 1.5, 1, [1, "a"]]),
    sprintf("%05d|%-5d|%+d|%x|%#x|%08.3f", [42, 42, 42, -255, 255, -3.14159]),
    sprintf("%v %v %v %v", [0.1, 0.00001, 123456.7, 1234567.5]),
    sprintf("%10s|%-4s|%.2s|%q|%t", ["abc", "ab", "abcdef", "a\"b", true]),
    sprintf("%[2]s %[1]s|%c|%", ["a", "b", 65]),
]
"#;
    assert_eq!(
        eval(p, "{}", "data.p.x"),
        serde_json::json!([
            "%!d(string=200m)",
            "a%!(EXTRA string=b)",
            "a %!s(MISSING)",
            "1.5|%!d(float64=1.5)|%!s(int64=1)|[1, \"a\"]",
            "00042|42   |+42|-ff|0xff|-003.142",
            "0.1 1e-05 123456.7 1.2345675e+06",
            "       abc|ab  |ab|\"a\\\"b\"|%!t(string=true)",
            "b a|%!c(string=b)|%!(NOVERB)",
        ])
    );
}

#[test]
fn a_builtin_error_is_undefined_unless_strict() {
    let p = "package p\nx := count(input.n)\ny if not count(input.n)\n";
    assert_eq!(
        eval(p, r#"{"n": null}"#, "data.p.x"),
        serde_json::Value::Null
    );
    assert_eq!(
        eval(p, r#"{"n": null}"#, "data.p.y"),
        serde_json::json!(true)
    );
    let mut e = regorus::Engine::new();
    e.set_strict_builtin_errors(true);
    e.add_policy("p.rego".into(), p.into()).unwrap();
    e.set_input(regorus::Value::from_json_str(r#"{"n": null}"#).unwrap());
    assert!(e.eval_rule("data.p.x".into()).is_err());
}

#[test]
fn a_v0_unification_whose_sides_share_a_variable_enumerates_the_reference() {
    let p = "package p\ny[x] { input.list[x] = x }\nz[x] { obj := {\"a\": \"a\", \"b\": \"c\"}; obj[x] = x }\n";
    let mut e = regorus::Engine::new();
    e.set_rego_v0(true);
    e.add_policy("p.rego".into(), p.into()).unwrap();
    e.set_input(regorus::Value::from_json_str(r#"{"list": [0, 5, 2]}"#).unwrap());
    let y = e.eval_rule("data.p.y".into()).unwrap();
    assert_eq!(
        y.to_json_str().unwrap().replace(char::is_whitespace, ""),
        "[0,2]"
    );
    let z = e.eval_rule("data.p.z".into()).unwrap();
    assert_eq!(
        z.to_json_str().unwrap().replace(char::is_whitespace, ""),
        "[\"a\"]"
    );
}

#[test]
fn a_local_variable_may_have_the_name_of_a_rule() {
    let p = "package p\nimport rego.v1\nc := \"rule c\"\n\
             images := [c.image | some c in input.spec.containers]\n\
             b contains x if { some c; input.spec.containers[c]; x := c }\n\
             f := c\n";
    let input = r#"{"spec": {"containers": [{"image": "i1"}]}}"#;
    assert_eq!(eval(p, input, "data.p.images"), serde_json::json!(["i1"]));
    assert_eq!(eval(p, input, "data.p.b"), serde_json::json!([0]));
    assert_eq!(eval(p, input, "data.p.f"), serde_json::json!("rule c"));
}

#[test]
fn some_in_a_scalar_iterates_over_nothing() {
    let p = "package p\nimport rego.v1\nx contains v if { some v in input.s }\ny contains v if { some k, v in input.n }\n";
    assert_eq!(
        eval(p, r#"{"s": "abc", "n": 5}"#, "data.p.x"),
        serde_json::json!([])
    );
    assert_eq!(
        eval(p, r#"{"s": "abc", "n": 5}"#, "data.p.y"),
        serde_json::json!([])
    );
}

#[test]
fn under_the_not_keyword_import_a_negation_keeps_its_operands() {
    // OPA's `future.keywords.not` negates the whole expression, undefined operands included.
    let p = "package p\nimport future.keywords.not\ndefault q := false\nq if { not input.x + input.y == input.z }\n";
    assert_eq!(eval(p, "{}", "data.p.q"), serde_json::json!(true));
    let p = "package p\ndefault q := false\nq if { not input.x + input.y == input.z }\n";
    assert_eq!(eval(p, "{}", "data.p.q"), serde_json::json!(false));
}

/// `urlquery.*` as OPA answers: Go's `QueryEscape`, `QueryUnescape`, `Values.Encode` and
/// `ParseQuery` (the encode and decode_object cases are OPA's own, urlbuiltins 0939–1076).
#[test]
fn urlquery_escapes_and_unescapes_as_go_does() {
    let q = |expr: &str| eval(&format!("package p\nx := {expr}\n"), "{}", "data.p.x");
    assert_eq!(
        q(r#"urlquery.encode("a=b+1")"#),
        serde_json::json!("a%3Db%2B1")
    );
    assert_eq!(q(r#"urlquery.encode("")"#), serde_json::json!(""));
    assert_eq!(
        q(r#"urlquery.encode("a b*~é")"#),
        serde_json::json!("a+b%2A~%C3%A9")
    );
    assert_eq!(
        q(r#"urlquery.decode("a=1&b=2")"#),
        serde_json::json!("a=1&b=2")
    );
    assert_eq!(q(r#"urlquery.decode("&&&&")"#), serde_json::json!("&&&&"));
    assert_eq!(
        q(r#"urlquery.decode("a+b%2Bc%7e#d")"#),
        serde_json::json!("a b+c~#d")
    );
    // An invalid escape is a builtin error: undefined unless strict.
    assert_eq!(q(r#"urlquery.decode("100%")"#), serde_json::Value::Null);
    assert_eq!(q(r#"urlquery.decode("%zz")"#), serde_json::Value::Null);
    assert_eq!(
        q(r#"urlquery.encode_object({"a": "b", "c": "d"})"#),
        serde_json::json!("a=b&c=d")
    );
    assert_eq!(
        q(r#"urlquery.encode_object({"a": ["b+1", "c+2"]})"#),
        serde_json::json!("a=b%2B1&a=c%2B2")
    );
    assert_eq!(
        q(r#"urlquery.encode_object({"k*": "v~ w"})"#),
        serde_json::json!("k%2A=v~+w")
    );
    assert_eq!(
        q(r#"urlquery.decode_object("a=value_a1&b=value_b&a=value_a2")"#),
        serde_json::json!({"a": ["value_a1", "value_a2"], "b": ["value_b"]})
    );
    assert_eq!(
        q(r#"urlquery.decode_object("a=value_a1&b")"#),
        serde_json::json!({"a": ["value_a1"], "b": [""]})
    );
    assert_eq!(q(r#"urlquery.decode_object("")"#), serde_json::json!({}));
    assert_eq!(
        q(r#"urlquery.decode_object("a=x+y#z&=e")"#),
        serde_json::json!({"a": ["x y#z"], "": ["e"]})
    );
    assert_eq!(
        q(r#"urlquery.decode_object("a=1;b=2")"#),
        serde_json::Value::Null
    );
    assert_eq!(
        q(r#"urlquery.decode_object("a=%zz")"#),
        serde_json::Value::Null
    );
}
