"""The package's floors: imports go one way, bottom to top (docs/architecture.md).

Every import of a lamina module, at module level or inside a function, is read with
``ast`` from the source (nothing is imported). A module may import its own floor and the
floors below it; an import of a higher floor is a circle in the making, found here
before Python's import order hides it.
"""

import ast
import re

from repo_paths import PACKAGE, ROOT

#: Bottom to top: a module may import its own floor and those below. The package root
#: (``lamina/__init__.py``) sits above them all. docs/architecture.md draws this order.
FLOORS = [
    ["lamina.errors", "lamina._typing", "lamina.layouts", "lamina.tree", "lamina._version"],
    ["lamina.backend"],
    ["lamina.serialization"],
    ["lamina.activations", "lamina.initializers", "lamina.constraints", "lamina.regularizers"],
    ["lamina.variables", "lamina.random"],
    ["lamina.ops"],
    ["lamina.layers"],
    ["lamina.losses", "lamina.metrics", "lamina.optimizers", "lamina.mixed_precision", "lamina.distribute",
     "lamina.dtype_policies", "lamina.quantizers"],
    ["lamina.saving", "lamina.datasets"],
    ["lamina.callbacks"],
    ["lamina.training"],
    ["lamina.models"],
    ["lamina.applications", "lamina.utils", "lamina.config", "lamina.keras", "lamina.preprocessing",
     "lamina.distillation", "lamina.visualization"],
]

#: Function-local imports of lamina modules that break a real load-order need (two
#: modules of one package that need each other). Each carries a comment saying why;
#: raise this number only with such a reason.
MAX_LOCAL_IMPORTS = 5


def _modules():
    """``{dotted name: (path, is_package)}`` for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _resolve(name):
    """The module ``name`` lives in (``lamina.layers.Dense`` -> ``lamina.layers``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node, package):
    """The lamina modules an ``import`` / ``from ... import`` statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    return sorted({_resolve(name) for name in names if name == "lamina" or name.startswith("lamina.")} - {None})


def _imports():
    """``(module, target, line, is_local, source line, line above)`` for every lamina import."""
    found = []
    for module, (path, is_package) in MODULES.items():
        source = path.read_text(encoding="utf-8")
        where = (module, source.splitlines(), module if is_package else module.rpartition(".")[0])
        _visit(ast.parse(source, filename=str(path)), False, where, found)
    return found


def _visit(node, local, where, found):
    module, lines, package = where
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue  # annotations only: never run
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            above = lines[child.lineno - 2] if child.lineno > 1 else ""
            for target in _targets(child, package):
                found.append((module, target, child.lineno, local, lines[child.lineno - 1], above))
        _visit(child, local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)), where, found)


IMPORTS = _imports()


def floor_of(module):
    """The floor index of ``module`` (the package root is above every floor)."""
    if module == "lamina":
        return len(FLOORS)
    top = ".".join(module.split(".")[:2])
    for index, floor in enumerate(FLOORS):
        if top in floor:
            return index
    raise AssertionError(
        f"{module} is on no floor: add its package to FLOORS in tests/api/test_import_layers.py "
        "and to the diagram in docs/architecture.md."
    )


def test_every_package_is_on_a_floor():
    for module in MODULES:
        floor_of(module)


def test_no_module_imports_a_higher_floor():
    upward = [
        f"{module}:{line} imports {target} (floor {floor_of(target)} above {floor_of(module)})"
        for module, target, line, _, _, _ in IMPORTS
        if floor_of(target) > floor_of(module)
    ]
    assert not upward, (
        "Imports go one way, bottom to top (docs/architecture.md). Register with the lower "
        "floor instead (as layers register with serialization), or move the code up:\n" + "\n".join(upward)
    )


def test_packages_on_one_floor_do_not_import_each_other_in_a_circle():
    edges = {}
    for module, target, *_ in IMPORTS:
        source, dest = ".".join(module.split(".")[:2]), ".".join(target.split(".")[:2])
        if source != dest and module != "lamina" and floor_of(module) == floor_of(target):
            edges.setdefault(source, set()).add(dest)

    def reaches(start, goal, seen):
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    circles = sorted(package for package in edges if reaches(package, package, {package}))
    assert not circles, f"These packages of one floor import each other in a circle: {circles}"


def test_function_local_imports_are_few_and_each_says_why():
    local = [(module, line, text, above) for module, _, line, is_local, text, above in IMPORTS if is_local]
    statements = {(module, line): (text, above) for module, line, text, above in local}
    unexplained = [
        f"{module}:{line}: {text.strip()}"
        for (module, line), (text, above) in sorted(statements.items())
        if not re.search(r"#\s*(?!noqa)\w", text) and not re.match(r"\s*#\s*(?!noqa)\w", above)
    ]
    assert not unexplained, (
        "A function-local import of a lamina module hides a circle. Import at the top of the "
        "module; if two modules of one package truly need each other at load time, say so in "
        "a comment on the import line or the line above (# load order: ...):\n" + "\n".join(unexplained)
    )
    assert len(statements) <= MAX_LOCAL_IMPORTS, (
        f"{len(statements)} function-local lamina imports (at most {MAX_LOCAL_IMPORTS}): "
        + ", ".join(f"{module}:{line}" for module, line in sorted(statements))
    )
