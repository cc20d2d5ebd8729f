"""The installed distributions, and proof that the tests exercise them rather than the checkout.

Only importlib is used here, and ``nnx`` itself is located but never imported, so these tests
say something useful even when the engine cannot be imported.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import re
from pathlib import Path

import pytest

CHECKOUT_PACKAGES = Path(__file__).resolve().parent.parent / "packages"
MODULES = {"nnx-core": "nnx", "nnx-layers": "nnx_layers", "nnx-tools": "nnx_tools"}


def _requirement_names(distribution: str) -> set[str]:
    """Normalised names of the distribution's unconditional requirements."""
    names = set()
    for requirement in metadata.requires(distribution) or []:
        if ";" in requirement:  # an extra or environment marker: not a plain runtime dependency
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def _module_origin(module: str) -> Path:
    """Where `import module` would load from (found without running the module)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"{module} is not importable"
    assert spec.origin is not None, f"{module} is a namespace package: no {module}/__init__.py"
    return Path(spec.origin).resolve()


@pytest.mark.parametrize("distribution", MODULES)
def test_distribution_is_installed(distribution):
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", metadata.version(distribution))
    assert metadata.metadata(distribution)["Requires-Python"] == ">=3.10"


@pytest.mark.parametrize("distribution", MODULES)
def test_module_is_loaded_from_the_installed_distribution(distribution):
    module = MODULES[distribution]
    origin = _module_origin(module)
    assert CHECKOUT_PACKAGES not in origin.parents, (
        f"{module} is imported from the checkout ({origin}), not from the installed wheel"
    )
    installed = {
        Path(str(f.locate())).resolve()
        for f in metadata.files(distribution) or []
        if f.name == "__init__.py"
    }
    assert origin in installed, f"{origin} is not a file of the {distribution} distribution"


def test_core_requires_numpy():
    assert "numpy" in _requirement_names("nnx-core")


@pytest.mark.parametrize("distribution", ["nnx-layers", "nnx-tools"])
def test_other_packages_require_core(distribution):
    assert "nnx-core" in _requirement_names(distribution)


@pytest.mark.parametrize("module", ["nnx_layers", "nnx_tools"])
def test_version_attribute_matches_metadata(module):
    distribution = {m: d for d, m in MODULES.items()}[module]
    assert importlib.import_module(module).__version__ == metadata.version(distribution)


@pytest.mark.parametrize("distribution", MODULES)
def test_every_source_file_is_installed(distribution):
    """The meson.build files list what a wheel holds: a new module must be listed there."""
    module = MODULES[distribution]
    folder = {"nnx-core": "core", "nnx-layers": "layers", "nnx-tools": "tools"}[distribution]
    source_root = CHECKOUT_PACKAGES / folder / module
    source = {
        str(p.relative_to(source_root))
        for pattern in ("*.py", "*.cu")
        for p in source_root.rglob(pattern)
        if "__pycache__" not in p.parts
    }
    installed_root = _module_origin(module).parent
    installed = {
        str(p.relative_to(installed_root))
        for pattern in ("*.py", "*.cu")
        for p in installed_root.rglob(pattern)
        if "__pycache__" not in p.parts
    }
    assert source <= installed, f"not installed: {sorted(source - installed)}"
