"""Environment storages, ``env.variable`` entries, ``${env:NAME}`` in entry
data and the Lua ``env`` module."""

import logging
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from wippy.app import App
from wippy.envstore import parse_env, parse_mode, format_line
from wippy.project import ProjectError, load_project
from wippy.registry import Entry, ChangeRejected, KindHandler
from wippy.runtime.values import TRUE, FALSE

from .projects import project, write

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def env_project(root, entries, lua=None, files=None):
    """A project with the env ``entries`` (YAML text) and a function
    ``app:f`` whose body is ``lua`` (modules env and registry)."""
    text = "namespace: app\nentries:\n" + textwrap.indent(textwrap.dedent(entries).strip("\n"),
                                                          "  ") + "\n"
    if lua is not None:
        body = "return {main = function(...)\n" + textwrap.dedent(lua).strip("\n") + "\nend}"
        text += ("  - name: f\n    kind: function.lua\n    method: main\n"
                 "    modules: [env, registry]\n    source: |\n"
                 + textwrap.indent(body, "      ") + "\n")
    return project(root, text, files)


def open_app(root, entries, lua=None, files=None):
    return App.open(env_project(root, entries, lua, files))


ROUTED = """
- {name: mem, kind: env.storage.memory}
- {name: file, kind: env.storage.file, file_path: conf/app.env, auto_create: true}
- {name: os, kind: env.storage.os}
- {name: router, kind: env.storage.router, storages: [mem, file, os]}
- {name: port, kind: env.variable, variable: PORT, storage: router, default: "8080"}
- {name: host, kind: env.variable, variable: HOST, storage: file}
- {name: region, kind: env.variable, variable: WIPPY_T_REGION, storage: router}
- {name: secret, kind: env.variable, storage: file}
"""


# ------------------------------------------------------------------------------------------
# the env module


def test_router_reads_in_order_and_writes_to_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("WIPPY_T_REGION", "eu-west")
    write(tmp_path, "conf/app.env", "PORT=9000\nHOST=db.local\nsecret=s3\n")
    app = open_app(tmp_path, ROUTED, """
        local a = env.get("PORT")                  -- from the file
        local ok, err = env.set("PORT", "7000")    -- into memory, the first storage
        local b = env.get("PORT")
        local c = env.get("app:port")              -- by entry ID
        local r = env.get("WIPPY_T_REGION")        -- through to the OS
        local s = env.get("app:secret")            -- a private variable: only by ID
        local _, serr = env.get("secret")
        return a, ok, err, b, c, r, s, serr:kind()
    """)
    assert app.call("app:f") == ("9000", TRUE, None, "7000", "7000", "eu-west", "s3", "NotFound")
    # the file storage was not written: memory took the write
    assert (tmp_path / "conf/app.env").read_text() == "PORT=9000\nHOST=db.local\nsecret=s3\n"


