"""Project loading: lock file, config, definition files, references, overrides, problems."""

import textwrap
import time

import pytest

from wippy import kinds
from wippy.project import (
    DEFAULT_CONFIG, EntryDef, InterpolationError, Problem, ProjectError, coerce_value,
    init_project, interpolate, load_config, load_project,
)


def write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def proj(tmp_path):
    """A fresh project directory with a lock file and an empty src/."""
    init_project(tmp_path)
    return tmp_path


def load(root, **kw):
    return load_project(str(root), **kw)


def ids(project):
    return [e.id for e in project.entries]


def messages(project):
    return [str(p) for p in project.problems]


HELLO = """
    version: "1.0"
    namespace: app
    entries:
      - name: gateway
        kind: http.service
        addr: ":8080"
        lifecycle:
          auto_start: true

      - name: api
        kind: http.router
        meta:
          server: gateway
        prefix: /

      - name: hello
        kind: function.lua
        meta:
          comment: says hello
        source: file://hello.lua
        method: handler
        modules: [http, json]

      - name: hello.endpoint
        kind: http.endpoint
        meta:
          router: app:api
        method: GET
        path: /hello
        func: hello
"""


# ------------------------------------------------------------------------------------------
# init and lock


def test_init_project_writes_lock_and_src(tmp_path):
    lock = init_project(tmp_path)
    assert lock == str(tmp_path / "wippy.lock")
    import yaml
    assert yaml.safe_load((tmp_path / "wippy.lock").read_text()) == {
        "directories": {"modules": ".wippy", "src": "./src"}}
    assert (tmp_path / "src").is_dir()


def test_init_project_custom_dirs_and_refuses_overwrite(tmp_path):
    init_project(tmp_path, src_dir="./code", modules_dir="mods", lock_file="my.lock")
    assert (tmp_path / "code").is_dir()
    assert "src: ./code" in (tmp_path / "my.lock").read_text()
    before = (tmp_path / "my.lock").read_text()
    with pytest.raises(ProjectError, match="already exists"):
        init_project(tmp_path, lock_file="my.lock")
    assert (tmp_path / "my.lock").read_text() == before


def test_lock_src_dir_is_used(tmp_path):
    write(tmp_path, "wippy.lock", "directories: {modules: .wippy, src: ./code}\n")
    write(tmp_path, "code/_index.yaml", """
        namespace: app
        entries:
          - {name: cfg, kind: registry.entry, x: 1}
    """)
    write(tmp_path, "src/_index.yaml", "namespace: other\nentries: [{name: y, kind: registry.entry}]\n")
    p = load(tmp_path)
    assert p.src_dirs == [str(tmp_path / "code")]
    assert ids(p) == ["app:cfg"]


def test_missing_lock_uses_src_silently(tmp_path):
    write(tmp_path, "src/_index.yaml", "namespace: app\nentries: [{name: a, kind: registry.entry}]\n")
    p = load(tmp_path)
    assert p.problems == []
    assert ids(p) == ["app:a"]
    # no lock, no src: an empty project, no problems
    empty = tmp_path / "empty"
    empty.mkdir()
    p = load(empty)
    assert p.entries == [] and p.problems == [] and p.src_dirs == []


def test_invalid_lock_is_a_problem(tmp_path):
    write(tmp_path, "wippy.lock", "directories:\n  src: [unclosed\n")
    write(tmp_path, "src/_index.yaml", "namespace: app\nentries: [{name: a, kind: registry.entry}]\n")
    p = load(tmp_path)
    assert len(p.problems) == 1
    assert p.problems[0].file == "wippy.lock"
    assert p.problems[0].line >= 2
    assert "invalid YAML" in p.problems[0].message
    assert ids(p) == ["app:a"]           # falls back to ./src, so the rest is still checked


def test_lock_naming_missing_src_dir(tmp_path):
    write(tmp_path, "wippy.lock", "directories: {src: ./nowhere}\n")
    p = load(tmp_path)
    assert [pr.message for pr in p.problems] == ["source directory ./nowhere does not exist"]


# ------------------------------------------------------------------------------------------
# definition files


