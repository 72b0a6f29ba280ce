"""The table classes share one slotted layout (runtime.values._TableSlots):
a plain LuaTable never sets the ``meta``/``ic`` slots (its class attributes
answer), and every switch to a metatable class sets them first.  A missed
switch would surface as an AttributeError, so each path is exercised here,
and ``#t`` of tables whose entry count is or is not a border."""

from wippy.runtime import ltable
from wippy.runtime.ops import index, setindex, setmetatable
from wippy.runtime.values import (EMPTY_IC, LuaClassTable, LuaFrozenTable, LuaMetaTable,
                                  LuaTable)


def test_plain_table_reads_class_defaults_and_has_no_dict_entry():
    t = LuaTable({"a": 1})
    assert t.meta is None and t.ic is EMPTY_IC and t.border == 0
    assert not hasattr(t, "__dict__") or not t.__dict__


def test_setmetatable_sets_slots_and_back_to_plain_clears_them():
    mt = LuaTable()
    t = setmetatable(LuaTable(), mt)
    assert type(t) is LuaMetaTable and t.meta is mt
    assert type(mt) is LuaClassTable and mt.meta is None and mt.ic is EMPTY_IC
    setmetatable(t, None)
    assert type(t) is LuaTable and t.meta is None
    # the slot was cleared: becoming a metatable'd table again starts clean
    mt2 = LuaTable()
    setmetatable(t, mt2)
    assert t.meta is mt2


def test_index_table_of_a_metatable_becomes_a_class_with_slots():
    h = LuaTable({"x": 1})
    mt = LuaTable({"__index": h})
    o = setmetatable(LuaTable(), mt)
    assert type(h) is LuaClassTable and h.meta is None
    assert index(o, "x") == 1
    # a later __index write marks the new table too
    h2 = LuaTable({"y": 2})
    setindex(mt, "__index", h2)
    assert type(h2) is LuaClassTable and h2.meta is None and h2.ic is EMPTY_IC
    assert index(o, "y") == 2 and index(o, "x") is None


def test_freeze_plain_and_metatable_tables():
    t = LuaTable({"a": 1})
    ltable.t_freeze(t)
    assert type(t) is LuaFrozenTable and t.meta is None and t.ic is EMPTY_IC
    mt = LuaTable({"__index": LuaTable({"z": 3})})
    o = setmetatable(LuaTable(), mt)
    ltable.t_freeze(o)
    assert type(o) is LuaFrozenTable and o.meta is mt and index(o, "z") == 3
    # a frozen table can serve as a metatable (its cache slot is set)
    fm = ltable.t_freeze(LuaTable({"__index": LuaTable({"k": 9})}))
    p = setmetatable(LuaTable(), fm)
    assert index(p, "k") == 9 and index(p, "k") == 9


def test_directly_made_class_tables_have_slots():
    c = LuaClassTable({"__index": LuaTable()})
    assert c.meta is None and c.ic is EMPTY_IC and c["__index"] is not None


def test_length_entry_count_border_and_fallback():
    t = LuaTable({i: i for i in range(1, 11)})
    assert t.length() == 10
    t["n"] = 10                  # entry count 11 is not a border: the walk
    assert t.length() == 10
    del t[10]
    assert t.length() == 9
    h = LuaTable({1: 1, 2: 2, 4: 4})   # count 3 is not a key: the walk from
    assert h.length() == 4             # it finds 4, as Lua 5.3 does for {1, 2, nil, 4}
    u = LuaTable({i: i for i in range(1, 11)})
    del u[5]                           # a hole punched in an array: Lua 5.3 says 10
    assert u.length() == 10
    assert LuaTable().length() == 0
    g = LuaTable({2: 2})               # 2 is a border (Lua 5.3 answers 0, also
    assert g.length() == 2             # a border: any border is a valid #t)


def test_dict_slots_copied_and_tables_behave_as_dicts():
    import sys
    from wippy.runtime import values
    if sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11):
        assert values.DICT_SLOTS
    for cls in (LuaTable, LuaMetaTable, LuaFrozenTable, LuaClassTable):
        t = dict.__new__(cls)
        dict.__setitem__(t, "k", 1)
        dict.__setitem__(t, 2, "v")
        assert "k" in t and 2 in t and "x" not in t and 2.5 not in t
        assert t["k"] == 1 and t[2] == "v"
        try:
            t["missing"]
        except KeyError as e:
            assert e.args == ("missing",)
        else:
            raise AssertionError("no KeyError")
        try:
            [] in t
        except TypeError:
            pass
        else:
            raise AssertionError("an unhashable key must raise")


def test_slot_copy_can_be_turned_off():
    import os
    import subprocess
    import sys
    code = ("from wippy.runtime import values as v; t = v.LuaTable({1: 2}); "
            "print(v.DICT_SLOTS, 1 in t, t[1])")
    env = dict(os.environ, WIPPY_NO_SLOT_COPY="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "True", "2"]