def test_default_applies_when_no_storage_has_the_value(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPPY_T_REGION", raising=False)
    app = open_app(tmp_path, ROUTED, """
        local r, rerr = env.get("WIPPY_T_REGION")
        return env.get("PORT"), r, rerr:kind(), tostring(rerr)
    """)
    assert app.call("app:f") == ("8080", None, "NotFound",
                                 "environment variable WIPPY_T_REGION is not set")


def test_get_all_lists_public_variables_that_have_values(tmp_path, monkeypatch):
    monkeypatch.delenv("WIPPY_T_REGION", raising=False)
    write(tmp_path, "conf/app.env", "HOST=h1\nsecret=x\n")
    app = open_app(tmp_path, ROUTED, """
        local all, err = env.get_all()
        local keys = {}
        for k, v in pairs(all) do keys[#keys + 1] = k .. "=" .. v end
        table.sort(keys)
        return table.concat(keys, ","), err
    """)
    assert app.call("app:f") == ("HOST=h1,PORT=8080", None)


def test_bad_arguments_and_unknown_names(tmp_path):
    app = open_app(tmp_path, ROUTED, """
        local _, e1 = env.get("")
        local _, e2 = env.get(nil)
        local _, e3 = env.get("NO_SUCH_VAR")
        local _, e4 = env.set("PORT", 5)
        local _, e5 = env.set("PORT", nil)
        local _, e6 = env.set("NO_SUCH_VAR", "x")
        local _, e7 = env.get("PATH")          -- an OS variable nobody registered
        return e1:kind(), e2:kind(), e3:kind(), e4:kind(), e5:kind(), e6:kind(), e7:kind(),
               tostring(e4), e3:retryable()
    """)
    assert app.call("app:f") == ("Invalid", "Invalid", "NotFound", "Invalid", "Invalid",
                                 "NotFound", "NotFound", "value of PORT must be a string", FALSE)


def test_read_only_storages_and_variables_refuse_writes(tmp_path):
    app = open_app(tmp_path, """
        - {name: os, kind: env.storage.os}
        - name: consts
          kind: env.storage.static
          values: {API_HOST: "https://api.example.com", RETRIES: 3, ENABLED: true}
        - {name: mem, kind: env.storage.memory}
        - {name: ro_router, kind: env.storage.router, storages: [consts, mem]}
        - {name: api, kind: env.variable, variable: API_HOST, storage: consts}
        - {name: retries, kind: env.variable, variable: RETRIES, storage: consts}
        - {name: flag, kind: env.variable, variable: ENABLED, storage: ro_router}
        - {name: home, kind: env.variable, variable: HOME, storage: os}
        - {name: locked, kind: env.variable, variable: LOCKED, storage: mem, readonly: true}
        - {name: locked2, kind: env.variable, variable: LOCKED2, storage: mem, read_only: true,
           default: x}
        - {name: free, kind: env.variable, variable: FREE, storage: mem}
    """, """
        local out = {env.get("API_HOST"), env.get("RETRIES"), env.get("ENABLED")}
        for _, name in ipairs({"API_HOST", "HOME", "ENABLED", "LOCKED", "LOCKED2"}) do
          local ok, err = env.set(name, "v")
          out[#out + 1] = tostring(ok) .. ":" .. err:kind()
        end
        local _, e = env.set("LOCKED", "v")
        out[#out + 1] = tostring(e)
        out[#out + 1] = tostring((env.set("FREE", "yes")))
        out[#out + 1] = env.get("FREE")
        out[#out + 1] = env.get("LOCKED2")
        return table.concat(out, "|")
    """)
    assert app.call("app:f") == (
        "https://api.example.com|3|true|nil:PermissionDenied|nil:PermissionDenied|"
        "nil:PermissionDenied|nil:PermissionDenied|nil:PermissionDenied|"
        "environment variable LOCKED is read-only|true|yes|x",)


def test_memory_storage_is_shared_by_every_entry(tmp_path):
    app = open_app(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: v, kind: env.variable, variable: SHARED, storage: mem}
        - name: g
          kind: function.lua
          method: main
          modules: [env]
          source: |
            return {main = function() return (require("env").get("SHARED")) end}
    """, """
        env.set("SHARED", "from f")
        return (env.get("SHARED"))
    """)
    assert app.call("app:f") == ("from f",)
    assert app.call("app:g") == ("from f",)


# ------------------------------------------------------------------------------------------
# file storage


def test_env_file_format():
    text = textwrap.dedent("""\
        # a comment
          # an indented comment

        PLAIN=value   # trailing comment
        EMPTY=
        HASH=a#b
        export EXPORTED=yes
        SPACED = around
        SINGLE='keep \\n and # and $X '
        DOUBLE="tab\\there \\"q\\" back\\\\slash # not a comment" # comment
        MULTI="line one
        line two"
        EQ=a=b=c
        no equals sign
        BAD KEY=1
        OPEN="never closed
        AFTER='x' junk
        LAST=1
        LAST=2""")
    values, spans, problems = parse_env(text.split("\n"))
    assert values == {
        "PLAIN": "value", "EMPTY": "", "HASH": "a#b", "EXPORTED": "yes", "SPACED": "around",
        "SINGLE": "keep \\n and # and $X ", "DOUBLE": 'tab\there "q" back\\slash # not a comment',
        "MULTI": "line one\nline two", "EQ": "a=b=c", "LAST": "2"}
    assert problems == [(14, "expected KEY=VALUE"), (15, "invalid key 'BAD KEY'"),
                        (16, 'unterminated " quote'),
                        (17, "unexpected text after the closing quote")]
    assert spans["MULTI"] == (10, 12) and spans["LAST"] == (18, 19)


@pytest.mark.parametrize("value", ["plain", "", "with space", 'q"uote', "new\nline", "a#b",
                                   " lead", "back\\slash\t", "'single'", "caf\u00e9", "x=y"])
def test_written_values_read_back_unchanged(value):
    line = format_line("K", value)
    assert "\n" not in line
    values, _, problems = parse_env([line])
    assert problems == [] and values == {"K": value}


def test_malformed_line_is_reported_with_file_and_line(tmp_path, caplog):
    write(tmp_path, "conf/app.env", "A=1\nthis is wrong\nB=\"open\nC=3\n")
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/app.env}
        - {name: a, kind: env.variable, variable: A, storage: file}
        - {name: c, kind: env.variable, variable: C, storage: file}
    """, "return env.get('A'), (env.get('C'))")
    with caplog.at_level(logging.WARNING, logger="wippy.env"):
        assert app.call("app:f") == ("1", "3")
    msgs = [r.getMessage() for r in caplog.records]
    assert "conf/app.env:2: expected KEY=VALUE (line ignored)" in msgs
    assert "conf/app.env:3: unterminated \" quote (line ignored)" in msgs