def test_hello_project(proj):
    write(proj, "src/_index.yaml", HELLO)
    write(proj, "src/hello.lua", "return {handler = function() return 'hi' end}\n")
    p = load(proj).check()
    assert ids(p) == ["app:gateway", "app:api", "app:hello", "app:hello.endpoint"]
    gw, api, hello, ep = p.entries
    assert all(isinstance(e, EntryDef) for e in p.entries)
    assert gw.kind == "http.service" and gw.data == {"addr": ":8080",
                                                     "lifecycle": {"auto_start": True}}
    assert gw.meta == {}
    assert api.meta == {"server": "app:gateway"}         # relative ref resolved
    assert hello.meta == {"comment": "says hello"}
    assert hello.data["source"] == "return {handler = function() return 'hi' end}\n"
    assert hello.data["method"] == "handler" and hello.data["modules"] == ["http", "json"]
    assert "name" not in hello.data and "kind" not in hello.data and "meta" not in hello.data
    assert hello.sources == {"source": str(proj / "src" / "hello.lua")}
    assert ep.data["func"] == "app:hello" and ep.meta["router"] == "app:api"
    assert gw.file == str(proj / "src" / "_index.yaml")
    assert (gw.line, api.line, hello.line, ep.line) == (4, 10, 16, 24)
    assert hello.line_of("method") == 21
    assert hello.line_of("meta.comment") == 19
    assert hello.line_of("modules.1") == 22
    assert hello.line_of("nothing.here") == hello.line
    assert p.get("app:hello") is hello and p.get("app:nope") is None
    assert (hello.namespace, hello.name) == ("app", "hello")


def test_recursive_sorted_scan_and_single_entry_files(proj):
    write(proj, "src/b/_index.yaml", "namespace: b\nentries: [{name: x, kind: registry.entry}]\n")
    write(proj, "src/a/z.yml", "namespace: a\nentries: [{name: z, kind: registry.entry}]\n")
    write(proj, "src/a/deep/er/e.yaml", "namespace: a.deep\nentries: [{name: e, kind: registry.entry}]\n")
    write(proj, "src/a/single.yaml", """
        version: "1.0"
        namespace: a
        name: single
        kind: registry.entry
        meta: {type: config}
        value: 42
    """)
    write(proj, "src/_index.yaml", "namespace: root\nentries: [{name: r, kind: registry.entry}]\n")
    # not definition files: ignored
    write(proj, "src/a/openapi.yaml", "openapi: 3.0.0\ninfo: {title: x}\n")
    write(proj, "src/a/list.yaml", "- 1\n- 2\n")
    write(proj, "src/a/notes.txt", "namespace: nope\n")
    write(proj, "src/.hidden/_index.yaml", "namespace: hidden\nentries: [{name: h, kind: registry.entry}]\n")
    p = load(proj).check()
    assert ids(p) == ["root:r", "a:single", "a:z", "a.deep:e", "b:x"]   # files, then subdirs
    single = p.get("a:single")
    assert single.meta == {"type": "config"} and single.data == {"value": 42}
    assert single.line == 1


def test_entries_without_namespace_is_a_problem(proj):
    write(proj, "src/x.yaml", "entries:\n  - {name: a, kind: registry.entry}\n")
    p = load(proj)
    assert messages(p) == ["src/x.yaml:1: definition file has 'entries' but no 'namespace'"]


def test_file_refs_anywhere_relative_to_yaml(proj):
    write(proj, "src/mod/_index.yaml", """
        namespace: mod
        entries:
          - name: definition
            kind: ns.definition
            readme: file://README.md
            wiki:
              page_path: file://docs/page.md
          - name: lib
            kind: library.lua
            source: file://../shared/lib.lua
    """)
    write(proj, "src/mod/README.md", "# hi\n")
    write(proj, "src/mod/docs/page.md", "page\n")
    write(proj, "src/shared/lib.lua", b"return '\xff\xfe caf\xc3\xa9'\n")
    p = load(proj).check()
    d, lib = p.entries
    assert d.data == {"readme": "# hi\n", "wiki": {"page_path": "page\n"}}
    assert d.sources == {"readme": str(proj / "src/mod/README.md"),
                         "wiki.page_path": str(proj / "src/mod/docs/page.md")}
    # bytes survive as latin-1 characters
    assert lib.data["source"] == "return '\xff\xfe caf\xc3\xa9'\n"
    assert lib.data["source"].encode("latin-1") == b"return '\xff\xfe caf\xc3\xa9'\n"
    assert lib.sources["source"] == str(proj / "src/shared/lib.lua")


def test_inline_lua_source_is_bytes_as_latin1(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - name: f
            kind: function.lua
            source: |
              return "café"
    """)
    p = load(proj).check()
    assert p.entries[0].data["source"] == 'return "café"\n'.encode("utf-8").decode("latin-1")
    assert p.entries[0].sources == {}


def test_missing_file_ref_is_a_problem(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - name: f
            kind: function.lua
            source: file://nope.lua
            method: main
          - name: ok
            kind: registry.entry
    """)
    p = load(proj)
    assert messages(p) == ["src/_index.yaml:5: app:f: source: file not found: nope.lua"]
    assert ids(p) == ["app:ok"]
    with pytest.raises(ProjectError) as ei:
        p.check()
    assert str(ei.value) == "src/_index.yaml:5: app:f: source: file not found: nope.lua"


