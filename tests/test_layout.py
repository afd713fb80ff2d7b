"""The package's layout is its pipeline: each stage imports only the stages below it, and no
module imports itself back through another."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lossdoctor"
STAGES = ["core", "read", "analyse", "words", "judge", "show", "run", "live"]  # lowest first
TOP = len(STAGES)  # the front ends and public paths at the top of the package


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else TOP


def imports(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every lossdoctor module this file imports, resolved to absolute names."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    out = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if not target.startswith("lossdoctor"):
                continue
            for alias in node.names:  # `from .read import mlflow` imports the module lossdoctor.read.mlflow
                sub = f"{target}.{alias.name}"
                out.append((node.lineno, sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists() else target))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("lossdoctor")]
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_stage_or_is_a_front_end():
    tops = {p.stem for p in PACKAGE.glob("*.py")}
    assert tops == {"__init__", "__main__", "cli", "cli_options", "keras", "lightning", "huggingface", "optuna",
                    "ray", "render", "rules"}, "a new module goes into the stage it belongs to"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(STAGES)


def test_no_stage_imports_a_stage_above_it():
    upward = []
    for path in SOURCES:
        source = module_name(path)
        for line, target in imports(path):
            if rank(target) > rank(source):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "\n".join(upward)


def test_every_stage_says_what_it_may_import_and_keeps_to_it():
    for i, stage in enumerate(STAGES):
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        said = re.search(r"May import:(.*)", doc or "", re.S)
        assert said, f"lossdoctor/{stage}/__init__.py: its docstring says what the stage may import"
        allowed = set(STAGES[:i]) if "every stage below" in said.group(1) else set(re.findall(r"`(\w+)`", said.group(1)))
        allowed = (allowed & set(STAGES)) | {stage}
        used = {rank(t) for p in (PACKAGE / stage).rglob("*.py") for _, t in imports(p) if rank(t) < TOP}
        assert {STAGES[r] for r in used} <= allowed, (stage, {STAGES[r] for r in used} - allowed)


def test_no_import_circle_between_modules():
    graph = {module_name(p): {t for _, t in imports(p, top_level_only=True)} for p in SOURCES}
    done, path = set(), []

    def visit(node):
        if node in path:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(node):] + [node]))
        if node in done or node not in graph:
            return
        path.append(node)
        for nxt in sorted(graph[node]):
            if nxt != node and not node.startswith(nxt + "."):  # a module's own package is imported first anyway
                visit(nxt)
        path.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


@pytest.mark.parametrize("public,real", [("keras", "live.keras"), ("lightning", "live.lightning"),
                                         ("huggingface", "live.huggingface"), ("optuna", "live.optuna"),
                                         ("ray", "live.ray"), ("render", "show.render"), ("rules", "judge.rules")])
def test_the_documented_paths_are_the_modules_themselves(public, real):
    """`from lossdoctor.keras import LossDoctor` (README) reaches the very module, private names and all,
    without importing its framework."""
    assert importlib.import_module(f"lossdoctor.{public}") is importlib.import_module(f"lossdoctor.{real}")


def test_the_notebook_panel_is_found_by_name():
    from lossdoctor.judge import diagnosis

    assert diagnosis.renderer(diagnosis.PANEL) is importlib.import_module("lossdoctor.show.html").diagnosis_html