def test_malformed_lines_and_failed_writes_under_wippy_run(tmp_path):
    import json
    write(tmp_path, "conf/app.env", "A=1\nthis is wrong\nB=\"open\nC=3\n")
    root = env_project(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/app.env}
        - {name: a, kind: env.variable, variable: A, storage: file}
        - {name: c, kind: env.variable, variable: C, storage: file}
        - {name: blk, kind: env.storage.file, file_path: conf/app.env/sub/x.env,
           auto_create: true}
        - {name: x, kind: env.variable, variable: X, storage: blk}
    """, """
        local ok, err = env.set("X", "1")
        return env.get("A") .. env.get("C") .. " " .. tostring(ok) .. " " .. err:kind()
    """)
    write(tmp_path, ".wippy.yaml", "logger:\n  encoding: json\n")
    p = subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:f", "-v"],
                       capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout) == (0, "13 nil Internal\n"), p.stderr
    recs = [json.loads(line) for line in p.stderr.splitlines()]
    assert [(r["level"], r["logger"], r["msg"]) for r in recs] == [
        ("warn", "env", "env storage app:blk: cannot create conf/app.env/sub/x.env: "
                        "Not a directory"),
        ("warn", "env", "conf/app.env:2: expected KEY=VALUE (line ignored)"),
        ("warn", "env", "conf/app.env:3: unterminated \" quote (line ignored)")]


def test_set_keeps_other_lines_and_comments(tmp_path):
    original = "# header comment\nA=1  # about A\n\n# section\nB='two'\nexport C=3\n"
    write(tmp_path, "conf/app.env", original)
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/app.env}
        - {name: b, kind: env.variable, variable: B, storage: file}
        - {name: d, kind: env.variable, variable: D, storage: file}
    """, """
        assert(env.set("B", "new value"))
        assert(env.set("D", "line1\\nline2"))
        assert(env.set("D", "final"))
        return env.get("B"), (env.get("D"))
    """)
    assert app.call("app:f") == ("new value", "final")
    assert (tmp_path / "conf/app.env").read_text() == (
        "# header comment\nA=1  # about A\n\n# section\nB=\"new value\"\nexport C=3\nD=final\n")


