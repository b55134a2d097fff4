"""The public API is listed in one place, documented, and in the API reference.

The list: ``lamina.__all__`` names the public modules (and ``Input``, ``Model``,
``Sequential``); each public module's ``__all__`` names its public objects; a
subpackage (not starting with ``_``) of a public package is public too. One explicit rule
for ``lamina.ops``: the family modules its ``__all__`` names (``numpy``, ``nn``, ``linalg``,
``image``, ``core``, ``math``, as Keras's ``keras.ops.<family>``) are public; its other modules
(topic files such as ``numpy_math.py`` or ``nn_conv.py``, which the families re-export, and
the machinery in ``operation.py``) are internal, as plain modules inside any package are. This test fails
when a public module lacks ``__all__`` or a docstring, when a name in ``__all__`` does
not exist, when a public class or function (or a public method or property of a public
class) lacks a docstring, when a docstring strays from Google style, or when a public
module has no page in the generated API reference (``docs/api``).
"""

import importlib
import inspect
import pkgutil
import re
import types

import pytest
from repo_paths import ROOT

import lamina


def public_modules():
    """``{name: module}`` for lamina and every public module, found from ``__all__``."""
    found = {"lamina": lamina}
    pending = [getattr(lamina, name) for name in lamina.__all__]
    pending = [m for m in pending if isinstance(m, types.ModuleType)]
    while pending:
        module = pending.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            if info.ispkg and not info.name.startswith("_"):
                pending.append(importlib.import_module(f"{module.__name__}.{info.name}"))
        if module.__name__ == "lamina.ops":
            named = (getattr(module, name) for name in module.__all__)
            pending += [m for m in named if isinstance(m, types.ModuleType)]
    return found


MODULES = public_modules()


def public_objects():
    """``(qualified name, object)`` for every class and function in a public ``__all__``."""
    seen = {}
    for module_name, module in MODULES.items():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                seen.setdefault(id(obj), (f"{module_name}.{name}", obj))
    return sorted(seen.values(), key=lambda item: item[0])


OBJECTS = public_objects()


def public_members(cls):
    """``(name, function or property)`` for the public methods and properties that lamina
    defines on ``cls`` or its lamina bases (those from torch or object are not ours)."""
    members = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            raw = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        target = raw.fget if isinstance(raw, property) else getattr(raw, "__func__", raw)
        if inspect.isfunction(target) and target.__module__.startswith("lamina"):
            members.append((name, raw))
    return members


def documented(cls, name, raw):
    """A member's docstring, inherited from a base class's member of the same name."""
    if isinstance(raw, property):
        if raw.__doc__:
            return raw.__doc__
        for base in cls.__mro__[1:]:
            other = base.__dict__.get(name)
            if isinstance(other, property) and other.__doc__:
                return other.__doc__
        return None
    return inspect.getdoc(getattr(cls, name))


def test_the_public_modules_are_found():
    for expected in ("lamina.layers", "lamina.models", "lamina.layers.core", "lamina.optimizers.schedules"):
        assert expected in MODULES
    assert len(OBJECTS) > 100


@pytest.mark.parametrize("module_name", sorted(MODULES))
def test_public_module_has_all_and_a_docstring(module_name):
    module = MODULES[module_name]
    assert (module.__doc__ or "").strip(), f"{module_name} has no module docstring"
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, (list, tuple)), (
        f"{module_name} has no __all__: list its public names there (it is the public API)"
    )
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, f"{module_name}.__all__ names what the module lacks: {missing}"
    assert len(set(exported)) == len(exported), f"{module_name}.__all__ repeats names"


def test_every_public_class_and_function_has_a_docstring():
    undocumented = [name for name, obj in OBJECTS if not (obj.__doc__ or "").strip()]
    assert not undocumented, f"Public names without a docstring: {undocumented}"


def test_every_public_method_and_property_has_a_docstring():
    undocumented = set()
    for qualified, cls in OBJECTS:
        if not inspect.isclass(cls):
            continue
        for name, raw in public_members(cls):
            if not (documented(cls, name, raw) or "").strip():
                undocumented.add(f"{qualified}.{name}")
    assert not undocumented, (
        f"Public methods/properties without a docstring (document the base class's method "
        f"and overrides inherit it): {sorted(undocumented)}"
    )


