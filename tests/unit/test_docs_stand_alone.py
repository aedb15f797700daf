"""The repository stands on its own (issue 18): every rule ID the code names is defined in
docs/rules.md, which points only at files that exist, and no document or source file points at
anything outside the repository, which a clone would not have."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES_DOC = ROOT / "docs" / "rules.md"
SKIPPED_DIRS = {".git", ".venv", "var", "node_modules", "__pycache__", ".mypy_cache"}
SKIPPED_DIRS |= {".ruff_cache", ".pytest_cache", ".hypothesis", "build", "dist"}

# TJ-4.3, EQ-3.2.2c, EQ-3.2.2a–d, TJ-6.3–6.5; a digit follows the dash, so `TJ-Hexi` (a unit's
# code) is not a rule. Local rules: LR- then capitals, digits and hyphens.
RULE_ID = re.compile(
    r"\b(?P<head>(?:TJ|EQ)-\d+(?:\.\d+)*)(?P<letter>[a-z])?"
    r"(?:–(?P<to>\d+(?:\.\d+)*|[a-z])\b)?"
    r"|\b(?P<local>LR-[A-Z0-9][A-Z0-9-]*[A-Z0-9])\b"
)
ROW = re.compile(r"^\| ((?:TJ|EQ|LR)-[^ |]+) \|(.*)\|\s*$", re.M)
ENFORCED_AT = re.compile(r"`\w+: ([\w/.-]+\.py)`")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
PARENT_PATH = re.compile(r"(?:\.\./)+[^\s`'\"()\[\],;:]*")
# Spelled in pieces so that this file does not match what it looks for.
OUTSIDE_DOCS = re.compile(r"(?<!docs/)\b(?:" + "|".join(("RULES", "DESIGN", "DEMO")) + r")\.md")
OUTSIDE_ROOT = re.compile("/" + "work/")


def _expand(match: re.Match[str]) -> set[str]:
    """The rule IDs one mention names: `EQ-3.2.2a–d` is four, `TJ-6.3–6.5` three."""
    if match["local"]:
        return {match["local"]}
    head, letter, to = match["head"], match["letter"], match["to"]
    if to is None:
        return {head + (letter or "")}
    if letter and len(to) == 1 and to.isalpha():
        return {head + chr(c) for c in range(ord(letter), ord(to) + 1)}
    stem, first = head.rsplit(".", 1)
    last = to.rsplit(".", 1)[-1]
    return {f"{stem}.{n}" for n in range(int(first), int(last) + 1)}


def rule_ids(text: str) -> set[str]:
    return {rule for match in RULE_ID.finditer(text) for rule in _expand(match)}


def defined_rules(text: str) -> dict[str, str]:
    """ID → the rest of its row, for every row of docs/rules.md's tables."""
    return {rule: rest for rule, rest in ROW.findall(text)}


def _files(*suffixes: str) -> Iterator[Path]:
    for path in ROOT.rglob("*"):
        if path.suffix in suffixes and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts):
            yield path


def code_rule_ids() -> dict[str, set[str]]:
    """Every rule ID named in services/ and shared/, in code, strings or comments → where."""
    named: dict[str, set[str]] = {}
    for top in ("services", "shared"):
        for path in _files(".py"):
            if path.relative_to(ROOT).parts[0] == top:
                for rule in rule_ids(path.read_text()):
                    named.setdefault(rule, set()).add(str(path.relative_to(ROOT)))
    return named


def documents() -> list[Path]:
    docs = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted(ROOT.glob("docs/*.md"))]
    return docs + sorted((ROOT / "deploy").rglob("*.md"))


def outside_pointers(path: Path, text: str) -> list[str]:
    """What in `text` (of the file `path`) points outside the repository."""
    found = [m.group() for m in (*OUTSIDE_DOCS.finditer(text), *OUTSIDE_ROOT.finditer(text))]
    for relative in PARENT_PATH.findall(text):
        # Read from the file's own folder, as a link or a kustomization does; a comment that
        # means the repository's root by `../shared/…` names nothing there either.
        target = (path.parent / relative).resolve()
        if not (target.is_relative_to(ROOT) and target.exists()):
            found.append(relative)
    return found


def broken_links(path: Path, text: str) -> list[str]:
    """The relative markdown links of `text` that do not lead to a file of the repository."""
    broken = []
    for link in MARKDOWN_LINK.findall(text):
        if re.match(r"^(?:[a-z]+:|#)", link):
            continue  # a URL or an anchor of the same page
        target = (path.parent / link.split("#", 1)[0]).resolve()
        if not (target.is_relative_to(ROOT) and target.exists()):
            broken.append(link)
    return broken


def test_rule_ids_are_read_from_code_as_written() -> None:
    assert rule_ids("TJ-4.3, (EQ-3.2.2a–d) EQ-4.4b. TJ-Hexi LR-SMALL-QUOTA LR-…") == {
        "TJ-4.3",
        *("EQ-3.2.2a", "EQ-3.2.2b", "EQ-3.2.2c", "EQ-3.2.2d"),
        "EQ-4.4b",
        "LR-SMALL-QUOTA",
    }
    assert rule_ids("TJ-6.3–6.5 and TJ-8.1–8.3") == {f"TJ-6.{n}" for n in (3, 4, 5)} | {
        f"TJ-8.{n}" for n in (1, 2, 3)
    }
    assert rule_ids("TJ-8.x, TJ-5 and EQ-2.2") == {"TJ-8", "TJ-5", "EQ-2.2"}


def test_every_rule_the_code_names_is_defined_in_docs_rules_md() -> None:
    defined = defined_rules(RULES_DOC.read_text())
    named = code_rule_ids()
    assert len(named) > 50  # the scan found the code's rules at all
    undefined = {rule: sorted(where)[:3] for rule, where in named.items() if rule not in defined}
    assert undefined == {}


def test_every_rule_says_where_it_is_enforced_and_that_file_exists() -> None:
    rows = defined_rules(RULES_DOC.read_text())
    assert len(rows) > 50
    missing = {rule: rest for rule, rest in rows.items() if not ENFORCED_AT.search(rest)}
    assert missing == {}
    absent = {
        (rule, file)
        for rule, rest in rows.items()
        for file in ENFORCED_AT.findall(rest)
        if not (ROOT / file).is_file()
    }
    assert absent == set()


def test_no_document_points_outside_the_repository() -> None:
    checked = documents() + [
        path for path in _files(".py", ".yaml", ".yml") if path != Path(__file__).resolve()
    ]
    assert len(checked) > 100
    outside = {}
    for path in checked:
        found = outside_pointers(path, path.read_text(errors="replace"))
        if found:
            outside[str(path.relative_to(ROOT))] = found
    assert outside == {}


def test_every_relative_markdown_link_resolves_in_the_repository() -> None:
    broken = {}
    for path in documents():
        found = broken_links(path, path.read_text())
        if found:
            broken[str(path.relative_to(ROOT))] = found
    assert broken == {}


def test_the_checks_see_what_they_look_for() -> None:
    doc = ROOT / "docs" / "x.md"
    bad = "see ../shared/X and " + "RULES" + ".md, " + "/" + "work/x; docs/rules.md is ours"
    assert outside_pointers(doc, bad) == ["RULES.md", "/work/", "../shared/X"]
    assert outside_pointers(doc, "`../../other/README.md`") == ["../../other/README.md"]
    assert outside_pointers(doc, "../README.md and ../services/registry") == []
    links = "[a](rules.md) [b](nowhere.md) [c](https://x.org/y.md) [d](#top) [e](../README.md#x)"
    assert broken_links(doc, links) == ["nowhere.md"]