def test_lua_kinds_method_optional_source_required(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: f, kind: function.lua, source: "return 1"}
          - {name: p, kind: process.lua, source: "return 1"}
          - {name: w, kind: workflow.lua, source: "return 1"}
          - {name: l, kind: library.lua, source: "return {}"}
          - {name: nosrc, kind: function.lua, method: main}
          - {name: libnosrc, kind: library.lua}
    """)
    p = load(proj)
    assert ids(p) == ["app:f", "app:p", "app:w", "app:l"]
    assert messages(p) == [
        "src/_index.yaml:7: app:nosrc: function.lua requires 'source'",
        "src/_index.yaml:8: app:libnosrc: library.lua requires 'source'",
    ]


# ------------------------------------------------------------------------------------------
# references


def test_reference_resolution(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: db, kind: db.sql.sqlite, file: ":memory:"}
          - {name: host, kind: process.host}
          - {name: worker, kind: process.lua, source: "return 1", method: main}
          - name: svc
            kind: process.service
            process: worker
            host: app:host
            lifecycle:
              requires: [db, "other:thing"]
              depends_on: [db]
          - {name: kv, kind: store.sql, database: db, table_name: kv}
          - {name: drv, kind: queue.driver.memory}
          - {name: jobs, kind: queue.queue, driver: drv}
          - {name: handler, kind: function.lua, source: "return 1", imports: {j: ":json", u: app.lib:util}}
          - {name: cons, kind: queue.consumer, queue: jobs, func: handler}
          - name: greeter
            kind: contract.definition
            methods: [{name: greet}]
          - name: impl
            kind: contract.binding
            contracts:
              - contract: greeter
                default: true
                methods: {greet: handler, other: app.lib:util_fn}
    """)
    write(proj, "src/lib/_index.yaml", """
        namespace: app.lib
        entries:
          - {name: util, kind: library.lua, source: "return {}"}
          - {name: util_fn, kind: function.lua, source: "return 1"}
    """)
    write(proj, "src/other/_index.yaml", "namespace: other\nentries: [{name: thing, kind: registry.entry}]\n")
    p = load(proj).check()
    svc = p.get("app:svc")
    assert svc.data["process"] == "app:worker" and svc.data["host"] == "app:host"
    assert svc.data["lifecycle"] == {"requires": ["app:db", "other:thing"], "depends_on": ["app:db"]}
    assert p.get("app:kv").data["database"] == "app:db"
    assert p.get("app:jobs").data["driver"] == "app:drv"
    assert p.get("app:cons").data == {"queue": "app:jobs", "func": "app:handler"}
    assert p.get("app:handler").data["imports"] == {"j": ":json", "u": "app.lib:util"}
    assert p.get("app:impl").data["contracts"][0] == {
        "contract": "app:greeter", "default": True,
        "methods": {"greet": "app:handler", "other": "app.lib:util_fn"}}


def test_non_reference_fields_are_not_resolved(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: pg, kind: db.sql.postgres, host: localhost, database: appdb}
          - {name: cfg, kind: registry.entry, func: notaref, meta: {router: x}}
    """)
    p = load(proj).check()
    assert p.get("app:pg").data == {"host": "localhost", "database": "appdb"}
    assert p.get("app:cfg").data == {"func": "notaref"}
    assert p.get("app:cfg").meta == {"router": "x"}


def test_reference_problems(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - name: ep
            kind: http.endpoint
            meta:
              router: app:nope
            method: GET
            path: /x
            func: missing_fn
          - name: f
            kind: function.lua
            source: "return 1"
            imports:
              a: ":json"
              b: notalib
              c: gone
          - {name: notalib, kind: function.lua, source: "return 1"}
          - {name: bad, kind: queue.queue, driver: "a:b:c"}
    """)
    p = load(proj)
    assert messages(p) == [
        "src/_index.yaml:6: app:ep: meta.router refers to missing entry app:nope",
        "src/_index.yaml:9: app:ep: func refers to missing entry app:missing_fn",
        "src/_index.yaml:15: app:f: imports.b: app:notalib is a function.lua, not a library.lua",
        "src/_index.yaml:16: app:f: imports.c refers to missing entry app:gone",
        "src/_index.yaml:18: app:bad: driver: malformed ID 'a:b:c' (expected namespace:name)",
    ]
    assert ids(p) == ["app:notalib"]


# ------------------------------------------------------------------------------------------
# problems


