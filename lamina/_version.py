"""lamina's version, in one small module: the package root, saved files and the build
(``pyproject.toml``'s dynamic version) all read it here."""

__version__ = "0.1.0"