# Sections of other docstring styles; lamina's docstrings use Google style
# (Args: / Returns: / Raises: / Example:).
_OTHER_STYLES = re.compile(
    r"^\s*(Parameters|Returns|Raises|Examples?)\n\s*-{3,}\s*$|^\s*:(param|type|returns?|rtype|raises)\b",
    re.M,
)


def test_docstrings_use_google_style():
    strays = []
    for qualified, obj in OBJECTS:
        docs = [(qualified, obj.__doc__ or "")]
        if inspect.isclass(obj):
            docs += [(f"{qualified}.{n}", documented(obj, n, raw) or "") for n, raw in public_members(obj)]
        strays += [name for name, doc in docs if _OTHER_STYLES.search(doc)]
    assert not strays, f"Use Google style (Args:/Returns:/Raises:/Example:) in: {sorted(set(strays))}"


def test_every_public_module_has_an_api_reference_page():
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "api").rglob("*.md"))
    referenced = set(re.findall(r"^::: ([\w.]+)\s*$", pages, re.M))
    missing = sorted(set(MODULES) - referenced)
    assert not missing, (
        f"Public modules without an API reference page: {missing}. Add docs/api/<name>.md with "
        f"`::: <module>` and list it in mkdocs.yml's nav."
    )
    unknown = sorted(referenced - set(MODULES))
    assert not unknown, f"API pages document modules that are not public: {unknown}"


def test_api_reference_pages_are_in_the_navigation():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs" / "api").rglob("*.md"))
    missing = [page for page in pages if page not in config]
    assert not missing, f"API pages missing from mkdocs.yml's nav: {missing}"


def test_version_is_defined_once():
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", lamina.__version__)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "lamina._version.__version__" in pyproject
    assert not re.search(r"^version\s*=\s*\"", pyproject, re.M), "the version lives in lamina/_version.py only"


# The entry points a user types first; mypy checks their files (pyproject.toml [tool.mypy]).
TYPED_ENTRY_POINTS = [
    lamina.Sequential.__init__,
    lamina.Sequential.add,
    lamina.Sequential.pop,
    lamina.Model.compile,
    lamina.Model.fit,
    lamina.Model.evaluate,
    lamina.Model.predict,
    lamina.Model.train_on_batch,
    lamina.Model.test_on_batch,
    lamina.Model.predict_on_batch,
    lamina.Model.save,
    lamina.Model.save_weights,
    lamina.Model.load_weights,
    lamina.Model.summary,
    lamina.layers.Layer.__init__,
    lamina.layers.Layer.build,
    lamina.layers.Layer.add_weight,
    lamina.layers.Layer.get_weights,
    lamina.layers.Layer.set_weights,
    lamina.layers.Layer.get_config,
    lamina.models.load_model,
    lamina.models.save_model,
    lamina.saving.load_model,
    lamina.saving.save_model,
    lamina.datasets.get_file,
    lamina.datasets.mnist.load_data,
    lamina.datasets.fashion_mnist.load_data,
    lamina.datasets.cifar10.load_data,
    lamina.datasets.cifar100.load_data,
    lamina.datasets.imdb.load_data,
    lamina.datasets.reuters.load_data,
]


@pytest.mark.parametrize("function", TYPED_ENTRY_POINTS, ids=lambda f: f.__qualname__)
def test_public_entry_points_are_fully_annotated(function):
    signature = inspect.signature(function)
    unannotated = [
        name for name, parameter in signature.parameters.items()
        if name not in ("self", "cls") and parameter.annotation is inspect.Parameter.empty
    ]
    assert not unannotated, f"{function.__qualname__}: parameters without type hints: {unannotated}"
    assert signature.return_annotation is not inspect.Signature.empty, (
        f"{function.__qualname__} has no return type hint"
    )


def test_the_package_is_marked_typed():
    assert (ROOT / "lamina" / "py.typed").exists()
    assert 'lamina = ["py.typed"]' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