def test_all_problems_reported_together_with_file_and_line(proj):
    write(proj, "src/a/_index.yaml", """
        namespace: a
        entries:
          - name: one
            kind: registry.entry

          - name: two
            kind: made.up.kind
    """)
    write(proj, "src/b/_index.yaml", """
        namespace: b
        entries:
          - name: srv
            kind: http.service
            lifecycle: {auto_start: true}
          - name: one
            kind: registry.entry
    """)
    write(proj, "src/c/_index.yaml", "namespace: c\nentries:\n  - name: x\n    kind: [oops\n")
    write(proj, "src/d/_index.yaml", """
        namespace: a
        entries:
          - name: one
            kind: registry.entry
          - name: "x:y"
            kind: registry.entry
          - kind: registry.entry
          - just a string
    """)
    p = load(proj)
    got = messages(p)
    assert got == [
        "src/a/_index.yaml:7: a:two: unknown kind 'made.up.kind'",
        "src/b/_index.yaml:3: b:srv: http.service requires 'addr'",
        got[2],
        "src/d/_index.yaml:3: duplicate entry ID a:one (first defined at src/a/_index.yaml:3)",
        "src/d/_index.yaml:5: malformed entry ID 'a:x:y' "
        "(an ID is namespace:name with exactly one colon)",
        "src/d/_index.yaml:7: entry #3 has no 'name'",
        "src/d/_index.yaml:8: entry #4 is not a mapping",
    ]
    assert got[2].startswith("src/c/_index.yaml:4: invalid YAML") \
        or got[2].startswith("src/c/_index.yaml:5: invalid YAML")
    assert ids(p) == ["a:one", "b:one"]
    with pytest.raises(ProjectError) as ei:
        p.check()
    assert str(ei.value).splitlines() == got
    assert ei.value.problems == p.problems
    assert all(isinstance(x, Problem) for x in ei.value.problems)


def test_problem_str():
    assert str(Problem("src/_index.yaml", 12, "boom")) == "src/_index.yaml:12: boom"
    assert str(Problem("wippy.lock", 0, "boom")) == "wippy.lock: boom"
    assert str(Problem(None, 0, "boom")) == "boom"
    assert str(ProjectError([Problem("a", 1, "x"), Problem("b", 2, "y")])) == "a:1: x\nb:2: y"


def test_required_fields_per_kind(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: r, kind: http.router}
          - {name: ep, kind: http.endpoint, meta: {router: r}}
          - {name: st, kind: store.sql, database: db, table: kv}
          - {name: st2, kind: store.sql, database: db}
          - {name: db, kind: db.sql.sqlite, file: x.db}
          - {name: c, kind: queue.consumer, queue: ""}
    """)
    p = load(proj)
    assert messages(p) == [
        "src/_index.yaml:3: app:r: http.router requires 'meta.server'",
        "src/_index.yaml:4: app:ep: http.endpoint requires 'method'",
        "src/_index.yaml:4: app:ep: http.endpoint requires 'path'",
        "src/_index.yaml:4: app:ep: http.endpoint requires 'func'",
        "src/_index.yaml:6: app:st2: store.sql requires 'table_name' or 'table'",
        "src/_index.yaml:8: app:c: queue.consumer requires 'queue'",
        "src/_index.yaml:8: app:c: queue.consumer requires 'func'",
    ]
    assert "app:st" in ids(p)


def test_env_placeholders_checked_but_kept_raw(proj, monkeypatch):
    monkeypatch.setenv("WIPPY_TEST_SET", "1")
    monkeypatch.setenv("WIPPY_TEST_RAW", "1")
    monkeypatch.delenv("WIPPY_TEST_UNSET", raising=False)
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: port_var, kind: env.variable, variable: PORT_VAR, storage: os}
          - {name: os, kind: env.storage.os}
          - {name: set_var, kind: env.variable, variable: WIPPY_TEST_SET, storage: os}
          - name: ok
            kind: registry.entry
            a: ${env:WIPPY_TEST_SET}
            b: ${env:PORT_VAR}
            c: ${env:app:port_var}
            d: "x ${env:WIPPY_TEST_UNSET|def} y"
            e: ${WIPPY_TEST_UNSET|3}
            f: $${env:WIPPY_TEST_UNSET}
            g: ${WIPPY_TEST_UNSET}
          - name: bad
            kind: registry.entry
            nested:
              list: ["ok", "${env:WIPPY_TEST_UNSET}"]
          - name: raw                 # set in the OS, but no variable names it
            kind: registry.entry
            v: ${env:WIPPY_TEST_RAW}
    """)
    p = load(proj)
    assert messages(p) == [
        "src/_index.yaml:18: app:bad: nested.list.1: no env.variable 'WIPPY_TEST_UNSET' and no "
        "default (OS variables are reached through an env.variable on an env.storage.os)",
        "src/_index.yaml:21: app:raw: v: no env.variable 'WIPPY_TEST_RAW' and no default (OS "
        "variables are reached through an env.variable on an env.storage.os)"]
    ok = p.get("app:ok")
    assert ok.data["a"] == "${env:WIPPY_TEST_SET}" and ok.data["e"] == "${WIPPY_TEST_UNSET|3}"
    assert ok.data["f"] == "$${env:WIPPY_TEST_UNSET}"


