#!/usr/bin/env python3
"""Checks the README and docs/ stand on their own and their commands run.

usage: docs_test.py SOURCE_DIR BINARY

- no link or path outside the repository (../shared, /work/, "SPEC"), and every
  docs/*.md they name exists;
- every runbook anchor of deploy/prometheus/alerts.yaml is a heading of
  docs/operations.md;
- the README's first code block is exactly the newcomer's two commands;
- every `containment-chamber …` command in a sh code block of the README or
  docs/operations.md names a real subcommand and only flags it accepts.
"""
import pathlib
import re
import shlex
import subprocess
import sys

ROOT = pathlib.Path(sys.argv[1])
BINARY = sys.argv[2]
failures = []


def fail(msg):
    failures.append(msg)


def docs():
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def check_self_contained():
    for path in docs():
        text = path.read_text()
        for bad in ("../shared", "/work/", "SPEC"):
            if bad in text:
                fail(f"{path.name}: mentions {bad!r}, which is not in a clone")
        for ref in set(re.findall(r"(?<![/\w])docs/([A-Za-z0-9_-]+\.md)", text)):
            if not (ROOT / "docs" / ref).exists():
                fail(f"{path.name}: names docs/{ref}, which does not exist")


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^a-z0-9 _-]", "", s)
    return s.replace(" ", "-")


def check_runbooks():
    text = (ROOT / "docs/operations.md").read_text()
    anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    alerts = (ROOT / "deploy/prometheus/alerts.yaml").read_text()
    runbooks = re.findall(r"runbook: docs/operations\.md#([a-z0-9-]+)", alerts)
    if len(runbooks) < 7:
        fail(f"expected the seven alert runbooks, found {runbooks}")
    for anchor in runbooks:
        if anchor not in anchors:
            fail(f"alerts.yaml links docs/operations.md#{anchor}: no such heading")


def code_blocks(path):
    return re.findall(r"^```sh\n(.*?)^```", path.read_text(), re.M | re.S)


def check_readme_first_screen():
    first = code_blocks(ROOT / "README.md")[0]
    commands = [l.split("#")[0].strip() for l in first.splitlines()]
    commands = [c for c in commands if c]
    if commands != ["bash scripts/quickstart.sh", "bash scripts/test.sh"]:
        fail(f"README's first code block must be the two newcomer commands, got {commands}")


def help_text(path):
    r = subprocess.run([BINARY, *path, "--help"], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def is_subcommand(help_text_, word):
    section = re.split(r"(?i)^subcommands:", help_text_, maxsplit=1, flags=re.M)
    return len(section) == 2 and re.search(r"^\s+" + re.escape(word) + r"\b", section[1], re.M)


def check_command(where, line):
    try:
        words = shlex.split(line, comments=True)
    except ValueError as e:
        fail(f"{where}: cannot parse {line!r}: {e}")
        return
    starts = [i for i, w in enumerate(words) if w.endswith("containment-chamber")]
    if not starts:
        return
    rest = words[starts[0] + 1:]
    path = []
    rc, text = help_text(path)
    # Follow subcommands as deep as the help lists them (auth token create).
    while rest and not rest[0].startswith("-") and rc == 0 and is_subcommand(text, rest[0]):
        path.append(rest.pop(0))
        rc, text = help_text(path)
    if rc != 0:
        fail(f"{where}: `containment-chamber {' '.join(path)}` is not a command: {text[:200]}")
        return
    for w in rest:
        if w.startswith("-") and not w.startswith("--help"):
            flag = w.split("=")[0]
            if not re.search(r"(^|[\s,])" + re.escape(flag) + r"\b", text):
                fail(f"{where}: `containment-chamber {' '.join(path)}` has no flag {flag}")


def check_commands():
    count = 0
    for name in ("README.md", "docs/operations.md"):
        for block in code_blocks(ROOT / name):
            for line in block.replace("\\\n", " ").splitlines():
                if "containment-chamber" in line and not line.lstrip().startswith("#"):
                    count += 1
                    check_command(name, line)
    if count < 20:
        fail(f"expected the runbook's commands, checked only {count}")


check_self_contained()
check_runbooks()
check_readme_first_screen()
check_commands()
for f in failures:
    print("FAIL:", f)
print(f"{len(failures)} problem(s)")
sys.exit(1 if failures else 0)
