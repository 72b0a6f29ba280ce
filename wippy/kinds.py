"""The table of known registry entry kinds.

For every kind the loader needs two things:

* its **required fields**, checked when a project is loaded.  A path is dotted; it names a field of
  the entry's ``data`` unless it starts with ``meta.``.  ``a|b`` means "one of ``a`` or ``b``" (for
  documented aliases such as ``store.sql``'s ``table_name``/``table``).
* its **reference fields**: the places that hold the ID of another entry.  A bare name there is
  resolved in the entry's own namespace, ``:name`` is a built-in module, and the target must exist.
  Path segments are separated by dots; a segment ending in ``[]`` walks the items of a list, one
  ending in ``{}`` walks the values of a mapping (``imports{}``, ``contracts[].methods{}``).

Every kind also gets :data:`COMMON_REFERENCES` (the HTTP parent links in ``meta`` and the lifecycle
dependency lists), except the plain-data kinds in :data:`PLAIN_DATA_KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KindSpec", "KINDS", "LUA_KINDS", "LIBRARY_KINDS", "PLAIN_DATA_KINDS", "COMMON_REFERENCES",
    "is_known", "spec", "required_fields", "reference_fields",
]


@dataclass(frozen=True)
class KindSpec:
    """One entry kind: its name, required fields, reference fields and a short description."""
    name: str
    required: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    description: str = ""


#: Reference fields every non-plain-data kind may carry.
COMMON_REFERENCES: tuple[str, ...] = (
    "meta.server",
    "meta.router",
    "lifecycle.requires[]",
    "lifecycle.depends_on[]",
)

_LUA_REFS = ("imports{}",)

_SPECS: tuple[KindSpec, ...] = (
    # registry primitives (plain data, never handled by a kind handler)
    KindSpec("registry.entry", description="plain configuration or data"),
    KindSpec("ns.definition", description="namespace (module) definition"),
    KindSpec("ns.requirement", ("targets",), ("targets[].entry",), "a value the host fills in"),
    KindSpec("ns.dependency", ("component",), description="mounts a hub module"),

    # Lua
    KindSpec("function.lua", ("source",), _LUA_REFS + ("meta.temporal.activity.worker",),
             "stateless Lua function"),
    KindSpec("process.lua", ("source",), _LUA_REFS, "Lua actor process"),
    KindSpec("workflow.lua", ("source",), _LUA_REFS + ("meta.temporal.workflow.worker",),
             "Temporal workflow in Lua"),
    KindSpec("library.lua", ("source",), _LUA_REFS, "Lua library imported by other entries"),
    KindSpec("module.lua", (), _LUA_REFS, "Lua module surface"),
    KindSpec("function.lua.bc", (), ("fs",) + _LUA_REFS, "precompiled function"),
    KindSpec("process.lua.bc", (), ("fs",) + _LUA_REFS, "precompiled process"),
    KindSpec("workflow.lua.bc", (), ("fs",) + _LUA_REFS, "precompiled workflow"),
    KindSpec("library.lua.bc", (), ("fs",) + _LUA_REFS, "precompiled library"),

    # WASM (out of scope at runtime, but known)
    KindSpec("function.wasm", ("source",), description="WebAssembly function (binary)"),
    KindSpec("function.wat", ("source",), description="WebAssembly function (text)"),
    KindSpec("process.wasm", ("source",), description="WebAssembly process"),

    # HTTP
    KindSpec("http.service", ("addr",), ("network",), "HTTP listener"),
    KindSpec("http.router", ("meta.server",), (), "route prefix and middleware group"),
    KindSpec("http.endpoint", ("meta.router", "method", "path", "func"), ("func",),
             "HTTP route to a function"),
    KindSpec("http.static", ("meta.server", "path", "fs"), ("fs",), "static file serving"),

    # databases
    KindSpec("db.sql.sqlite", (), (), "SQLite database"),
    KindSpec("db.sql.postgres", (), (), "PostgreSQL connection pool"),
    KindSpec("db.sql.mysql", (), (), "MySQL connection pool"),
    KindSpec("db.cdc.postgres",
             ("host", "port", "database", "username", "password", "slot_name"), (),
             "Postgres logical replication source"),

    # key-value stores
    KindSpec("store.memory", (), (), "in-memory key-value store"),
    KindSpec("store.sql", ("database", "table_name|table"), ("database",),
             "key-value store in a SQL table"),
    KindSpec("store.kv.raft", ("namespace",), (), "cluster KV (Raft)"),
    KindSpec("store.kv.crdt", ("namespace",), (), "cluster KV (CRDT)"),

    # queues
    KindSpec("queue.driver.memory", (), (), "in-process queue broker"),
    KindSpec("queue.driver.amqp", (), (), "RabbitMQ queue driver"),
    KindSpec("queue.driver.sqs", ("config",), ("config",), "AWS SQS queue driver"),
    KindSpec("queue.queue", ("driver",), ("driver",), "logical queue"),
    KindSpec("queue.consumer", ("queue", "func"), ("queue", "func"), "queue to function binding"),

    # processes
    KindSpec("process.host", (), (), "process scheduler"),
    KindSpec("process.service", ("process", "host"), ("process", "host"), "supervised process"),
    KindSpec("terminal.host", (), (), "runs one process on the terminal"),
    KindSpec("pg.scope", (), (), "process-group scope"),

    # Temporal
    KindSpec("temporal.client", ("address",), (), "Temporal connection"),
    KindSpec("temporal.worker", ("client", "task_queue"), ("client",), "Temporal worker"),

    # contracts
    KindSpec("contract.definition", (), (), "contract (interface)"),
    KindSpec("contract.binding", ("contracts",),
             ("contracts[].contract", "contracts[].methods{}"), "contract implementation"),

    # security
    KindSpec("security.policy", ("policy",), (), "condition policy"),
    KindSpec("security.policy.expr", ("policy",), (), "expression policy"),
    KindSpec("security.token_store", ("store",), ("store",), "opaque token store"),

    # filesystems
    KindSpec("fs.directory", ("directory",), (), "sandboxed directory"),
    KindSpec("fs.embed", (), (), "read-only filesystem inside a pack"),

    # environment
    KindSpec("env.storage.memory", (), (), "in-memory env storage"),
    KindSpec("env.storage.file", ("file_path",), (), ".env file storage"),
    KindSpec("env.storage.os", (), (), "OS environment storage (read-only)"),
    KindSpec("env.storage.static", (), (), "static env values (read-only)"),
    KindSpec("env.storage.router", ("storages",), ("storages[]",), "chain of env storages"),
    KindSpec("env.variable", (), ("storage",), "named environment variable"),

    # templates
    KindSpec("template.set", (), (), "Jet template set"),
    KindSpec("template.jet", ("set", "source"), ("set",), "Jet template"),

    # command execution
    KindSpec("exec.native", (), (), "native command executor"),
    KindSpec("exec.docker", ("image",), (), "Docker command executor"),

    # cloud storage
    KindSpec("config.aws", ("region",), (), "AWS configuration"),
    KindSpec("cloudstorage.s3", ("config",), ("config",), "S3 bucket"),

    # overlay networks
    KindSpec("network", (), (), "base network overlay"),
    KindSpec("network.socks5", (), (), "SOCKS5 overlay"),
    KindSpec("network.tailscale", ("auth_key",), (), "Tailscale overlay"),
    KindSpec("network.i2p", (), (), "I2P overlay"),
)

#: Kinds that are plain data (never handled by a kind handler): they get no common references.
PLAIN_DATA_KINDS = frozenset({"registry.entry", "ns.definition", "ns.requirement", "ns.dependency"})

#: Kinds compiled from Lua source.
LUA_KINDS = frozenset({"function.lua", "process.lua", "workflow.lua", "library.lua", "module.lua"})

#: Kinds an ``imports`` value may name.
LIBRARY_KINDS = frozenset({"library.lua", "library.lua.bc"})

#: name -> KindSpec, for every known kind.
KINDS: dict[str, KindSpec] = {}
for _s in _SPECS:
    _refs = _s.references if _s.name in PLAIN_DATA_KINDS else _s.references + COMMON_REFERENCES
    KINDS[_s.name] = KindSpec(_s.name, _s.required, _refs, _s.description)
del _s, _refs


def is_known(kind: str) -> bool:
    """Whether ``kind`` is a known entry kind."""
    return kind in KINDS


def spec(kind: str) -> KindSpec | None:
    """The :class:`KindSpec` of ``kind``, or None for an unknown kind."""
    return KINDS.get(kind)


def required_fields(kind: str) -> tuple[str, ...]:
    """The required field paths of ``kind`` (empty for an unknown kind)."""
    s = KINDS.get(kind)
    return s.required if s else ()


def reference_fields(kind: str) -> tuple[str, ...]:
    """The reference field paths of ``kind`` (only the common ones for an unknown kind)."""
    s = KINDS.get(kind)
    return s.references if s else COMMON_REFERENCES