# ------------------------------------------------------------------------------------------
# overrides and disable


def test_overrides_from_config_and_cli(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: gateway, kind: http.service, addr: ":8080"}
          - {name: db, kind: db.sql.sqlite, file: a.db}
          - {name: w, kind: process.lua, source: "return 1", meta: {priority: low}}
          - {name: h, kind: process.host}
          - {name: svc, kind: process.service, process: w, host: h}
          - {name: w2, kind: process.lua, source: "return 2"}
    """)
    write(proj, ".wippy.yaml", """
        override:
          app:gateway:addr: ":9090"
          app:w:meta.priority: high
          app:db:kind: db.sql.postgres
          app:db:data.kind: custom
          app:db:pool: {max_open: 5}
    """)
    cfg = load_config(str(proj))
    p = load(proj, config=cfg, overrides=["app:gateway:timeouts.read=5", "app:db:debug=true",
                                          "app:svc:process=w2", "app:w:meta.ratio=0.5"]).check()
    assert p.get("app:gateway").data == {"addr": ":9090", "timeouts": {"read": 5}}
    db = p.get("app:db")
    assert db.kind == "db.sql.postgres"
    assert db.data == {"file": "a.db", "kind": "custom", "pool": {"max_open": 5}, "debug": True}
    assert p.get("app:w").meta == {"priority": "high", "ratio": 0.5}
    assert p.get("app:svc").data["process"] == "app:w2"       # overridden refs resolve too


def test_override_problems(proj):
    write(proj, "src/_index.yaml", "namespace: app\nentries: [{name: a, kind: registry.entry}]\n")
    p = load(proj, config=load_config(str(proj)),
             overrides=["app:nope:x=1", "bad", "app:a=1", "app:a:kind="])
    assert sorted(messages(p)) == sorted([
        "override 'app:nope:x': no entry app:nope",
        "override 'bad': expected ns:entry:field=value",
        "override 'app:a': expected ns:entry:path",
        "override 'app:a:kind': kind must be a non-empty string",
    ])


def test_override_can_fix_kind_and_file_refs(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: f, kind: function.lua, source: file://missing.lua}
    """)
    write(proj, "src/real.lua", "return 7\n")
    p = load(proj, overrides=["app:f:source=file://real.lua"]).check()
    assert p.entries[0].data["source"] == "return 7\n"
    assert p.entries[0].sources["source"] == str(proj / "src/real.lua")


def test_disable_globs(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: keep, kind: registry.entry}
          - {name: debug.tool, kind: registry.entry}
          - {name: debug.tool.extra, kind: registry.entry}
          - {name: other, kind: registry.entry}
    """)
    write(proj, "src/legacy/_index.yaml", "namespace: legacy\nentries: [{name: a, kind: registry.entry}]\n")
    write(proj, "src/legacy/x/_index.yaml", "namespace: legacy.x.y\nentries: [{name: b, kind: registry.entry}]\n")
    write(proj, "src/legacyish/_index.yaml", "namespace: legacyish\nentries: [{name: c, kind: registry.entry}]\n")
    write(proj, ".wippy.yaml", """
        disable:
          namespaces: ["legacy.**"]
          entries: ["app:debug.*", "app:oth?r"]
    """)
    p = load(proj, config=load_config(str(proj))).check()
    assert ids(p) == ["app:keep", "app:debug.tool.extra", "legacyish:c"]
    cfg = load_config(str(proj), sets=["disable.entries=app:debug.**"])
    p = load(proj, config=cfg).check()
    assert "app:debug.tool.extra" not in ids(p) and "app:other" in ids(p)


def test_reference_to_disabled_entry_is_a_problem(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: drv, kind: queue.driver.memory}
          - {name: q, kind: queue.queue, driver: drv}
    """)
    write(proj, ".wippy.yaml", "disable:\n  entries: [app:drv]\n")
    p = load(proj)
    assert messages(p) == ["src/_index.yaml:4: app:q: driver refers to missing entry app:drv"]


