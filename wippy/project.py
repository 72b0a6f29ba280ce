"""Project loading: ``wippy.lock``, ``.wippy.yaml`` and the entry definition files.

A Wippy project is a directory with a ``wippy.lock`` (which names the source directories), an
optional ``.wippy.yaml`` (runtime configuration) and YAML definition files under the source
directories.  This module turns that into a list of :class:`EntryDef` (the registry's initial
contents) and a configuration dict, without running any Lua.

Loading an entry goes through these stages, in order:

1. parse every ``*.yaml``/``*.yml`` file under the source directories: the lock's ``src``, then
   the config's ``workspace.replacements`` directories, then unpacked vendored modules
   (``options.unpack_modules``); recursively, sorted, a directory's files before its
   subdirectories, skipping dot-directories;
2. apply the ``override:`` section of the config, then the command-line overrides;
3. drop the entries matched by ``disable:``;
4. link: write ``ns.requirement`` defaults into their targets;
5. inline ``file://`` values (read relative to the YAML file);
6. resolve relative references in the reference fields of each kind (:mod:`wippy.kinds`);
7. validate: kinds, required fields, references, ``${env:NAME}`` placeholders.

Every problem found is collected (with its file and line); entries with problems are left out of
:attr:`Project.entries`, and :meth:`Project.check` raises one :class:`ProjectError` listing them
all.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

import yaml

from . import kinds as _kinds

__all__ = [
    "Problem", "ProjectError", "InterpolationError", "EntryDef", "Project",
    "DEFAULT_CONFIG", "init_project", "load_config", "load_project", "interpolate",
    "coerce_value", "qualify_refs",
]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS: dict[str, str] = {}


class _YamlLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader (libyaml's parser when available) with a memoised implicit-tag resolver:
    tag resolution is Python code called for every node, and definition files repeat keys."""

    if not yaml.SafeLoader.yaml_path_resolvers:
        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode:
                if not implicit[0]:
                    return "tag:yaml.org,2002:str"
                tag = _PLAIN_TAGS.get(value)
                if tag is None:
                    tag = _BaseLoader.resolve(self, kind, value, implicit)
                    if len(value) < 64 and len(_PLAIN_TAGS) < 20000:
                        _PLAIN_TAGS[value] = tag
                return tag
            return "tag:yaml.org,2002:map" if kind is yaml.MappingNode else "tag:yaml.org,2002:seq"

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass


#: Built-in defaults for the config sections the runtime uses (below every config file).
DEFAULT_CONFIG: dict[str, Any] = {
    "logger": {"encoding": "console"},
    "logmanager": {"propagate_downstream": True, "stream_to_events": False, "min_level": -1},
    "security": {"strict_mode": False},
    "registry": {
        "enable_history": True,
        "history_type": "memory",
        "history_path": ".wippy/registry.db",
    },
    "lua": {"cache": {"enabled": True, "dir": ".wippy/cache/lua"}},
    "shutdown": {"timeout": "30s"},
}

_DEFAULT_SRC = "./src"
_DEFAULT_MODULES = ".wippy"


# --------------------------------------------------------------------------------------------
# problems and errors