def test_file_changes_on_disk_are_picked_up(tmp_path):
    path = write(tmp_path, "conf/app.env", "A=1\n")
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/app.env}
        - {name: a, kind: env.variable, variable: A, storage: file}
    """, "return (env.get('A'))")
    assert app.call("app:f") == ("1",)
    with open(path, "w") as f:
        f.write("A=changed outside\n")
    os.utime(path, ns=(1, 1))       # a different mtime even on coarse clocks
    assert app.call("app:f") == ("changed outside",)


def test_relative_file_path_is_relative_to_the_project_root(tmp_path):
    root = env_project(tmp_path, "- {name: x, kind: env.storage.memory}")
    write(tmp_path, "src/app/deep/more/_index.yaml", """
        namespace: app.deep
        entries:
          - {name: file, kind: env.storage.file, file_path: data/deep.env, auto_create: true}
          - {name: v, kind: env.variable, variable: DEEP, storage: file}
          - name: f
            kind: function.lua
            method: main
            modules: [env]
            source: |
              return {main = function() return require("env").set("DEEP", "here") end}
    """)
    app = App.open(root)
    assert app.call("app.deep:f") == (TRUE, None)
    assert (tmp_path / "data/deep.env").read_text() == "DEEP=here\n"
    assert not (tmp_path / "src/app/deep/more/data").exists()


@pytest.mark.parametrize("mode_yaml, mode", [("0600", 0o600), ('"0640"', 0o640),
                                             ('"0o604"', 0o604), ("", 0o644)])
def test_auto_create_makes_file_and_folders_with_their_modes(tmp_path, mode_yaml, mode):
    extra = ", file_mode: %s, dir_mode: 0700" % mode_yaml if mode_yaml else ""
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: a/b/app.env, auto_create: true%s}
        - {name: v, kind: env.variable, variable: V, storage: file}
    """ % extra, "return env.set('V', 'x')")
    path = tmp_path / "a/b/app.env"
    assert path.read_text() == ""                  # created at start
    assert stat.S_IMODE(path.stat().st_mode) == mode
    dmode = 0o700 if mode_yaml else 0o755
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == dmode
    assert stat.S_IMODE((tmp_path / "a/b").stat().st_mode) == dmode
    os.unlink(path)
    os.rmdir(tmp_path / "a/b")                     # writes create them again
    assert app.call("app:f") == (TRUE, None)
    assert path.read_text() == "V=x\n"
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_missing_file_without_auto_create_reads_empty_and_refuses_writes(tmp_path):
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/none.env}
        - {name: v, kind: env.variable, variable: V, storage: file, default: dflt}
    """, """
        local ok, err = env.set("V", "x")
        return env.get("V"), ok, err:kind(), tostring(err)
    """)
    assert app.call("app:f") == ("dflt", None, "NotFound", "env storage app:file: conf/none.env "
                                                           "does not exist (auto_create is off)")
    assert not (tmp_path / "conf").exists()


def test_write_where_the_folder_cannot_be_created_is_an_error_value(tmp_path, caplog):
    write(tmp_path, "blocker", "a file where a folder should be\n")
    with caplog.at_level(logging.WARNING, logger="wippy.env"):
        app = open_app(tmp_path, """
            - {name: file, kind: env.storage.file, file_path: blocker/sub/app.env,
               auto_create: true}
            - {name: v, kind: env.variable, variable: V, storage: file}
        """, """
            local ok, err = env.set("V", "x")
            return ok, err:kind(), tostring(err)
        """)
    assert any("cannot create blocker/sub/app.env" in r.getMessage() for r in caplog.records)
    ok, kind, msg = app.call("app:f")
    assert ok is None and kind == "Internal"
    assert msg == "env storage app:file: cannot write blocker/sub/app.env: Not a directory"


def test_write_is_atomic_a_failed_write_leaves_the_file_whole(tmp_path, monkeypatch):
    original = "# keep me\nA=1\nB=2\n"
    path = write(tmp_path, "conf/app.env", original)
    app = open_app(tmp_path, """
        - {name: file, kind: env.storage.file, file_path: conf/app.env, file_mode: 0600}
        - {name: a, kind: env.variable, variable: A, storage: file}
    """, """
        local ok, err = env.set("A", "new")
        return ok, err and err:kind(), (env.get("A"))
    """)
    inode = os.stat(path).st_ino
    # the disk fails after the new text was written to the temporary file
    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(os, "fsync", failing_fsync)
    assert app.call("app:f") == (None, "Internal", "1")
    assert open(path).read() == original
    assert os.listdir(tmp_path / "conf") == ["app.env"]     # no temporary file left behind
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert app.call("app:f") == (TRUE, None, "new")
    assert open(path).read() == "# keep me\nA=new\nB=2\n"
    assert os.stat(path).st_ino != inode                     # renamed into place
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path / "conf") == ["app.env"]


def test_parse_mode():
    assert parse_mode(None, 0o644) == 0o644
    assert parse_mode(384, 0) == 0o600                # YAML 1.1: 0600 is already octal
    assert parse_mode("0600", 0) == 0o600
    assert parse_mode("600", 0) == 0o600
    assert parse_mode("0o755", 0) == 0o755
    for bad in (600, "0800", "rw", True, -1, 0o1777, "", [1]):
        with pytest.raises(ValueError):
            parse_mode(bad, 0)


# ------------------------------------------------------------------------------------------
# ${env:NAME} in entry data


class Recorder(KindHandler):
    kinds = ("store.memory",)

    def __init__(self):
        self.seen = {}

    def apply(self, op, old, new):
        if new is not None:
            self.seen[new.id] = new.data


def test_placeholders_resolve_through_variables_and_stay_raw_in_the_registry(tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("WIPPY_T_OS_ONLY", "os-value")
    write(tmp_path, "conf/app.env", "DB_PASSWORD=s3cret\nPOOL=12\n")
    # the entry that uses the variables comes first in the file: env entries boot first
    root = env_project(tmp_path, """
        - name: db
          kind: store.memory
          dsn: "postgres://app:${env:DB_PASSWORD}@${env:DB_HOST|localhost}/app"
          pool: ${env:POOL|1}
          timeout: ${env:TIMEOUT|5}
          by_id: ${env:app:pool}
          raw_os: ${env:WIPPY_T_OS_ONLY}
        - {name: pwd, kind: env.variable, variable: DB_PASSWORD, storage: file}
        - {name: host, kind: env.variable, variable: DB_HOST, storage: file, default: db.internal}
        - {name: pool, kind: env.variable, variable: POOL, storage: file}
        - {name: file, kind: env.storage.file, file_path: conf/app.env}
        - {name: os, kind: env.storage.os}
        - {name: osv, kind: env.variable, variable: WIPPY_T_OS_ONLY, storage: os}
    """, "return registry.get('app:db').data.dsn")
    app = App(root, history=None)
    rec = Recorder()
    app.registry.add_handler(rec)
    app.boot_defs(load_project(root).check().entries)
    # a variable's own default beats the inline one; a typed default types the value
    assert rec.seen["app:db"] == {"dsn": "postgres://app:s3cret@db.internal/app", "pool": 12,
                                  "timeout": 5, "by_id": "12", "raw_os": "os-value"}
    stored = app.registry.get("app:db").data
    assert stored["dsn"] == "postgres://app:${env:DB_PASSWORD}@${env:DB_HOST|localhost}/app"
    assert app.call("app:f") == (stored["dsn"],)


def test_registered_variable_without_value_fails_the_entry(tmp_path):
    root = env_project(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: v, kind: env.variable, variable: PATH, storage: mem}
    """)
    app = App(root)
    rec = Recorder()
    app.registry.add_handler(rec)
    app.boot_defs(load_project(root).check().entries)
    # PATH is registered (in an empty storage): the OS value is not used
    with pytest.raises(ChangeRejected) as ei:
        app.registry.apply([("create", Entry("app:x", "store.memory", {}, {"p": "${env:PATH}"}))])
    assert "PATH" in str(ei.value)
    app.registry.apply([("create", Entry("app:y", "store.memory", {}, {"p": "${env:PATH|none}"}))])
    assert rec.seen["app:y"] == {"p": "none"}