def test_requirement_default_is_linked(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - name: db_req
            kind: ns.requirement
            default: app:db
            targets:
              - {entry: kv, path: .database}
              - {entry: kv, path: .meta.target_db}
          - {name: db, kind: db.sql.sqlite, file: x.db}
          - {name: kv, kind: store.sql, table_name: t}
    """)
    p = load(proj).check()
    kv = p.get("app:kv")
    assert kv.data["database"] == "app:db" and kv.meta["target_db"] == "app:db"


# ------------------------------------------------------------------------------------------
# configuration


def test_config_defaults(tmp_path):
    cfg = load_config(str(tmp_path))
    for k, v in DEFAULT_CONFIG.items():
        assert cfg[k] == v
    assert cfg["registry"] == {"enable_history": True, "history_type": "memory",
                               "history_path": ".wippy/registry.db"}
    assert cfg["lua"]["cache"] == {"enabled": True, "dir": ".wippy/cache/lua"}
    assert cfg["shutdown"] == {"timeout": "30s"}
    assert cfg["_base_dir"] == str(tmp_path)
    cfg["registry"]["history_type"] = "sqlite"           # no shared state
    assert DEFAULT_CONFIG["registry"]["history_type"] == "memory"


def test_config_merging_and_set(tmp_path, monkeypatch):
    monkeypatch.setenv("WIPPY_TEST_DSN", "postgres://x")
    write(tmp_path, ".wippy.yaml", """
        logger: {encoding: json}
        registry:
          history_type: postgres
          history_dsn: ${env:WIPPY_TEST_DSN}
        supervisor:
          host: {worker_count: 16, buffer_size: 1024}
        list: [1, 2]
    """)
    write(tmp_path, "conf/local.yaml", """
        supervisor:
          host: {worker_count: 4}
        list: [3]
        lua: {cache: {enabled: false}}
    """)
    cfg = load_config(str(tmp_path))
    assert cfg["logger"] == {"encoding": "json"}
    assert cfg["registry"]["history_dsn"] == "postgres://x"
    assert cfg["registry"]["enable_history"] is True         # default kept
    cfg = load_config(str(tmp_path), config_files=[".wippy.yaml", "conf/local.yaml"],
                      sets=["supervisor.host.buffer_size=10", "cluster.enabled=true",
                            "otel.sample_rate=0.25", "a.b.c=hello=world", "lua.cache.dir=x"])
    assert cfg["supervisor"]["host"] == {"worker_count": 4, "buffer_size": 10}
    assert cfg["list"] == [3]
    assert cfg["lua"]["cache"] == {"enabled": False, "dir": "x"}
    assert cfg["cluster"] == {"enabled": True}
    assert cfg["otel"]["sample_rate"] == 0.25
    assert cfg["a"]["b"]["c"] == "hello=world"
    assert cfg["_base_dir"] == str(tmp_path)
    # the first file anchors relative paths
    cfg = load_config(str(tmp_path), config_files=["conf/local.yaml"])
    assert cfg["_base_dir"] == str(tmp_path / "conf")
    assert cfg["logger"] == {"encoding": "console"}          # .wippy.yaml not read then


def test_config_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPPY_TEST_MISSING", raising=False)
    with pytest.raises(ProjectError, match="config file not found"):
        load_config(str(tmp_path), config_files=["nope.yaml"])
    write(tmp_path, "bad.yaml", "a: 1\nb: [\n")
    with pytest.raises(ProjectError) as ei:
        load_config(str(tmp_path), config_files=["bad.yaml"])
    assert str(ei.value).startswith(str(tmp_path / "bad.yaml") + ":")
    assert "invalid YAML" in str(ei.value)
    write(tmp_path, "env.yaml", "registry: {history_dsn: \"${env:WIPPY_TEST_MISSING}\"}\n")
    with pytest.raises(InterpolationError) as ei:
        load_config(str(tmp_path), config_files=["env.yaml"])
    assert ei.value.name == "WIPPY_TEST_MISSING"
    assert "WIPPY_TEST_MISSING" in str(ei.value) and "env.yaml" in str(ei.value)
    with pytest.raises(ProjectError, match="section.path=value"):
        load_config(str(tmp_path), sets=["novalue"])
    with pytest.raises(ProjectError, match="unknown profile 'x'"):
        load_config(str(tmp_path), profile="x")


def test_config_profiles_and_vars(tmp_path):
    write(tmp_path, ".wippy.yaml", """
        vars:
          port: 8085
        listen: ":${port}"
        port_value: ${port}
        literal: "$${port}"
        unknown: "${nothing}"
        with_default: "${nothing|7}"
        override:
          app:db:kind: db.sql.sqlite
          app:gw:addr: ":${port}"
        disable:
          namespaces: ["legacy.**", "old"]
        profiles:
          pg:
            vars: {port: 18085}
            override:
              app:db:kind: db.sql.postgres
            disable:
              namespaces.add: ["experimental.**"]
              namespaces.remove: ["old"]
          quiet:
            logger: {encoding: json}
    """)
    cfg = load_config(str(tmp_path))
    assert cfg["listen"] == ":8085" and cfg["port_value"] == 8085
    assert cfg["literal"] == "${port}" and cfg["unknown"] == "${nothing}"
    assert cfg["with_default"] == 7
    assert "profiles" not in cfg
    cfg = load_config(str(tmp_path), profile=["pg", "quiet"], sets=["vars.port=1"])
    assert cfg["override"] == {"app:db:kind": "db.sql.postgres", "app:gw:addr": ":1"}
    assert cfg["disable"]["namespaces"] == ["legacy.**", "experimental.**"]
    assert cfg["logger"]["encoding"] == "json"
    assert cfg["listen"] == ":1"


def test_coerce_value():
    assert coerce_value("true") is True and coerce_value("false") is False
    assert coerce_value("42") == 42 and coerce_value("-3") == -3
    assert coerce_value("1.5") == 1.5 and coerce_value("1e3") == 1000.0
    assert coerce_value("5s") == "5s" and coerce_value("True") == "True"
    assert coerce_value("") == ""


# ------------------------------------------------------------------------------------------
# interpolation


def test_interpolate_rules():
    env = {"HOST": "db.local", "PORT": "5432", "FLAG": "true", "APP_ID": "app.env:x"}
    look = env.get
    assert interpolate("${env:HOST}", look) == "db.local"
    assert interpolate("${env:PORT}", look) == "5432"                 # untyped: as stored
    assert interpolate("${env:PORT|1}", look) == 5432                 # typed by the default
    assert interpolate("${env:FLAG|false}", look) is True
    assert interpolate("${env:MISSING|8080}", look) == 8080
    assert interpolate("${env:MISSING|true}", look) is True
    assert interpolate("${env:MISSING|0.5}", look) == 0.5
    assert interpolate("${env:MISSING|text}", look) == "text"
    assert interpolate("${env:MISSING|}", look) == ""
    assert interpolate("${MISSING_X|9}", look) == 9
    assert interpolate("${HOST|x}", look) == "db.local"
    assert interpolate("${VAR}", look) == "${VAR}"                    # bare: left alone
    assert interpolate("${lower|x}", look) == "${lower|x}"            # shorthand is upper-snake
    assert interpolate("$${env:HOST}", look) == "${env:HOST}"
    assert interpolate("a $${b} c", look) == "a ${b} c"
    assert interpolate("postgres://${env:HOST}:${env:PORT|1}/db", look) == "postgres://db.local:5432/db"
    assert interpolate("p=${env:MISSING|8080}!", look) == "p=8080!"
    assert interpolate("on=${env:FLAG|false}", look) == "on=true"
    assert interpolate("no placeholders", look) == "no placeholders"
    assert interpolate(5, look) == 5
    nested = {"a": ["${env:HOST}", {"b": "${env:MISSING|1}"}], "c": None, "${env:HOST}": 1}
    out = interpolate(nested, look)
    assert out == {"a": ["db.local", {"b": 1}], "c": None, "${env:HOST}": 1}
    assert nested["a"][0] == "${env:HOST}"                           # input untouched
    assert interpolate("${env:app.env:x|d}", {"app.env:x": "v"}.get) == "v"
    assert interpolate("${env:K}", {"K": 12}.get) == 12                # typed lookup values kept
    assert interpolate("n=${env:K}", {"K": 12}.get) == "n=12"


def test_interpolate_missing_raises():
    with pytest.raises(InterpolationError) as ei:
        interpolate({"x": ["ok", "host=${env:NOPE_NOPE}"]}, {}.get)
    assert ei.value.name == "NOPE_NOPE"
    assert "NOPE_NOPE" in str(ei.value)
    assert isinstance(ei.value, ProjectError)


# ------------------------------------------------------------------------------------------
# kinds


def test_kinds_table():
    for k in ["registry.entry", "ns.definition", "ns.requirement", "ns.dependency",
              "function.lua", "process.lua", "workflow.lua", "library.lua", "module.lua",
              "function.lua.bc", "library.lua.bc", "process.lua.bc", "workflow.lua.bc",
              "http.service", "http.router", "http.endpoint", "http.static",
              "db.sql.sqlite", "db.sql.postgres", "db.sql.mysql", "db.cdc.postgres",
              "store.memory", "store.sql", "store.kv.raft", "store.kv.crdt",
              "queue.driver.memory", "queue.driver.amqp", "queue.driver.sqs", "queue.queue",
              "queue.consumer", "process.host", "process.service", "terminal.host", "pg.scope",
              "temporal.client", "temporal.worker", "contract.definition", "contract.binding",
              "security.policy", "security.policy.expr", "security.token_store",
              "fs.directory", "fs.embed", "env.storage.memory", "env.storage.file",
              "env.storage.os", "env.storage.static", "env.storage.router", "env.variable",
              "template.set", "template.jet", "exec.native", "exec.docker", "config.aws",
              "cloudstorage.s3", "network", "network.socks5", "network.tailscale",
              "network.i2p", "function.wasm", "function.wat", "process.wasm"]:
        assert kinds.is_known(k), k
    assert not kinds.is_known("http.nope")
    assert kinds.required_fields("function.lua") == ("source",)
    assert kinds.required_fields("http.endpoint") == ("meta.router", "method", "path", "func")
    assert kinds.required_fields("unknown") == ()
    assert "func" in kinds.reference_fields("http.endpoint")
    assert "meta.router" in kinds.reference_fields("http.endpoint")
    assert "imports{}" in kinds.reference_fields("library.lua")
    assert "contracts[].methods{}" in kinds.reference_fields("contract.binding")
    assert "host" not in kinds.reference_fields("db.sql.postgres")
    assert "meta.router" not in kinds.reference_fields("registry.entry")


# ------------------------------------------------------------------------------------------
# speed


def test_200_entries_load_fast(proj):
    for d in range(10):
        parts = [f"namespace: app.m{d}\nentries:\n"]
        for i in range(10):
            parts.append(textwrap.dedent(f"""\
              - name: fn{i}
                kind: function.lua
                meta: {{comment: function {i}}}
                source: file://fn{i}.lua
                method: handler
                modules: [http, json]
                imports: {{u: app.m0:lib}}
              - name: fn{i}.endpoint
                kind: http.endpoint
                meta: {{router: app:api}}
                method: GET
                path: /m{d}/fn{i}
                func: fn{i}
            """).replace("\n", "\n  ").rstrip(" "))
            write(proj, f"src/m{d}/fn{i}.lua", "return {handler = function() end}\n")
        write(proj, f"src/m{d}/_index.yaml", "  ".join(parts))
    write(proj, "src/m0/lib.yaml", "namespace: app.m0\nname: lib\nkind: library.lua\nsource: 'return {}'\n")
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - {name: gw, kind: http.service, addr: ":8080"}
          - {name: api, kind: http.router, meta: {server: gw}}
    """)
    load(proj).check()                                  # warm the disk cache
    best = min(_timed(lambda: load(proj)) for _ in range(5))
    p = load(proj).check()
    assert len(p.entries) == 203
    assert best < 0.1, f"loading 203 entries took {best * 1000:.1f} ms of CPU"