@dataclass(frozen=True)
class Problem:
    """One thing wrong with a project: where (``file``, 1-based ``line``; 0 = unknown) and what."""
    file: str | None
    line: int
    message: str
    entry: str | None = None

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class ProjectError(Exception):
    """A project (or its configuration) cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem | str] | Problem | str):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(None, 0, str(p)) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class InterpolationError(ProjectError):
    """A ``${env:NAME}`` placeholder without a default names a variable that is not set."""

    def __init__(self, name: str, file: str | None = None, line: int = 0):
        self.name = name
        super().__init__([Problem(file, line, f"variable {name!r} is not set and has no default")])


# --------------------------------------------------------------------------------------------
# values: coercion and ${...} interpolation

_INT_RE = re.compile(r"[+-]?\d+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?\Z")
_UPPER_SNAKE = re.compile(r"[A-Z0-9_]+\Z")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_PLACEHOLDER = re.compile(r"\$\$\{|\$\{([^{}]*)\}")


def coerce_value(text: str) -> Any:
    """Coerce a command-line string by shape: ``true``/``false`` to bool, numbers to int or
    float, anything else stays a string."""
    if text == "true":
        return True
    if text == "false":
        return False
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text):
        return float(text)
    return text


def _to_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _classify_entry(inner: str) -> tuple[str, str | None] | None:
    """Entry/env semantics: ``env:NAME[|def]`` or ``NAME|def`` (upper-snake); else not ours."""
    if inner.startswith("env:"):
        name, sep, default = inner[4:].partition("|")
        return name, (default if sep else None)
    name, sep, default = inner.partition("|")
    if sep and _UPPER_SNAKE.match(name):
        return name, default
    return None


def _classify_env_only(inner: str) -> tuple[str, str | None] | None:
    if inner.startswith("env:"):
        name, sep, default = inner[4:].partition("|")
        return name, (default if sep else None)
    return None


def _classify_vars(inner: str) -> tuple[str, str | None] | None:
    if inner.startswith("env:"):
        return None
    name, sep, default = inner.partition("|")
    if _VAR_NAME.match(name):
        return name, (default if sep else None)
    return None


def _typed(value: Any, default: str | None) -> Any:
    """The value of a whole-field placeholder: a typed default makes a string value typed too."""
    if default is None or not isinstance(value, str):
        return value
    d = coerce_value(default)
    if isinstance(d, str):
        return value
    c = coerce_value(value)
    if isinstance(d, bool):
        return c if isinstance(c, bool) else value
    if isinstance(c, (int, float)) and not isinstance(c, bool):
        return float(c) if isinstance(d, float) else c
    return value


class _Missing(Exception):
    pass


def _interp_string(s: str, lookup: Callable[[str], Any], classify, escapes: bool,
                   strict: bool) -> Any:
    """Interpolate one string.  ``classify`` picks the placeholders this pass handles; the
    others stay verbatim.  ``escapes`` turns ``$${`` into ``${``.  ``strict``: an unresolved
    placeholder without a default raises :class:`_Missing` (else it stays verbatim)."""
    if "${" not in s:
        return s
    matches = list(_PLACEHOLDER.finditer(s))
    if not matches:
        return s
    if len(matches) == 1 and matches[0].group(1) is not None and matches[0].span() == (0, len(s)):
        ph = classify(matches[0].group(1))
        if ph is not None:
            name, default = ph
            value = lookup(name)
            if value is None:
                if default is None:
                    if strict:
                        raise _Missing(name)
                    return s
                return coerce_value(default)
            return _typed(value, default)
    parts: list[str] = []
    pos = 0
    for m in matches:
        parts.append(s[pos:m.start()])
        pos = m.end()
        inner = m.group(1)
        if inner is None:
            parts.append("${" if escapes else "$${")
            continue
        ph = classify(inner)
        if ph is None:
            parts.append(m.group(0))
            continue
        name, default = ph
        value = lookup(name)
        if value is None:
            if default is None:
                if strict:
                    raise _Missing(name)
                parts.append(m.group(0))
                continue
            value = default
        parts.append(_to_text(value))
    parts.append(s[pos:])
    return "".join(parts)


def _interp_tree(value: Any, fn: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return {k: _interp_tree(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_interp_tree(v, fn) for v in value]
    return value


def interpolate(value: Any, lookup: Callable[[str], Any]) -> Any:
    """Resolve ``${env:NAME}``, ``${env:NAME|default}`` and ``${NAME|default}`` (``NAME``
    upper-snake; a bare ``${VAR}`` is left as is) in every string of ``value`` (recursively
    through dicts and lists; keys are not touched), and turn ``$${`` into a literal ``${``.

    ``lookup(name)`` returns the variable's value or None.  A string that is one whole
    placeholder keeps the typed value (a default ``8080`` gives int 8080, ``true`` a bool, and a
    typed default coerces a string value too); a placeholder inside other text is formatted into
    the string.  An unresolved placeholder without a default raises :class:`InterpolationError`.
    Returns a new structure; ``value`` is not modified.
    """
    def one(s: str) -> Any:
        try:
            return _interp_string(s, lookup, _classify_entry, True, True)
        except _Missing as e:
            raise InterpolationError(str(e)) from None
    return _interp_tree(value, one)


def _env_placeholders(s: str) -> Iterator[tuple[str, str | None]]:
    """The ``${env:..}`` / ``${NAME|..}`` placeholders of ``s`` as (name, default)."""
    if "${" not in s:
        return
    for m in _PLACEHOLDER.finditer(s):
        if m.group(1) is not None:
            ph = _classify_entry(m.group(1))
            if ph is not None:
                yield ph


# --------------------------------------------------------------------------------------------
# YAML helpers

def _yaml_problem(path: str, exc: Exception) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 0
    what = getattr(exc, "problem", None) or str(exc)
    ctx = getattr(exc, "context", None)
    msg = f"invalid YAML: {what}" + (f" ({ctx})" if ctx else "")
    return Problem(path, line, msg)


_TAG = "tag:yaml.org,2002:"
_STR_TAG, _MAP_TAG, _SEQ_TAG, _MERGE_TAG = _TAG + "str", _TAG + "map", _TAG + "seq", _TAG + "merge"
_SCALAR_CTORS = yaml.constructor.SafeConstructor.yaml_constructors


class _Fallback(Exception):
    """The fast builder met something it leaves to PyYAML (merge keys, unusual tags)."""


def _build(node: yaml.Node, ctor, memo: dict) -> Any:
    """Construct the Python value of a composed node, like SafeConstructor but without its
    generic machinery (the loader's hot spot).  Aliased nodes give the same object."""
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    if type(node) is yaml.ScalarNode:
        fn = _SCALAR_CTORS.get(tag)
        if fn is None or tag in (_MAP_TAG, _SEQ_TAG):
            raise _Fallback
        return fn(ctor, node)
    done = memo.get(id(node))
    if done is not None:
        return done
    if tag == _MAP_TAG:
        out: dict = {}
        memo[id(node)] = out
        for k, v in node.value:
            ktag = k.tag
            if ktag == _STR_TAG:
                key = k.value
            elif type(k) is not yaml.ScalarNode or ktag == _MERGE_TAG:
                raise _Fallback
            else:
                key = _build(k, ctor, memo)
            out[key] = v.value if v.tag == _STR_TAG else _build(v, ctor, memo)
        return out
    if tag == _SEQ_TAG:
        lst: list = []
        memo[id(node)] = lst
        for v in node.value:
            lst.append(v.value if v.tag == _STR_TAG else _build(v, ctor, memo))
        return lst
    raise _Fallback


def _compose(text: bytes) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document into (python data, node tree) so lines can be looked up."""
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            data = _build(node, loader, {})
        except _Fallback:
            data = loader.construct_document(node)
    finally:
        loader.dispose()
    return data, node


def _read_yaml(path: str) -> Any:
    with open(path, "rb") as f:
        return yaml.load(f, Loader=_YamlLoader)


def _map_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _node_lines(node: yaml.Node, prefix: str, out: dict[str, int]) -> None:
    """Record the 1-based line of every mapping key / list item under ``node`` by dotted path."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                path = prefix + k.value
                out.setdefault(path, k.start_mark.line + 1)
                if isinstance(v, (yaml.MappingNode, yaml.SequenceNode)):
                    _node_lines(v, path + ".", out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            path = f"{prefix}{i}"
            out.setdefault(path, v.start_mark.line + 1)
            if isinstance(v, (yaml.MappingNode, yaml.SequenceNode)):
                _node_lines(v, path + ".", out)


# --------------------------------------------------------------------------------------------
# data model

@dataclass
class EntryDef:
    """One registry entry as declared in a YAML file.

    ``data`` holds everything at the entry root except ``name``, ``kind`` and ``meta``, with
    ``file://`` values inlined and relative references resolved; ``${env:..}`` placeholders stay
    raw.  ``file``/``line`` locate the entry; ``sources`` maps a dotted field path (``source``,
    ``meta.readme``, ``tls.cert``) to the file its value was read from; ``lines`` maps dotted
    field paths (as written in YAML, so data fields have no ``data.`` prefix) to their lines;
    it is filled on the first :meth:`line_of` call.
    """
    id: str
    kind: str
    meta: dict
    data: dict
    file: str
    line: int
    sources: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    #: the YAML node the lines are computed from, on first use (private)
    _node: Any = field(default=None, repr=False, compare=False)

    @property
    def namespace(self) -> str:
        return self.id.partition(":")[0]

    @property
    def name(self) -> str:
        return self.id.partition(":")[2]

    def line_of(self, path: str) -> int:
        """The line of a dotted field path (or of its closest enclosing field, or the entry)."""
        if self._node is not None:
            _node_lines(self._node, "", self.lines)
            self._node = None
        while path:
            line = self.lines.get(path)
            if line:
                return line
            path = path.rpartition(".")[0]
        return self.line


@dataclass
class Project:
    """A loaded project: its config, source dirs, valid entries (in load order) and problems."""
    root: str
    config: dict
    src_dirs: list[str]
    entries: list[EntryDef]
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}

    def get(self, entry_id: str) -> EntryDef | None:
        """The entry with this ID, or None."""
        return self._by_id.get(entry_id)

    def check(self) -> "Project":
        """Raise :class:`ProjectError` listing every problem; return self when there are none."""
        if self.problems:
            raise ProjectError(self.problems)
        return self


# --------------------------------------------------------------------------------------------
# wippy init

def init_project(root: str, src_dir: str = _DEFAULT_SRC, modules_dir: str = _DEFAULT_MODULES,
                 lock_file: str = "wippy.lock") -> str:
    """Write a new lock file (``directories: {modules, src}``) and create the source directory;
    return the lock file's path.  An existing lock file is never overwritten."""
    root = os.path.abspath(root)
    lock_path = os.path.join(root, lock_file)
    if os.path.exists(lock_path):
        raise ProjectError(Problem(lock_path, 0, "lock file already exists"))
    os.makedirs(os.path.dirname(lock_path), exist_ok=True)
    os.makedirs(os.path.join(root, src_dir), exist_ok=True)
    text = yaml.safe_dump({"directories": {"modules": modules_dir, "src": src_dir}},
                          default_flow_style=False, sort_keys=True)
    with open(lock_path, "x", encoding="utf-8") as f:
        f.write(text)
    return lock_path


# --------------------------------------------------------------------------------------------
# configuration

def _deep_merge(into: dict, other: dict) -> dict:
    """Merge ``other`` into ``into`` per leaf (mappings merge; anything else replaces)."""
    for k, v in other.items():
        cur = into.get(k)
        if isinstance(v, dict) and isinstance(cur, dict):
            _deep_merge(cur, v)
        else:
            into[k] = copy.deepcopy(v)
    return into


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _apply_profile(cfg: dict, name: str, body: Any) -> None:
    if body is None:
        return
    if not isinstance(body, dict):
        raise ProjectError(f"profile {name!r} is not a mapping")
    for key, value in body.items():
        if key == "disable" and isinstance(value, dict):
            dis = cfg.get("disable")
            if not isinstance(dis, dict):
                dis = cfg["disable"] = {}
            for dk, dv in value.items():
                base, _, op = dk.partition(".")
                if op in ("add", "remove"):
                    lst = [x for x in _as_list(dis.get(base))]
                    for item in _as_list(dv):
                        if op == "add" and item not in lst:
                            lst.append(item)
                        elif op == "remove" and item in lst:
                            lst.remove(item)
                    dis[base] = lst
                else:
                    dis[dk] = copy.deepcopy(dv)
        else:
            _deep_merge(cfg, {key: value})


def _apply_set(cfg: dict, assignment: str) -> None:
    key, sep, text = assignment.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise ProjectError(f"--set {assignment!r}: expected section.path=value")
    node = cfg
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = node[p] = {}
        node = nxt
    node[parts[-1]] = coerce_value(text)


def load_config(root: str, config_files: Iterable[str] = (), sets: Iterable[str] = (),
                profile: str | Iterable[str] | None = None) -> dict:
    """The runtime configuration: built-in defaults < config files < profiles < ``--set``.

    Without ``config_files`` the project's ``.wippy.yaml`` is read if it exists; with them, each
    named file (relative to ``root``) must exist and they merge left to right per leaf.
    ``${env:NAME}`` (``|default`` allowed) in a file is the OS environment, resolved when the
    file is read (missing without default: :class:`InterpolationError`).  ``profile`` names one
    or more entries of ``profiles:`` overlaid in order (``disable`` accepts ``namespaces.add``,
    ``.remove``, ``entries.add``, ``.remove``); ``profiles`` is removed from the result.
    ``sets`` are ``section.path=value`` strings (values coerced by shape).  Finally ``${name}``
    and ``${name|default}`` anywhere but in ``vars`` come from the merged ``vars:`` section and
    ``$${`` becomes ``${``.  The result's ``_base_dir`` is the directory relative paths are
    resolved against (the first file's directory, else ``root``).
    """
    root = os.path.abspath(root)
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    config_files = list(config_files)
    if config_files:
        files = [os.path.join(root, f) for f in config_files]
    else:
        default = os.path.join(root, ".wippy.yaml")
        files = [default] if os.path.isfile(default) else []
    base_dir = os.path.dirname(os.path.abspath(files[0])) if files else root

    for path in files:
        if not os.path.isfile(path):
            raise ProjectError(Problem(path, 0, "config file not found"))
        try:
            data = _read_yaml(path)
        except yaml.YAMLError as e:
            raise ProjectError(_yaml_problem(path, e)) from None
        except OSError as e:
            raise ProjectError(Problem(path, 0, f"cannot read config file: {e.strerror}")) from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ProjectError(Problem(path, 1, "config file is not a mapping"))

        def env_pass(s: str, _path=path) -> Any:
            try:
                return _interp_string(s, os.environ.get, _classify_env_only, False, True)
            except _Missing as e:
                raise InterpolationError(str(e), _path) from None
        _deep_merge(cfg, _interp_tree(data, env_pass))

    profiles = cfg.pop("profiles", None) or {}
    for name in _as_list(profile):
        if not isinstance(profiles, dict) or name not in profiles:
            raise ProjectError(f"unknown profile {name!r}")
        _apply_profile(cfg, name, profiles[name])

    for assignment in sets:
        _apply_set(cfg, assignment)

    variables = cfg.get("vars") if isinstance(cfg.get("vars"), dict) else {}

    def var_pass(s: str) -> Any:
        return _interp_string(s, variables.get, _classify_vars, True, False)
    cfg = {k: (v if k == "vars" else _interp_tree(v, var_pass)) for k, v in cfg.items()}
    cfg["_base_dir"] = base_dir
    return cfg


# --------------------------------------------------------------------------------------------
# project loading

def _glob_regex(pattern: str) -> re.Pattern:
    """``**`` matches anything (dots and colons too), ``*`` a run without ``.``/``:``, ``?`` one
    such character.  A trailing ``.**`` also matches the bare prefix (``legacy.**`` matches
    ``legacy``)."""
    tail = ""
    if pattern.endswith(".**"):
        pattern, tail = pattern[:-3], r"(?:\..*)?"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        c = pattern[i]
        out.append("[^.:]*" if c == "*" else "[^.:]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out) + tail + r"\Z")


def _get_path(root: Any, path: str) -> Any:
    node = root
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _set_path(root: dict, path: str, value: Any, append: bool = False) -> None:
    parts = path.split(".")
    node = root
    for p in parts[:-1]:
        nxt = node.get(p)
        if not isinstance(nxt, dict):
            nxt = node[p] = {}
        node = nxt
    if append:
        cur = node.get(parts[-1])
        cur = list(cur) if isinstance(cur, list) else ([] if cur is None else [cur])
        cur.extend(value if isinstance(value, list) else [value])
        node[parts[-1]] = cur
    else:
        node[parts[-1]] = value


def _ref_slots(node: Any, segs: list[str], prefix: str) -> Iterator[tuple[Any, Any, str]]:
    """Yield (container, key, dotted path) for every place a reference path names."""
    if not segs or not isinstance(node, dict):
        return
    seg, rest = segs[0], segs[1:]
    mode = seg[-2:] if seg.endswith(("[]", "{}")) else ""
    key = seg[:-2] if mode else seg
    if key not in node:
        return
    value = node[key]
    path = prefix + key
    if not mode:
        if rest:
            yield from _ref_slots(value, rest, path + ".")
        else:
            yield node, key, path
    elif mode == "[]":
        if isinstance(value, list):
            for i, item in enumerate(value):
                if rest:
                    yield from _ref_slots(item, rest, f"{path}.{i}.")
                else:
                    yield value, i, f"{path}.{i}"
    elif isinstance(value, dict):
        for k, item in value.items():
            if rest:
                yield from _ref_slots(item, rest, f"{path}.{k}.")
            else:
                yield value, k, f"{path}.{k}"


_REF_PLANS: dict[str, list[tuple[str, bool, list[str], str, str | None]]] = {}


def _ref_plan(kind: str) -> list[tuple[str, bool, list[str], str, str | None]]:
    """The reference paths of a kind, pre-split: (path, in meta, segments, prefix, simple key)."""
    plan = _REF_PLANS.get(kind)
    if plan is None:
        plan = []
        for ref in _kinds.reference_fields(kind):
            in_meta = ref.startswith("meta.")
            segs = (ref[5:] if in_meta else ref).split(".")
            simple = segs[0] if len(segs) == 1 and not segs[0].endswith(("[]", "{}")) else None
            plan.append((ref, in_meta, segs, "meta." if in_meta else "", simple))
        _REF_PLANS[kind] = plan
    return plan


def qualify_refs(ns: str, kind: str, meta: dict, data: dict) -> None:
    """Resolve, in place, the bare names in the reference fields of an entry of ``kind`` in
    namespace ``ns`` (``func: hello``, ``meta.router: api`` become ``ns:hello``, ``ns:api``), as
    the loader does; for entries made at runtime.  Nothing is checked: full IDs, built-in module
    names (``:name``) and ``${..}`` placeholders stay as they are."""
    for _ref, in_meta, segs, prefix, simple in _ref_plan(kind):
        root = meta if in_meta else data
        if simple is not None:
            slots: Iterable = ((root, simple, ""),) if simple in root else ()
        else:
            slots = list(_ref_slots(root, segs, prefix))
        for container, key, _path in slots:
            value = container[key]
            if isinstance(value, str) and value and ":" not in value and "${" not in value:
                container[key] = f"{ns}:{value}"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict)) and not value)


def _valid_id(entry_id: str) -> bool:
    ns, sep, name = entry_id.partition(":")
    return bool(sep and ns and name and ":" not in name)


class _Loader:
    """One project load; collects problems as it goes."""

    def __init__(self, root: str, config: dict, overrides: Iterable[str], lock_file: str):
        self.root = root
        self.config = config
        self.overrides = list(overrides)
        self.lock_file = lock_file
        self.problems: list[Problem] = []
        self.entries: list[EntryDef] = []
        self.bad: set[int] = set()          # id() of entries that have problems
        self.src_dirs: list[str] = []

    # -- helpers

    def rel(self, path: str) -> str:
        try:
            r = os.path.relpath(path, self.root)
        except ValueError:
            return path
        return path if r.startswith("..") else r

    def problem(self, file: str | None, line: int, message: str,
                entry: EntryDef | None = None) -> None:
        self.problems.append(Problem(self.rel(file) if file else None, line, message,
                                     entry.id if entry else None))
        if entry is not None:
            self.bad.add(id(entry))

    def entry_problem(self, e: EntryDef, path: str | None, message: str) -> None:
        self.problem(e.file, e.line_of(path) if path else e.line, message, e)

    # -- stage 0: the lock file and the source directories

    def read_lock(self) -> None:
        lock_path = os.path.join(self.root, self.lock_file)
        src: Any = _DEFAULT_SRC
        modules: Any = _DEFAULT_MODULES
        options: dict = {}
        lock_ok = os.path.isfile(lock_path)
        if lock_ok:
            try:
                lock = _read_yaml(lock_path)
            except yaml.YAMLError as e:
                p = _yaml_problem(lock_path, e)
                self.problem(lock_path, p.line, p.message)
                lock = None
            except OSError as e:
                self.problem(lock_path, 0, f"cannot read lock file: {e.strerror}")
                lock = None
            if lock is not None and not isinstance(lock, dict):
                self.problem(lock_path, 1, "lock file is not a mapping")
                lock = None
            if isinstance(lock, dict):
                dirs = lock.get("directories") or {}
                if isinstance(dirs, dict):
                    src = dirs.get("src") or _DEFAULT_SRC
                    modules = dirs.get("modules") or _DEFAULT_MODULES
                else:
                    self.problem(lock_path, 0, "'directories' is not a mapping")
                options = lock.get("options") if isinstance(lock.get("options"), dict) else {}
        for d in _as_list(src):
            path = os.path.normpath(os.path.join(self.root, str(d)))
            if os.path.isdir(path):
                self.src_dirs.append(path)
            elif lock_ok:
                self.problem(lock_path, 0, f"source directory {d} does not exist")
        # workspace replacements (config) and unpacked vendored modules come after src
        ws = self.config.get("workspace")
        repl = ws.get("replacements") if isinstance(ws, dict) else None
        base = self.config.get("_base_dir") or self.root
        if isinstance(repl, dict):
            for mod, path in repl.items():
                if isinstance(path, str) and path:
                    full = os.path.normpath(os.path.join(base, path))
                    if os.path.isdir(full):
                        self.src_dirs.append(full)
                    else:
                        self.problem(None, 0, f"workspace replacement for {mod}: "
                                              f"directory {path} does not exist")
        if options.get("unpack_modules"):
            vendor = os.path.join(self.root, str(modules), "vendor")
            if os.path.isdir(vendor):
                for org in sorted(os.listdir(vendor)):
                    od = os.path.join(vendor, org)
                    if os.path.isdir(od):
                        for mod in sorted(os.listdir(od)):
                            if os.path.isdir(os.path.join(od, mod)):
                                self.src_dirs.append(os.path.join(od, mod))

    # -- stage 1: definition files

    def scan(self) -> None:
        for src in self.src_dirs:
            for dirpath, dirnames, filenames in os.walk(src):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fn in sorted(filenames):
                    if fn.endswith((".yaml", ".yml")):
                        self.parse_file(os.path.join(dirpath, fn))

    def parse_file(self, path: str) -> None:
        try:
            with open(path, "rb") as f:
                text = f.read()
            data, node = _compose(text)
        except yaml.YAMLError as e:
            p = _yaml_problem(path, e)
            self.problem(path, p.line, p.message)
            return
        except OSError as e:
            self.problem(path, 0, f"cannot read: {e.strerror}")
            return
        if not isinstance(data, dict):
            return
        ns = data.get("namespace")
        if ns is None:
            if "entries" in data:
                self.problem(path, 1, "definition file has 'entries' but no 'namespace'")
            return
        ns_line = (_map_node(node, "namespace") or node).start_mark.line + 1
        if not isinstance(ns, str) or not ns or ":" in ns:
            self.problem(path, ns_line, f"malformed namespace {ns!r}")
            return
        if "entries" in data:
            raw_entries = data["entries"]
            if raw_entries is None:
                return
            seq = _map_node(node, "entries")
            if not isinstance(raw_entries, list):
                self.problem(path, seq.start_mark.line + 1 if seq else ns_line,
                             "'entries' is not a list")
                return
            items = seq.value if isinstance(seq, yaml.SequenceNode) else []
            for i, raw in enumerate(raw_entries):
                item = items[i] if i < len(items) else None
                self.add_raw(ns, raw, path, item, i)
        elif "name" in data and "kind" in data:
            raw = {k: v for k, v in data.items() if k not in ("namespace", "version")}
            self.add_raw(ns, raw, path, node, 0)

    def add_raw(self, ns: str, raw: Any, path: str, node: yaml.Node | None, index: int) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        if not isinstance(raw, dict):
            self.problem(path, line, f"entry #{index + 1} is not a mapping")
            return
        name, kind, meta = raw.get("name"), raw.get("kind"), raw.get("meta")
        if name is None or name == "":
            self.problem(path, line, f"entry #{index + 1} has no 'name'")
            return
        if not isinstance(name, str):
            self.problem(path, line, f"entry name {name!r} is not a string")
            return
        entry_id = f"{ns}:{name}"
        data = {k: v for k, v in raw.items() if k not in ("name", "kind", "meta")}
        e = EntryDef(entry_id, kind if isinstance(kind, str) else "", {}, data, path, line,
                     {}, {}, node)
        self.entries.append(e)
        if ":" in name:
            self.entry_problem(e, "name", f"malformed entry ID {entry_id!r} "
                                          "(an ID is namespace:name with exactly one colon)")
        if not isinstance(kind, str) or not kind:
            self.entry_problem(e, "kind", f"{entry_id}: missing or invalid 'kind'")
        if isinstance(meta, dict):
            e.meta = meta
        elif meta is not None:
            self.entry_problem(e, "meta", f"{entry_id}: 'meta' is not a mapping")

    def check_duplicates(self) -> None:
        first: dict[str, EntryDef] = {}
        for e in self.entries:
            prev = first.get(e.id)
            if prev is None:
                first[e.id] = e
            else:
                self.entry_problem(e, None, f"duplicate entry ID {e.id} "
                                            f"(first defined at {self.rel(prev.file)}:{prev.line})")
        self.by_id = first

    # -- stage 2: overrides

    def apply_overrides(self) -> None:
        section = self.config.get("override")
        if isinstance(section, dict):
            for key, value in section.items():
                self.override(str(key), copy.deepcopy(value), "override")
        elif section is not None:
            self.problem(None, 0, "config 'override' is not a mapping")
        for spec in self.overrides:
            key, sep, text = spec.partition("=")
            if not sep:
                self.problem(None, 0, f"override {spec!r}: expected ns:entry:field=value")
                continue
            self.override(key, coerce_value(text), "override")

    def override(self, key: str, value: Any, origin: str) -> None:
        parts = key.split(":")
        if len(parts) != 3 or not all(parts):
            self.problem(None, 0, f"{origin} {key!r}: expected ns:entry:path")
            return
        entry_id, path = f"{parts[0]}:{parts[1]}", parts[2]
        e = self.by_id.get(entry_id)
        if e is None:
            self.problem(None, 0, f"{origin} {key!r}: no entry {entry_id}")
            return
        if path == "kind":
            if not isinstance(value, str) or not value:
                self.problem(None, 0, f"{origin} {key!r}: kind must be a non-empty string")
                return
            e.kind = value
            return
        if path.startswith("meta."):
            _set_path(e.meta, path[5:], value)
        else:
            path = path[5:] if path.startswith("data.") else path
            _set_path(e.data, path, value)
            e.sources.pop(path, None)

    # -- stage 3: disable

    def apply_disable(self) -> None:
        dis = self.config.get("disable")
        if not isinstance(dis, dict):
            return
        ns_res = [_glob_regex(str(p)) for p in _as_list(dis.get("namespaces"))]
        id_res = [_glob_regex(str(p)) for p in _as_list(dis.get("entries"))]
        if not ns_res and not id_res:
            return
        keep = []
        for e in self.entries:
            if any(r.match(e.namespace) for r in ns_res) or any(r.match(e.id) for r in id_res):
                continue
            keep.append(e)
        self.entries = keep
        self.by_id = {}
        for e in keep:
            self.by_id.setdefault(e.id, e)

    # -- stage 4: link requirement defaults

    def link(self) -> None:
        for req in self.entries:
            if req.kind != "ns.requirement" or "default" not in req.data:
                continue
            for t in _as_list(req.data.get("targets")):
                if not isinstance(t, dict) or not isinstance(t.get("entry"), str):
                    continue
                tid = t["entry"] if ":" in t["entry"] else f"{req.namespace}:{t['entry']}"
                target = self.by_id.get(tid)
                path = str(t.get("path") or "").lstrip(".")
                if target is None or not path:
                    continue
                append = path.endswith("+=")
                path = path[:-2] if append else path
                value = copy.deepcopy(req.data["default"])
                if path.startswith("meta."):
                    _set_path(target.meta, path[5:], value, append)
                else:
                    _set_path(target.data, path[5:] if path.startswith("data.") else path,
                              value, append)

    # -- stage 5: file:// values

    def inline_files(self) -> None:
        cache: dict[str, str | None] = {}
        for e in self.entries:
            base = os.path.dirname(e.file)
            self._inline(e, e.data, "", base, cache)
            self._inline(e, e.meta, "meta.", base, cache)
            if e.kind in _kinds.LUA_KINDS and "source" not in e.sources:
                src = e.data.get("source")
                if isinstance(src, str) and not src.isascii():
                    # inline YAML text is Unicode; Lua source is bytes (one char per byte)
                    e.data["source"] = src.encode("utf-8").decode("latin-1")

    def _inline(self, e: EntryDef, node: Any, prefix: str, base: str, cache: dict) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in list(items):
            if isinstance(v, str):
                if v.startswith("file://"):
                    rel = v[7:]
                    full = os.path.normpath(os.path.join(base, rel))
                    if full not in cache:
                        try:
                            with open(full, "rb") as f:
                                cache[full] = f.read().decode("latin-1")
                        except OSError:
                            cache[full] = None
                    text = cache[full]
                    path = f"{prefix}{k}"
                    if text is None:
                        self.entry_problem(e, path, f"{e.id}: {path}: file not found: {rel}")
                    else:
                        node[k] = text
                        e.sources[path] = full
            elif isinstance(v, (dict, list)):
                self._inline(e, v, f"{prefix}{k}.", base, cache)

    # -- stage 6 + 7: references and validation

    def validate(self) -> None:
        env_names = set()       # ${env:NAME} names registered variables, never OS ones
        for e in self.entries:
            if e.kind == "env.variable":
                env_names.add(e.id)
                if isinstance(e.data.get("variable"), str):
                    env_names.add(e.data["variable"])
        known = self.by_id
        for e in self.entries:
            if not e.kind:
                continue
            spec = _kinds.spec(e.kind)
            if spec is None:
                self.entry_problem(e, "kind", f"{e.id}: unknown kind {e.kind!r}")
                continue
            self.resolve_refs(e, e.kind, known)
            for req in spec.required:
                alts = req.split("|")
                if all(_is_empty(_get_path(e.meta, a[5:]) if a.startswith("meta.")
                                 else _get_path(e.data, a)) for a in alts):
                    shown = " or ".join(repr(a) for a in alts)
                    self.entry_problem(e, None, f"{e.id}: {e.kind} requires {shown}")
            self.check_env(e, e.data, "", env_names)

    def resolve_refs(self, e: EntryDef, kind: str, known: dict[str, EntryDef]) -> None:
        ns = e.namespace
        for ref, in_meta, segs, prefix, simple in _ref_plan(kind):
            root = e.meta if in_meta else e.data
            if simple is not None:
                if simple not in root:
                    continue
                slots: Iterable = ((root, simple, prefix + simple),)
            else:
                slots = list(_ref_slots(root, segs, prefix))
            for container, key, path in slots:
                value = container[key]
                if not isinstance(value, str) or not value or "${" in value:
                    continue
                if value[0] == ":":
                    if len(value) == 1 or ":" in value[1:]:
                        self.entry_problem(e, path, f"{e.id}: {path}: malformed ID {value!r}")
                    continue                          # a built-in module
                if ":" not in value:
                    value = container[key] = f"{ns}:{value}"
                elif not _valid_id(value):
                    self.entry_problem(e, path, f"{e.id}: {path}: malformed ID {value!r} "
                                                "(expected namespace:name)")
                    continue
                target = known.get(value)
                if target is None:
                    self.entry_problem(e, path, f"{e.id}: {path} refers to missing entry {value}")
                elif ref == "imports{}" and target.kind not in _kinds.LIBRARY_KINDS:
                    self.entry_problem(e, path, f"{e.id}: {path}: {value} is a {target.kind}, "
                                                "not a library.lua")

    def check_env(self, e: EntryDef, node: Any, prefix: str, names: set[str]) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(v, str):
                if "${" in v:
                    for name, default in _env_placeholders(v):
                        if default is None and name not in names:
                            path = f"{prefix}{k}"
                            self.entry_problem(e, path, f"{e.id}: {path}: no env.variable "
                                                        f"{name!r} and no default (OS variables "
                                                        f"are reached through an env.variable "
                                                        f"on an env.storage.os)")
            elif isinstance(v, (dict, list)):
                self.check_env(e, v, f"{prefix}{k}.", names)

    # -- everything

    def run(self) -> Project:
        self.read_lock()
        self.scan()
        self.check_duplicates()
        self.apply_overrides()
        self.apply_disable()
        self.link()
        self.inline_files()
        self.validate()
        entries = [e for e in self.entries if id(e) not in self.bad]
        problems = sorted(self.problems, key=lambda p: (p.file or "", p.line))
        return Project(self.root, self.config, self.src_dirs, entries, problems)


def load_project(root: str, config: dict | None = None, overrides: Iterable[str] = (),
                 lock_file: str = "wippy.lock") -> Project:
    """Load the project at ``root``: read the lock file, scan the source directories and build
    the entries (see the module docstring for the stages).  ``config`` defaults to
    :func:`load_config(root) <load_config>`; its ``override:`` and ``disable:`` sections apply,
    then the ``overrides`` strings (``ns:entry:path=value``, values coerced by shape).  Problems
    are collected in :attr:`Project.problems` (call :meth:`Project.check` to raise them); entries
    with problems are left out."""
    root = os.path.abspath(root)
    if config is None:
        config = load_config(root)
    return _Loader(root, config, overrides, lock_file).run()