# ------------------------------------------------------------------------------------------
# bad definitions


def test_every_bad_env_definition_is_reported_at_load_together(tmp_path):
    root = env_project(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: plain, kind: registry.entry}
        - {name: r1, kind: env.storage.router, storages: [mem, plain]}
        - {name: a, kind: env.variable, variable: DUP, storage: mem}
        - {name: b, kind: env.variable, variable: DUP, storage: mem}
        - {name: c, kind: env.variable, variable: BAD-NAME, storage: mem}
        - {name: d, kind: env.variable, variable: OK, storage: plain}
        - {name: f, kind: env.storage.file, file_path: x.env, file_mode: 600}
        - {name: l1, kind: env.storage.router, storages: [l2]}
        - {name: l2, kind: env.storage.router, storages: [l1]}
    """)
    with pytest.raises(ProjectError) as ei:
        App.open(root)
    assert [str(p) for p in ei.value.problems] == [
        "src/app/_index.yaml:5: app:r1: storages: app:plain is a registry.entry, "
        "not an env storage",
        "src/app/_index.yaml:7: app:b: variable name DUP is already used by app:a "
        "(src/app/_index.yaml:6)",
        "src/app/_index.yaml:8: app:c: variable name 'BAD-NAME' may only contain A-Z, a-z, 0-9 "
        "and _",
        "src/app/_index.yaml:9: app:d: storage: app:plain is a registry.entry, not an env "
        "storage",
        "src/app/_index.yaml:10: app:f: file_mode must be permission bits from 0 to 0777 "
        "(such as 0600 or \"0600\"), not 600",
        "src/app/_index.yaml:11: app:l1: storages: routers name each other in a cycle"]


def test_missing_storage_is_a_load_problem(tmp_path):
    root = env_project(tmp_path, """
        - {name: v, kind: env.variable, variable: V, storage: nowhere}
        - {name: r, kind: env.storage.router, storages: [elsewhere]}
    """)
    with pytest.raises(ProjectError) as ei:
        App.open(root)
    assert [str(p) for p in ei.value.problems] == [
        "src/app/_index.yaml:3: app:v: storage refers to missing entry app:nowhere",
        "src/app/_index.yaml:4: app:r: storages.0 refers to missing entry app:elsewhere"]


def test_missing_storage_is_reported_with_the_other_env_problems(tmp_path):
    # the loader finds the missing storage; the env checks still run on the rest, and a
    # variable naming a router the loader left out is not reported a second time
    root = env_project(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: plain, kind: registry.entry}
        - {name: v, kind: env.variable, variable: V, storage: nowhere}
        - {name: r1, kind: env.storage.router, storages: [mem, plain]}
        - {name: r2, kind: env.storage.router, storages: [mem, gone]}
        - {name: w, kind: env.variable, variable: W, storage: r2}
        - {name: a, kind: env.variable, variable: DUP, storage: mem}
        - {name: b, kind: env.variable, variable: DUP, storage: mem}
    """, "return 1")
    expected = [
        "src/app/_index.yaml:5: app:v: storage refers to missing entry app:nowhere",
        "src/app/_index.yaml:6: app:r1: storages: app:plain is a registry.entry, "
        "not an env storage",
        "src/app/_index.yaml:7: app:r2: storages.1 refers to missing entry app:gone",
        "src/app/_index.yaml:10: app:b: variable name DUP is already used by app:a "
        "(src/app/_index.yaml:9)"]
    with pytest.raises(ProjectError) as ei:
        App.open(root)
    assert [str(p) for p in ei.value.problems] == expected
    p = subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:f"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert p.stderr.splitlines()[-4:] == expected, p.stderr