def _timed(fn):
    t = time.process_time()          # CPU time: other processes on the machine do not count
    fn()
    return time.process_time() - t


def test_yaml_anchors_merge_keys_and_tags(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        defaults: &defaults
          kind: registry.entry
          shared: {a: 1}
        entries:
          - <<: *defaults
            name: one
            when: 2024-01-02
          - name: two
            kind: registry.entry
            copy: *defaults
            n: 0x10
            f: 1.5
            nothing: null
            yes_str: "true"
            flag: yes
    """)
    p = load(proj).check()
    one, two = p.entries
    assert one.kind == "registry.entry" and one.data["shared"] == {"a": 1}
    import datetime
    assert one.data["when"] == datetime.date(2024, 1, 2)
    assert one.line == 6 and one.line_of("when") == 8
    assert two.data["copy"] == {"kind": "registry.entry", "shared": {"a": 1}}
    assert (two.data["n"], two.data["f"], two.data["nothing"]) == (16, 1.5, None)
    assert two.data["yes_str"] == "true" and two.data["flag"] is True          # YAML 1.1, as PyYAML
    assert two.line_of("f") == 13


def test_entry_without_kind_and_bad_meta(proj):
    write(proj, "src/_index.yaml", """
        namespace: app
        entries:
          - name: nokind
            method: x
          - name: badmeta
            kind: registry.entry
            meta: [1, 2]
          - name: 42
            kind: registry.entry
    """)
    write(proj, "src/other.yaml", "namespace: 'a:b'\nentries: []\n")
    p = load(proj)
    assert messages(p) == [
        "src/_index.yaml:3: app:nokind: missing or invalid 'kind'",
        "src/_index.yaml:7: app:badmeta: 'meta' is not a mapping",
        "src/_index.yaml:8: entry name 42 is not a string",
        "src/other.yaml:1: malformed namespace 'a:b'",
    ]
    assert p.entries == []
