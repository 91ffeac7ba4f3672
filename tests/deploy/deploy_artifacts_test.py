#!/usr/bin/env python3
"""Checks the operator artifacts in deploy/ against the product's metrics.

  deploy_artifacts_test.py alerts    SOURCE_DIR
  deploy_artifacts_test.py dashboard SOURCE_DIR

Metric names the product exports are read from the source: every
Describe{Counter,Gauge,Histogram}("name", ...) under src/ (histograms add
_bucket, _sum and _count). PENDING lists names another component is adding;
they are accepted until they appear in the source, then this test asks for
their removal from the list.

alerts:    every rule has severity, summary, description and a runbook link
           to docs/operations.md#anchor; every containment_* name in an
           expression or annotation is a product metric; alerts_test.yaml has,
           for every alert, a case where it fires and one where it does not.
dashboard: valid JSON, schemaVersion, unique panel ids, every query panel has
           a data source and queries, every query names only product metrics.
"""
import json
import pathlib
import re
import sys

import yaml

# Exported by the seal component (src/seal), in progress elsewhere.
PENDING = set()
METRIC = re.compile(r"\bcontainment_[a-z0-9_]+\b")
RUNBOOK = re.compile(r"^docs/operations\.md#[a-z0-9]+(-[a-z0-9]+)*$")

failures = []


def fail(message):
    failures.append(message)


def product_metrics(source_dir):
    names = set()
    describe = re.compile(r'Describe(Counter|Gauge|Histogram)\(\s*"([a-z_:][a-z0-9_:]*)"')
    for path in pathlib.Path(source_dir, "src").rglob("*.cc"):
        if path.name.endswith("_test.cc"):
            continue
        for kind, name in describe.findall(path.read_text()):
            names.add(name)
            if kind == "Histogram":
                names.update({name + "_bucket", name + "_sum", name + "_count"})
    if not names:
        fail("found no Describe*(\"containment_...\") in src/: the name source moved?")
    for name in sorted(PENDING & names):
        fail(f"{name} is now exported by src/: remove it from PENDING in {__file__}")
    return names | PENDING


def check_names(where, text, known):
    for name in sorted(set(METRIC.findall(text)) - known):
        fail(f"{where}: '{name}' is not a metric the product exports")


def check_alerts(source_dir, known):
    deploy = pathlib.Path(source_dir, "deploy/prometheus")
    rules = yaml.safe_load((deploy / "alerts.yaml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    if len(alerts) < 7:
        fail(f"expected at least 7 alerts, found {len(alerts)}")
    anchors = set()
    for rule in alerts:
        name = rule["alert"]
        if not METRIC.search(rule["expr"]):
            fail(f"{name}: expression uses no containment_* metric")
        check_names(f"{name} expr", rule["expr"], known)
        if rule.get("labels", {}).get("severity") not in ("critical", "warning"):
            fail(f"{name}: severity label must be critical or warning")
        ann = rule.get("annotations", {})
        for key in ("summary", "description", "runbook"):
            if not str(ann.get(key, "")).strip():
                fail(f"{name}: missing annotation '{key}'")
        if not RUNBOOK.match(str(ann.get("runbook", ""))):
            fail(f"{name}: runbook must be docs/operations.md#<anchor>, got {ann.get('runbook')!r}")
        anchors.add(str(ann.get("runbook", "")))
        for key in ("summary", "description"):
            check_names(f"{name} {key}", str(ann.get(key, "")), known)
    if len(anchors) != len(alerts):
        fail("two alerts share a runbook anchor")

    tests = yaml.safe_load((deploy / "alerts_test.yaml").read_text())
    if tests.get("rule_files") != ["alerts.yaml"]:
        fail("alerts_test.yaml must test alerts.yaml")
    fires, quiet = set(), set()
    for case in tests["tests"]:
        for t in case.get("alert_rule_test", []):
            (fires if t.get("exp_alerts") else quiet).add(t["alertname"])
    for rule in alerts:
        if rule["alert"] not in fires:
            fail(f"alerts_test.yaml: no case where {rule['alert']} fires")
        if rule["alert"] not in quiet:
            fail(f"alerts_test.yaml: no case where {rule['alert']} stays quiet")
    print(f"{len(alerts)} alerts; runbooks: " + ", ".join(sorted(a.split("#")[1] for a in anchors)))


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def check_dashboard(source_dir, known):
    path = pathlib.Path(source_dir, "deploy/grafana/containment-chamber.json")
    try:
        dash = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        fail(f"{path}: not valid JSON: {e}")
        return
    if not isinstance(dash.get("schemaVersion"), int):
        fail("schemaVersion missing or not an integer")
    for key in ("title", "uid", "panels"):
        if not dash.get(key):
            fail(f"dashboard has no {key}")
    panels = list(walk_panels(dash.get("panels", [])))
    ids = [p.get("id") for p in panels]
    if None in ids:
        fail("a panel has no id")
    dupes = sorted({i for i in ids if i is not None and ids.count(i) > 1})
    if dupes:
        fail(f"duplicate panel ids: {dupes}")
    variables = {v["name"] for v in dash.get("templating", {}).get("list", [])}
    if "datasource" not in variables:
        fail("no 'datasource' template variable: the dashboard would be bound to one data source")
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else str(q or "")
        check_names(f"variable {v['name']}", q, known)
    queries = 0
    for p in panels:
        if p.get("type") in ("row", "text"):
            continue
        title = p.get("title", f"panel {p.get('id')}")
        if "gridPos" not in p:
            fail(f"{title}: no gridPos")
        if p.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"{title}: data source is not ${{datasource}}")
        targets = p.get("targets", [])
        if not targets:
            fail(f"{title}: no queries")
        for t in targets:
            expr = t.get("expr", "")
            queries += 1
            if not METRIC.search(expr):
                fail(f"{title}: query {t.get('refId')} uses no containment_* metric: {expr!r}")
            check_names(f"{title} query {t.get('refId')}", expr, known)
    print(f"{len(panels)} panels, {queries} queries")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("alerts", "dashboard"):
        print(__doc__, file=sys.stderr)
        return 2
    source_dir = sys.argv[2]
    known = product_metrics(source_dir)
    (check_alerts if sys.argv[1] == "alerts" else check_dashboard)(source_dir, known)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
