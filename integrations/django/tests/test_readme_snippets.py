"""Every Python snippet in README.md's reference runs as written: it parses and names nothing it does not
import or define (the walk-through's blocks are run for real by test_readme_walkthrough.py)."""

import ast
import builtins
import re

from tests.live_stack import DJANGO_DIR

FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.S | re.M)


def reference_snippets() -> list[str]:
    readme = (DJANGO_DIR / "README.md").read_text()
    return [match[2] for match in FENCE.finditer(readme[readme.index("## Reference") :])]


def undefined_names(source: str) -> set[str]:
    tree = ast.parse(source)
    defined = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
            defined.update(argument.arg for argument in ast.walk(node.args) if isinstance(argument, ast.arg))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)} - defined


def test_every_reference_snippet_imports_or_defines_what_it_uses():
    snippets = reference_snippets()
    assert len(snippets) >= 4
    problems = {snippet.splitlines()[0]: undefined_names(snippet) for snippet in snippets}
    assert {first: names for first, names in problems.items() if names} == {}


def test_the_check_finds_a_missing_import():
    assert undefined_names('PDFTriggerService().purge_reports("C")') == {"PDFTriggerService"}
