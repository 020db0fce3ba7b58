#!/usr/bin/env python3
"""redhat-cop/rego-policies (Apache-2.0): its bats unit tests record what `conftest test` prints
for each policy. Runs each through `changegate check` and compares the failure messages."""
import json, os, re, subprocess, sys, tempfile, pathlib, yaml

ROOT = pathlib.Path(os.environ["COMPAT_LIBS"]) / "redhat-cop"
CG = os.environ.get("CHANGEGATE", "target/release/changegate")
bats = (ROOT / "_test/conftest-unittests.sh").read_text()
tests = re.findall(r'@test "([^"]+)" \{(.*?)\n\}', bats, re.S)
work = pathlib.Path(tempfile.mkdtemp())
(work / "policy.yaml").write_text(
    "roles:\n  system-owner: [alice]\n  infra-lead: [bob]\n  security-officer: [carol]\n"
    "rego:\n  v0: true\n")
agree = differ = 0
for name, body in tests:
    src = re.search(r'split_files "([^"]+)"', body).group(1)
    cmd = re.search(r'cmd="conftest test (.*?)"', body).group(1)
    ns = re.findall(r"--namespace (\S+)", cmd)
    data = re.findall(r"--data \$\{(\w+)\}", cmd)
    combine = "--combine" in cmd
    want = sorted(m for m in re.findall(r'"not ok \d+ - [^"]*? - [^ ]+ - (.*)" \]', body))
    # split_files: a List becomes its items, one document each, in a file of the same name.
    out = work / name.replace("/", "_")
    out.mkdir()
    files = []
    srcp = ROOT / src
    for f in sorted([*srcp.glob("*.yml"), *srcp.glob("*.json")]) if srcp.is_dir() else [srcp]:
        docs = []
        for d in yaml.safe_load_all(f.read_text()):
            if isinstance(d, dict) and d.get("kind") == "List":
                docs.extend(d.get("items") or [])
            elif d is not None:
                docs.append(d)
        p = out / f.name
        p.write_text(yaml.safe_dump_all(docs, sort_keys=False))
        files.append(p)
    args = [CG, "check", "--stage", "deploy", "--trust-from", "worktree", "--format", "json",
            "--policy", str(work / "policy.yaml"), "--rego", str(ROOT / "policy")]
    for var in data:
        path = re.search(var + r'="([^"]+)"', body).group(1)
        args += ["--rego", str(ROOT / path)]
    args += ["--rego-all-namespaces"] if not ns else [a for n in ns for a in ("--rego-namespace", n)]
    if combine:
        args.append("--rego-combine")
    for f in files:
        args += ["--manifests", str(f)]
    r = subprocess.run(args, capture_output=True, text=True)
    try:
        rep = json.loads(r.stdout)
    except json.JSONDecodeError:
        print(f"ERROR {name}: exit {r.returncode}: {r.stderr.strip()[:400]}")
        differ += 1
        continue
    got = sorted(f["message"] for f in rep["findings"]
                 if f["category"] == "custom" and not f["suppressed"] and f["blocking"]
                 and (f.get("location") or {}).get("path", "") != "change")
    if got == want:
        agree += 1
    else:
        differ += 1
        print(f"DIFF {name}\n  conftest:   {want}\n  changegate: {got}")
print(f"{agree} agree, {differ} differ, of {len(tests)}")