def test_cli_reports_bad_env_definitions_without_traceback(tmp_path):
    root = env_project(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: a, kind: env.variable, variable: DUP, storage: mem}
        - {name: b, kind: env.variable, variable: DUP, storage: mem}
    """, "return 1")
    p = subprocess.run([sys.executable, "-m", "wippy", "run", "-C", root, "-x", "app:f"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert "src/app/_index.yaml:5: app:b: variable name DUP is already used by app:a" in p.stderr


def test_runtime_changes_are_checked(tmp_path):
    app = open_app(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: v, kind: env.variable, variable: V, storage: mem}
        - {name: plain, kind: registry.entry}
    """, """
        env.set("V", "1")
        return (env.get("V"))
    """)
    reg = app.registry
    cases = [
        (Entry("app:w", "env.variable", {}, {"variable": "V", "storage": "app:mem"}),
         "app:w: variable name V is already used by app:v"),
        (Entry("app:w", "env.variable", {}, {"variable": "W", "storage": "app:none"}),
         "app:w: storage: env storage app:none not found"),
        (Entry("app:w", "env.variable", {}, {"variable": "W", "storage": "app:plain"}),
         "app:w: storage: app:plain is a registry.entry, not an env storage"),
        (Entry("app:w", "env.variable", {}, {"variable": "W", "storage": "app:mem",
                                             "readonly": "yes"}),
         "app:w: readonly must be true or false"),
        (Entry("app:r", "env.storage.router", {}, {"storages": []}),
         "app:r: env.storage.router needs 'storages', a list of env storage IDs"),
        (Entry("app:r", "env.storage.static", {}, {"values": [1]}),
         "app:r: values must be a map of names to strings"),
    ]
    for e, msg in cases:
        with pytest.raises(ChangeRejected) as ei:
            reg.apply([("create", e)])
        assert str(ei.value) == msg
    assert app.call("app:f") == ("1",)
    # a router may not lead back to itself
    reg.apply([("create", Entry("app:r1", "env.storage.router", {}, {"storages": ["app:mem"]})),
               ("create", Entry("app:r2", "env.storage.router", {}, {"storages": ["app:r1"]}))])
    with pytest.raises(ChangeRejected) as ei:
        reg.apply([("update", Entry("app:r1", "env.storage.router", {},
                                    {"storages": ["app:r2"]}))])
    assert "leads back" in str(ei.value)
    # updating the memory storage's entry keeps its values; deleting it makes reads NOT_FOUND
    reg.apply([("update", Entry("app:mem", "env.storage.memory", {"comment": "x"}, {}))])
    assert app.call("app:f") == ("1",)
    reg.apply([("delete", "app:r2"), ("delete", "app:r1"), ("delete", "app:mem")])
    assert app.call("app:f") == (None,)
    assert app.env_handler.lookup("V") == (True, None)


