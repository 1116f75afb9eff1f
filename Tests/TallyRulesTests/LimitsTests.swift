import TallyJSON
import TallyRules
import Testing

/// Hostile or broken scripts: each ends that call only, with a structured error, and the next
/// call is served normally. No test asserts on timing beyond "it was stopped".
@Suite("Limits")
struct LimitsTests {
    // MARK: Time

    @Test func infiniteLoopTimesOut() throws {
        let runtime = try hostileRuntime("while true do end")
        let error = expectContained(runtime, kinds: [.timeout])
        #expect(error?.file == "attribution.lua")
        #expect(error?.line == 4)
        #expect(error?.message.contains("time limit of 100 ms") == true)
        #expect(runtime.rebuildCount == 1)
    }

    @Test func pcallCannotSwallowTheTimeout() throws {
        expectContained(try hostileRuntime("while true do pcall(function() while true do end end) end"), kinds: [.timeout])
        expectContained(try hostileRuntime("while true do pcall(error, 'again') end"), kinds: [.timeout])
        expectContained(try hostileRuntime("for i = 1, math.huge do local ok = pcall(string.rep, 'x', 10) end"), kinds: [.timeout])
        expectContained(
            try hostileRuntime("xpcall(function() while true do end end, function() while true do end end)"), kinds: [.timeout])
        expectContained(
            try hostileRuntime("while true do xpcall(function() while true do end end, function(e) return e end) end"), kinds: [.timeout])
    }

    @Test func loopInsideMetamethodsAndCloseHandlersTimesOut() throws {
        expectContained(
            try hostileRuntime("local t = setmetatable({}, {__index = function() while true do end end}) return t.x"), kinds: [.timeout])
        expectContained(
            try hostileRuntime("""
                local guard <close> = setmetatable({}, {__close = function() while true do end end})
                error('boom')
                """), kinds: [.timeout])
        expectContained(try hostileRuntime("table.sort({3, 2, 1, 5, 4}, function(a, b) while true do end end)"), kinds: [.timeout])
        expectContained(try hostileRuntime("string.gsub('abc', '%w', function(c) while true do end end)"), kinds: [.timeout])
    }

    @Test func sortingAHugeTableBuiltInCTimesOut() throws {
        // table.move doubles the table inside C calls, quicker than a Lua loop could fill it.
        expectContained(try hostileRuntime("local t = {1} for i = 1, 19 do table.move(t, 1, #t, #t + 1) end table.sort(t)"), kinds: [.timeout, .memory])
    }

    @Test(arguments: [
        "string.find(string.rep('a', 5000), '.-.-.-.-b')",
        "string.match(string.rep('a', 5000), '^(.-)(.-)(.-)(.-)x$')",
        "('a'):rep(3000):gsub('.-.-.-b', '')",
        "for w in ('a'):rep(3000):gmatch('.-.-.-b') do end",
        "string.find(string.rep('ab', 2000), '(.-)(.-)(.-)(.-)c')",
    ])
    func catastrophicPatternsTimeOut(attack: String) throws {
        expectContained(try hostileRuntime(attack), kinds: [.timeout])
    }

    // MARK: Memory

    @Test func stringRepBombHitsTheMemoryCap() throws {
        let error = expectContained(try hostileRuntime("local s = string.rep('x', 1 << 30)"), kinds: [.memory])
        #expect(error?.message.contains("memory limit of 32 MiB") == true)
        expectContained(try hostileRuntime("local s = string.rep('x', 20000000, 'yy')"), kinds: [.memory])
        expectContained(try hostileRuntime("local s = 'x' while true do s = s .. s end", limits: .memoryBound), kinds: [.memory])
        expectContained(try hostileRuntime("local t = {} for i = 1, 1e7 do t[i] = ('x'):rep(100) .. i end", limits: .memoryBound), kinds: [.memory])
    }

    @Test func tableGrowthBombHitsTheMemoryCap() throws {
        let runtime = try hostileRuntime("local t = {} local i = 0 while true do i = i + 1 t[i] = {i, i, i, i} end", limits: .memoryBound)
        expectContained(runtime, kinds: [.memory])
        // The state was rebuilt: the garbage is gone.
        #expect(runtime.memoryInUse < 1 << 20)
        #expect(runtime.rebuildCount == 1)
        expectContained(try hostileRuntime("local t = {} while true do t[#t + 1] = {} end"), kinds: [.memory, .timeout])
    }

    @Test func catchingAMemoryErrorInTheScriptIsAllowed() throws {
        #expect(try evaluate("local ok, err = pcall(string.rep, 'x', 1 << 30) return 'acme', tostring(err)") == "not enough memory")
    }

