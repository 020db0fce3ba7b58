#!/usr/bin/env python3
"""Conftest's own examples (Apache-2.0), the YAML ones changegate reads: OPA v1.20 (the
opa-golib-python-bindings wheel) replays `conftest test`; changegate checks the same files."""
import json, os, pathlib, re, subprocess, sys, tempfile, yaml
from opa_bindings import OpaEngine

from conftest_oracle import RULE, go_numbers

EX = pathlib.Path(os.environ["COMPAT_LIBS"]) / "conftest/examples"
CG = os.environ.get("CHANGEGATE", "target/release/changegate")
def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode): return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode): return loader.construct_sequence(node)
    return loader.construct_mapping(node)
yaml.add_multi_constructor("!", _tagged, Loader=yaml.SafeLoader)
CASES = [
    # (policy dir, files, namespaces or None for all, data dir)
    ("kubernetes/policy", ["kubernetes/deployment.yaml", "kubernetes/service.yaml", "kubernetes/deployment+service.yaml"], ["main"], None),
    ("kubernetes/policy", ["kubernetes/deployment.yaml", "kubernetes/service.yaml", "kubernetes/deployment+service.yaml"], None, None),
    ("exceptions/policy", ["exceptions/deployments.yaml"], ["main"], None),
    ("data/policy", ["data/service.yaml"], ["main"], "data/exclusions"),
    ("awssam/policy", ["awssam/lambda.yaml"], ["main"], None),
    ("compose/policy", ["compose/docker-compose.yml", "compose/docker-compose-valid.yml"], ["main"], None),
    ("kustomize/policy", ["kustomize/kustomization.yaml"], ["main"], None),
]

def oracle(policy, files, namespaces, data):
    e = OpaEngine()
    rules = {}
    for f in sorted((EX / policy).rglob("*.rego")):
        if f.name.endswith("_test.rego"): continue
        text = f.read_text()
        e.add_policy(str(f), text)
        ns = re.search(r"^package\s+([\w.]+)", text, re.M).group(1)
        for line in text.splitlines():
            m = RULE.match(line)
            if m: rules.setdefault(ns, set()).add(m.group(1))
    if data:
        for f in sorted((EX / data).rglob("*")):
            if f.suffix in (".yaml", ".yml", ".json"):
                e.add_data(yaml.safe_load(f.read_text()))
    found = set()
    for name in files:
        for doc in yaml.safe_load_all((EX / name).read_text()):
            if doc is None: continue
            doc = go_numbers(doc)
            for ns, names in sorted(rules.items()):
                if namespaces and ns not in namespaces: continue
                for rule in sorted(names):
                    bare = re.sub(r"^(deny|violation|warn)_?", "", rule)
                    if e.eval_query(f'data.{ns}.exception[_][_] == "{bare}"', doc): continue
                    for row in e.eval_query(f"x := data.{ns}.{rule}", doc):
                        for m in row["x"]:
                            msg = m if isinstance(m, str) else m.get("msg")
                            if msg is not None: found.add((name, f"{ns}.{rule}", msg))
    return found

def changegate(policy, files, namespaces, data, work):
    pol = work / "policy.yaml"
    pol.write_text("roles:\n  system-owner: [alice]\n  infra-lead: [bob]\n  security-officer: [carol]\n")
    args = [CG, "check", "--stage", "deploy", "--trust-from", "worktree", "--format", "json",
            "--policy", str(pol), "--rego", str(EX / policy)]
    args += ["--rego-all-namespaces"] if not namespaces else [a for n in namespaces for a in ("--rego-namespace", n)]
    if data:
        for f in sorted((EX / data).rglob("*")):
            if f.suffix in (".yaml", ".yml", ".json"): args += ["--rego-data", str(f)]
    for f in files: args += ["--manifests", str(EX / f)]
    r = subprocess.run(args, capture_output=True, text=True)
    try:
        rep = json.loads(r.stdout)
    except json.JSONDecodeError:
        return f"exit {r.returncode}: {r.stderr.strip()[:300]}"
    out = set()
    for f in rep["findings"]:
        if f["category"] != "custom" or f["suppressed"]: continue
        path = (f.get("location") or {}).get("path", "")
        rel = pathlib.Path(path).resolve()
        try: rel = rel.relative_to(EX.resolve()).as_posix()
        except ValueError: continue
        out.add((rel, f["rule"], f["message"]))
    return out

agree = 0
work = pathlib.Path(tempfile.mkdtemp())
for case in CASES:
    want = oracle(*case)
    got = changegate(*case, work)
    label = f"{case[0]} {case[2] or 'all namespaces'}"
    if got == want:
        agree += 1
        print(f"agree  {label}: {len(want)} messages")
    else:
        print(f"DIFFER {label}")
        if isinstance(got, str): print("  changegate:", got); continue
        for x in sorted(want - got): print("  only OPA:       ", x)
        for x in sorted(got - want): print("  only changegate:", x)
print(f"{agree} of {len(CASES)} agree")