def test_a_changeset_rejected_later_restores_env_state(tmp_path):
    app = open_app(tmp_path, """
        - {name: mem, kind: env.storage.memory}
        - {name: v, kind: env.variable, variable: V, storage: mem}
    """, "env.set('V', 'kept') return (env.get('V'))")
    assert app.call("app:f") == ("kept",)
    with pytest.raises(ChangeRejected):
        app.registry.apply([
            ("update", Entry("app:v", "env.variable", {}, {"variable": "V2", "storage": "app:mem"})),
            ("delete", "app:mem"),
            ("create", Entry("app:bad", "env.variable", {}, {"storage": "app:none"}))])
    h = app.env_handler
    assert set(h.public) == {"V"} and h.get("V") == "kept"


# ------------------------------------------------------------------------------------------
# the example


def run_example(*args, env=None):
    cmd = [sys.executable, "-m", "wippy", "run", "-C", os.path.join(EXAMPLES, "config-logging"),
           "-x", "app:cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})))


def test_config_logging_example_runs_from_the_command_line():
    p = run_example("-v", env={"DEPLOY_REGION": "eu-west"})
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "Traceback" not in p.stderr, p.stderr
    assert p.stdout == ("settings: app=Config Demo port=9090 region=eu-west\n"
                        "greeter: Hello, ada\n"
                        "after override: Howdy, ada\n"
                        "read-only port: PermissionDenied\n")
    lines = p.stderr.splitlines()
    started = [l for l in lines if "greeter" in l and "started" in l]
    assert started and '"port": 9090' in started[0] and '"region": "eu-west"' in started[0]
    greeted = [l for l in lines if "greeting" in l and '"request":' in l]
    assert len(greeted) == 2 and '"greeting": "Howdy"' in greeted[1]
    assert any("refused" in l and '"variable": "LISTEN_PORT"' in l for l in lines)


def test_config_logging_example_json_encoding():
    import json
    p = run_example("-v", "--set", "logger.encoding=json", env={"DEPLOY_REGION": "us-east"})
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert p.stdout.startswith("settings: app=Config Demo port=9090 region=us-east\n")
    recs = [json.loads(line) for line in p.stderr.splitlines()]
    for r in recs:
        assert {"level", "ts", "logger", "msg"} <= set(r), r
    lua = [r for r in recs if r["logger"].startswith("lua.")]
    assert all(r["pid"] and r["location"].startswith("app:") for r in lua), lua
    started = next(r for r in lua if r["msg"] == "started")
    assert (started["logger"], started["level"], started["port"], started["region"],
            started["app"]) == ("lua.greeter", "info", 9090, "us-east", "Config Demo")
    greeted = [r for r in lua if r["msg"] == "greeting"]
    assert [(r["level"], r["request"], r["greeting"], r["who"]) for r in greeted] == [
        ("debug", 1, "Hello", "ada"), ("debug", 2, "Howdy", "ada")]
    refused = next(r for r in lua if r["msg"] == "refused")
    assert (refused["logger"], refused["level"], refused["variable"], refused["kind"]) == (
        "lua.cli", "warn", "LISTEN_PORT", "PermissionDenied")
    # -c: coloured console lines whatever the encoding, at info (no debug lines)
    p = run_example("--set", "logger.encoding=json", "-c")
    assert p.returncode == 0 and "\x1b[" in p.stderr and "greeting" not in p.stderr


def test_config_logging_example_in_process(capfd, monkeypatch):
    monkeypatch.delenv("DEPLOY_REGION", raising=False)
    root = os.path.join(EXAMPLES, "config-logging")
    settings = os.path.join(root, "config", "settings.env")
    before = open(settings).read()
    from wippy.registry import MemoryHistory
    app = App.open(root, history=MemoryHistory())
    app.start()
    try:
        assert app.run_process_main("app:cli", ("bob",)) == (0,)
    finally:
        app.stop(1)
    out = capfd.readouterr().out
    assert "settings: app=Config Demo port=9090 region=local\n" in out
    assert "greeter: Hello, bob\nafter override: Howdy, bob\n" in out
    # the override went to the memory storage; the file is untouched
    h = app.env_handler
    assert h.storage("app:overrides").get("GREETING") == "Howdy"
    assert h.storage("app:settings_file").get("GREETING") == "Hello"
    assert open(settings).read() == before