    @Test func memoryRetainedAcrossCallsIsBounded() throws {
        // Module-level state that grows on every call eventually hits the cap; the rebuild clears it.
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: """
            local M = {}
            local hoard = {}
            function M.attribute(event)
              if event.id == 'attack' then hoard[#hoard + 1] = ('x'):rep(1 << 20) .. #hoard end
              return 'acme', 'normal'
            end
            return M
            """), limits: .memoryBound)
        var sawMemoryError = false
        for _ in 0..<20 {
            do { _ = try runtime.attribute(attackEvent) } catch { sawMemoryError = error.kind == .memory; break }
        }
        #expect(sawMemoryError)
        #expect(try runtime.attribute(normalEvent) == Attribution(client: "acme", reason: "normal"))
        #expect(runtime.memoryInUse < 1 << 20)
    }

    @Test func blocksTheAllocatorReusesKeepEveryValue() throws {
        // Freed small blocks are handed out again (tally_blocks.c). Strings and tables of many
        // sizes, on both sides of the small-block limit, grown one element at a time, some kept
        // across calls while the rest are freed and reused, must all read back exactly.
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: """
            local M = {}
            local kept = {}
            local function build(seed)
              local strings, tables = {}, {}
              for n = 1, 300, 7 do
                strings[#strings + 1] = string.rep(string.char(65 + (n + seed) % 26), n)
                local t = {}
                for i = 1, n % 70 do t[i] = i * seed end
                for i = 1, n % 70, 2 do t[i] = nil end
                t['k' .. n] = seed
                tables[#tables + 1] = t
              end
              return {seed = seed, strings = strings, tables = tables}
            end
            local function check(built)
              local seed, k = built.seed, 0
              for n = 1, 300, 7 do
                k = k + 1
                if built.strings[k] ~= string.rep(string.char(65 + (n + seed) % 26), n) then
                  error('string of ' .. n .. ' bytes changed')
                end
                local t = built.tables[k]
                for i = 1, n % 70 do
                  if t[i] ~= (i % 2 == 0 and i * seed or nil) then error('table ' .. n .. ' entry ' .. i .. ' changed') end
                end
                if t['k' .. n] ~= seed then error('table ' .. n .. ' lost its key') end
              end
            end
            function M.attribute(event)
              local seed = tonumber(event.id) or 0
              local fresh = build(seed)
              kept[seed % 5] = build(seed + 1)
              check(fresh)
              for _, built in pairs(kept) do check(built) end
              return 'acme', 'checked'
            end
            return M
            """), limits: .memoryBound)
        for seed in 1...300 {
            #expect(try runtime.attribute(["id": .string("\(seed)")]) == Attribution(client: "acme", reason: "checked"))
        }
        #expect(runtime.memoryInUse < 4 << 20)
    }

    // MARK: Stack

    @Test func deepLuaRecursionIsAnError() throws {
        // A 200,000-frame stack may also outlast the deadline (its unwinding is uninterruptible C).
        let error = expectContained(try hostileRuntime("local function f(n) return f(n + 1) + 1 end return f(1)"), kinds: [.runtime, .memory, .timeout])
        if error?.kind == .runtime { #expect(error?.message.contains("stack overflow") == true) }
    }

    @Test(arguments: [
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x",
        "local function r(s) return (s:gsub('.', r)) end return r('ab')",
        "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) return tostring(t)",
        "local t = setmetatable({}, {__lt = function(a, b) return a < b end}) return t < t",
        "local function s(a, b) table.sort({1, 2, 3}, s) return a < b end table.sort({1, 2, 3}, s)",
        "local t = setmetatable({}, {__index = function(t, k) return string.gsub('x', 'x', function() return t[k] end) end}) return t.x",
    ])
    func deepCRecursionIsAnErrorNotACrash(attack: String) throws {
        let error = expectContained(try hostileRuntime(attack), kinds: [.runtime])
        #expect(error?.message.contains("stack overflow") == true || error?.message.contains("error in error handling") == true, "\(String(describing: error))")
    }

    @Test func nestedPcallsUnwindNormally() throws {
        #expect(try evaluate("local function f(n) return pcall(f, n + 1) end return 'acme', tostring(f(1))") == "true")
    }

    @Test func deeplyNestedSourceIsASyntaxError() throws {
        let nested = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        #expect {
            try RuleRuntime(source: RuleSetSource(attribution: "local x = \(nested)\nreturn {attribute = function() end}"), limits: .testing)
        } throws: { error in
            let error = error as! RuleError
            return error.kind == .syntax && error.file == "attribution.lua" && error.message.contains("overflow")
        }
    }

    // MARK: Errors

    @Test func errorAtCallHasFileLineAndEvent() throws {
        let error = expectContained(try hostileRuntime("error('boom')"), kinds: [.runtime])
        #expect(error?.message == "boom")
        #expect(error?.file == "attribution.lua" && error?.line == 4)
        #expect(error?.description == "attribution.lua:4: boom (event attack)")
        #expect(error?.traceback?.contains("attribution.lua:4") == true)
        #expect(error?.jsonValue["kind"] == "runtime")
    }

    @Test func indexingNilNamesTheField() throws {
        let error = expectContained(try hostileRuntime("return event.workflow.name"), kinds: [.runtime])
        #expect(error?.message == "attempt to index a nil value (field 'workflow')")
    }

    @Test func errorObjectsThatAreNotStrings() throws {
        let table = expectContained(try hostileRuntime("error({code = 42})"), kinds: [.runtime])
        #expect(table?.message == "(error object is a table value)")
        #expect(table?.line == 4)
        let custom = expectContained(try hostileRuntime("error(setmetatable({}, {__tostring = function() return 'custom failure' end}))"), kinds: [.runtime])
        #expect(custom?.message == "custom failure")
        let failing = expectContained(try hostileRuntime("error(setmetatable({}, {__tostring = function() error('nested') end}))"), kinds: [.runtime])
        #expect(failing?.message == "(error object is a table value)")
        let number = expectContained(try hostileRuntime("error(setmetatable({}, {__tostring = function() return 42 end}))"), kinds: [.runtime])
        #expect(number?.message == "42")  // Lua accepts a number from __tostring
        let notString = expectContained(try hostileRuntime("error(setmetatable({}, {__tostring = function() return {} end}))"), kinds: [.runtime])
        #expect(notString?.message == "(error object is a table value)")
        expectContained(try hostileRuntime("error(setmetatable({}, {__tostring = function() while true do end end}))"), kinds: [.timeout])
        expectContained(try hostileRuntime("error(nil)"), kinds: [.runtime])
        expectContained(try hostileRuntime("error(42)"), kinds: [.runtime])
        let positioned = expectContained(try hostileRuntime("local function check() error('caller fault', 2) end\n check()"), kinds: [.runtime])
        #expect(positioned?.line == 5)
    }

    @Test func invalidResultsAreReported() throws {
        func result(_ body: String) throws -> RuleError? {
            let runtime = try hostileRuntime("return \(body)")
            return expectContained(runtime, kinds: [.invalidResult])
        }
        #expect(try result("42")?.message.contains("not a number") == true)
        #expect(try result("''")?.message.contains("empty client id") == true)
        #expect(try result("('x'):rep(500)")?.message.contains("limit is 200") == true)
        #expect(try result("'acme', {}")?.message.contains("reason") == true)
        #expect(try result("'acme', 'r', 'tags'")?.message.contains("tags") == true)
        #expect(try result("'acme', 'r', {[1] = 'x'}")?.message.contains("tag names") == true)
        #expect(try result("'acme', 'r', {k = {}}")?.message.contains("tag 'k'") == true)
        let line = try result("function() end")
        #expect(line?.file == "attribution.lua" && line?.line == 2)
        let tags = try evaluate("return 'acme', 'r', {n = 3, b = true}").map { _ in () }
        #expect(tags != nil)
    }

    @Test func errorsAtLoadAreReportedWithLocation() throws {
        func loadError(_ source: String) -> RuleError? {
            do {
                _ = try RuleRuntime(source: RuleSetSource(attribution: source), limits: .testing)
                return nil
            } catch { return error }
        }
        let syntax = loadError("local M = {}\nfunction M.attribute(event)\n  return event.\nend\nreturn M")
        #expect(syntax?.kind == .syntax && syntax?.file == "attribution.lua" && syntax?.line == 4)
        let thrown = loadError("local M = {}\nerror('not ready')\nreturn M")
        #expect(thrown?.kind == .runtime && thrown?.line == 2 && thrown?.message == "not ready")
        let loop = loadError("while true do end")
        #expect(loop?.kind == .timeout && loop?.line == 1)
        let noTable = loadError("return 42")
        #expect(noTable?.kind == .invalidRuleSet && noTable?.message.contains("module table") == true)
        let noFunction = loadError("return {attribute = 'x'}")
        #expect(noFunction?.kind == .invalidRuleSet && noFunction?.message.contains("'attribute'") == true)
        // The smoke test catches a rule that cannot cope with an event lacking a workflow.
        let fragile = loadError("local M = {}\nfunction M.attribute(event)\n  return event.workflow.name\nend\nreturn M")
        #expect(fragile?.kind == .runtime && fragile?.line == 3)
        #expect(fragile?.message == "attempt to index a nil value (field 'workflow')")
        #expect(fragile?.eventID == "tally-smoke-minimal")
        let bomb = loadError("local s = string.rep('x', 1 << 30)")
        #expect(bomb?.kind == .memory)
    }

    @Test func moduleStatePersistsBetweenCallsUntilARebuild() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: """
            local M = {}
            local calls = 0
            function M.attribute(event)
              calls = calls + 1
              if event.id == 'attack' then while true do end end
              return 'acme', tostring(calls)
            end
            return M
            """), limits: .testing)
        let first = Int(try runtime.attribute(normalEvent).reason ?? "") ?? 0
        #expect(Int(try runtime.attribute(normalEvent).reason ?? "") == first + 1)
        #expect(throws: RuleError.self) { try runtime.attribute(attackEvent) }
        #expect(try runtime.attribute(normalEvent).reason == "1")
    }
}
