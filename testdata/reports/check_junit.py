"""Reads a changegate JUnit report as the consumers do (tests/reports.rs):

    check_junit.py REPORT.xml [SCHEMA.xsd]

prints `cases failures skipped` as junitparser counts them, and validates the report against
the JUnit XSD when one is given. The `file` and `line` attributes of test cases, which GitLab,
dorny/test-reporter and mikepenz/action-junit-report read to link a case to its source, are not
declared by the XSD: they are checked to be there and then set aside before validating.
"""
import sys
import xml.etree.ElementTree as ET

import junitparser

report = sys.argv[1]
xml = junitparser.JUnitXml.fromfile(report)
cases = failures = skipped = 0
for suite in xml:
    for case in suite:
        cases += 1
        for result in case.result:
            if isinstance(result, junitparser.Failure):
                failures += 1
            elif isinstance(result, junitparser.Skipped):
                skipped += 1
print(cases, failures, skipped)

if len(sys.argv) > 2:
    import xmlschema

    tree = ET.parse(report)
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("skipped") is not None:
            assert case.get("file"), f"a finding's case without a file: {case.get('name')}"
        case.attrib.pop("file", None)
        case.attrib.pop("line", None)
    xmlschema.XMLSchema(sys.argv[2]).validate(tree)
    print("valid")
