"""coroutine.spawn: concurrent work inside one process; fairness."""

import os

from wippy.app import App


def project(root, entries):
    os.makedirs(os.path.join(root, "src", "app"), exist_ok=True)
    with open(os.path.join(root, "wippy.lock"), "w") as f:
        f.write("directories:\n  modules: .wippy\n  src: ./src\n")
    with open(os.path.join(root, "src", "app", "_index.yaml"), "w") as f:
        f.write("namespace: app\nentries:\n  - name: procs\n    kind: process.host\n"
                + entries)
    return root


ENTRIES = """
  - name: pool
    kind: process.lua
    method: main
    source: |
      return {main = function(n)
        local jobs, results = channel.new(0), channel.new(n)
        for w = 1, 4 do
          coroutine.spawn(function()
            while true do
              local j, ok = jobs:receive()
              if not ok then return end
              results:send(j * j)
            end
          end)
        end
        for i = 1, n do jobs:send(i) end
        jobs:close()
        local s = 0
        for i = 1, n do s = s + results:receive() end
        return s
      end}
  - name: orphan
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local ch = channel.new(0)
        coroutine.spawn(function() ch:receive() end)   -- blocked forever
        return "done"
      end}
  - name: spinner
    kind: process.lua
    method: main
    source: |
      return {main = function() while true do end end}
  - name: fair
    kind: process.lua
    method: main
    source: |
      return {main = function()
        local spin = process.spawn_monitored("app:spinner", "app:procs")
        -- this process still runs while the spinner spins
        local t = 0
        for i = 1, 3 do
          local w = process.spawn_monitored("app:orphan", "app:procs")
          local ev = process.events():receive()
          if ev.result.value == "done" then t = t + 1 end
        end
        process.terminate(spin)
        local ev = process.events():receive()
        return t, ev.from == spin, tostring(ev.result.error ~= nil)
      end}
"""


def test_spawned_coroutines_share_the_process(tmp_path):
    a = App.open(project(str(tmp_path), ENTRIES))
    try:
        assert a.run_process_main("app:pool", [50]) == (sum(i * i for i in range(1, 51)),)
        # a process ends when main returns, even with a blocked coroutine
        assert a.run_process_main("app:orphan", []) == ("done",)
    finally:
        a.close()


def test_spinning_process_does_not_starve_others_and_can_be_terminated(tmp_path):
    a = App.open(project(str(tmp_path), ENTRIES))
    try:
        res = a.run_process_main("app:fair", [])
        assert res == (3,)
    finally:
        a.close()
