"""Which folders hold the user's own code, beyond the default rule: the `user_code` option.

The default rule (see `workbench.source.SourceIndex.is_user_code`) counts every real file
that is not the standard library, not an installed distribution's, and not the
workbench's as the user's. The option adds or removes folders, files or packages:

- `"src/shop"`, `Path(...)`, `"shop"` (an importable module or package), a module object:
  its files count as the user's, even inside site-packages (a library being debugged);
- the same prefixed with `!` (`"!src/vendored"`, `"!shop.generated"`): its files do not.

The deepest matching entry decides; the option's entries come after those of the
`WORKBENCH_USER_CODE` environment variable (entries separated by `os.pathsep`), so for the
same folder the option wins. A kernel picks the variable up from its environment (e.g.
`env` in its kernel.json, or exported before `jupyter lab`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from workbench.errors import OptionError

__all__ = ["ENV_VAR", "Rule", "UserCodeEntry", "from_environment", "parse_entries"]

ENV_VAR: Final = "WORKBENCH_USER_CODE"
EXCLUDE: Final = "!"

UserCodeEntry = str | os.PathLike[str] | types.ModuleType
# (resolved folder or file, whether its files are the user's), in the order given.
Rule = tuple[tuple[str, bool], ...]


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _module_paths(name: str) -> list[str] | None:
    """The files or folders of the importable module `name`; None when it is not one."""
    module = sys.modules.get(name)
    if module is not None:
        return _module_object_paths(module)
    if not name.replace(".", "").replace("_", "").isalnum() or name.startswith("."):
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)
    if spec.origin and os.path.exists(spec.origin):
        return [spec.origin]
    return None


def _module_object_paths(module: types.ModuleType) -> list[str] | None:
    folders = getattr(module, "__path__", None)
    if folders:
        return list(folders)
    file = getattr(module, "__file__", None)
    return [file] if file else None


def _entry_paths(entry: UserCodeEntry, base: Path) -> list[str]:
    """Resolve one entry (without its `!`) to absolute paths.

    Raises:
        OptionError: the entry is neither an existing file or folder nor an importable module.
    """
    if isinstance(entry, types.ModuleType):
        found = _module_object_paths(entry)
        if not found:
            raise OptionError(f"user_code: module {entry.__name__} has no files")
        return [str(Path(p).resolve()) for p in found]
    text = os.fspath(entry)
    candidate = (base / Path(text).expanduser()).resolve()
    looks_like_path = os.sep in text or "/" in text or text.startswith((".", "~"))
    if candidate.exists() or looks_like_path:
        if not candidate.exists():
            raise OptionError(
                f"user_code: {_short(text)} is not an existing file or folder (from "
                f"{base}); give a path or an importable module name"
            )
        return [str(candidate)]
    found = _module_paths(text)
    if not found:
        raise OptionError(
            f"user_code: {_short(text)} is neither a file or folder (from {base}) nor an "
            "importable module; give e.g. 'src/shop', '../src' or 'shop'"
        )
    return [str(Path(p).resolve()) for p in found]


def parse_entries(entries: Iterable[object], base: str | None = None) -> Rule:
    """Resolve `user_code` entries into a rule.

    Parameters:
        entries: paths, module names or modules; a string starting with "!" removes.
        base: the folder relative paths are taken from (default: the working folder).

    Returns:
        (absolute path, is the user's) pairs in the order given.

    Raises:
        OptionError: an entry is not a path, a module name or a module.
    """
    folder = Path(base or os.getcwd())
    rule: list[tuple[str, bool]] = []
    for entry in entries:
        if not isinstance(entry, (str, os.PathLike, types.ModuleType)):
            raise OptionError(
                f"user_code: {_short(entry)} is a {type(entry).__name__}; give paths, "
                "module names or modules (prefix a string with '!' to remove)"
            )
        included = True
        if isinstance(entry, str) and entry.startswith(EXCLUDE):
            included, entry = False, entry[len(EXCLUDE) :].strip()
        rule.extend((path, included) for path in _entry_paths(entry, folder))
    return tuple(rule)


def from_environment() -> Rule:
    """The rule given by the `WORKBENCH_USER_CODE` environment variable (empty if unset).

    Raises:
        OptionError: an entry of the variable is not a path or module; the message names it.
    """
    value = os.environ.get(ENV_VAR, "")
    entries = [part.strip() for part in value.split(os.pathsep) if part.strip()]
    try:
        return parse_entries(entries)
    except OptionError as error:
        raise OptionError(f"{ENV_VAR}={_short(value)}: {error}") from None


def decide(rule: Rule, path: str) -> bool | None:
    """The verdict of the deepest entry of `rule` holding `path`; None when none does.

    For entries on the same folder, the later one wins.
    """
    best: tuple[int, bool] | None = None
    for root, included in rule:
        inside = path == root or path.startswith(root.rstrip(os.sep) + os.sep)
        if inside and (best is None or len(root) >= best[0]):
            best = (len(root), included)
    return None if best is None else best[1]
