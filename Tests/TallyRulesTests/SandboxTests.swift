import TallyJSON
import TallyRules
import Testing

/// What a rule script can and cannot reach. Every probe runs inside `attribute` in service
/// (after the smoke test), and reports through the reason string.
@Suite("Sandbox")
struct SandboxTests {
    /// Runs `code` in pcall and returns "ok" or the error message.
    func attempt(_ code: String) throws -> String {
        try evaluate("""
            local ok, err = pcall(function() \(code) end)
            if ok then return "acme", "ok" end
            return "acme", tostring(err)
            """) ?? "(no reason)"
    }

    @Test(arguments: ["io", "os", "package", "debug", "coroutine", "load", "loadfile", "dofile", "require", "collectgarbage", "warn", "loadstring", "module", "setfenv", "getfenv", "newproxy", "jit", "ffi"])
    func removedGlobalsAreAbsent(name: String) throws {
        #expect(try evaluate("return 'acme', type(\(name))") == "nil")
    }

    @Test(arguments: [
        ("io.open('/etc/passwd')", "global 'io'"),
        ("os.execute('true')", "global 'os'"),
        ("os.getenv('HOME')", "global 'os'"),
        ("package.loadlib('libc.so.6', 'system')", "global 'package'"),
        ("debug.getregistry()", "global 'debug'"),
        ("debug.sethook()", "global 'debug'"),
        ("load('return 1')()", "global 'load'"),
        ("loadfile('/etc/passwd')", "global 'loadfile'"),
        ("dofile('/etc/passwd')", "global 'dofile'"),
        ("require('os')", "global 'require'"),
        ("collectgarbage('stop')", "global 'collectgarbage'"),
        ("coroutine.wrap(print)", "global 'coroutine'"),
        ("string.dump(print)", "field 'dump'"),
        ("('x').dump(print)", "field 'dump'"),
        ("math.randomseed(1)", "field 'randomseed'"),
        ("math.random()", "field 'random'"),
    ])
    func escapeAttemptsThroughRemovedLibrariesFail(code: String, expected: String) throws {
        let message = try attempt(code)
        #expect(message.contains("attempt to"), "\(message)")
        #expect(message.contains(expected), "\(message)")
    }

    @Test func globalWritesFailNamingTheVariable() throws {
        #expect(try attempt("x = 1").contains("assignment to global 'x'"))
        #expect(try attempt("function helper() end").contains("global 'helper'"))
        #expect(try attempt("_G.y = 1").contains("global 'y'"))
        #expect(try attempt("_ENV.z = 1").contains("global 'z'"))
        #expect(try attempt("print = nil").contains("global 'print'"))
        #expect(try attempt("_G._G = {}").contains("global '_G'"))
        // Replacing an existing global is refused too.
        #expect(try attempt("tostring = function() return 'pwned' end").contains("global 'tostring'"))
        #expect(try evaluate("return 'acme', tostring(1)") == "1")
    }

    @Test func aGlobalWriteAtLoadTimeIsReportedWithFileAndLine() throws {
        let source = RuleSetSource(attribution: """
            local M = {}
            counter = 0
            function M.attribute(event) return nil end
            return M
            """)
        #expect {
            try RuleRuntime(source: source, limits: .testing)
        } throws: { error in
            let error = error as! RuleError
            return error.kind == .runtime && error.file == "attribution.lua" && error.line == 2 && error.message.contains("global 'counter'")
        }
    }

    @Test func libraryTablesAreReadOnly() throws {
        #expect(try attempt("string.upper = nil").contains("read-only table 'string'"))
        #expect(try attempt("string.evil = print").contains("read-only table 'string'"))
        #expect(try attempt("table.insert = nil").contains("read-only table 'table'"))
        #expect(try attempt("math.pi = 3").contains("read-only table 'math'"))
        #expect(try attempt("utf8.char = nil").contains("read-only table 'utf8'"))
        #expect(try attempt("tally.slug = nil").contains("read-only table 'tally'"))
        #expect(try attempt("table.insert(string, 1)").contains("read-only"))
        #expect(try evaluate("return 'acme', string.upper('ok')") == "OK")
    }

    @Test func rawsetCannotBypassReadOnlyTables() throws {
        #expect(try attempt("rawset(_G, 'x', 1)").contains("read-only"))
        #expect(try attempt("rawset(string, 'upper', print)").contains("read-only"))
        #expect(try attempt("rawset(tally, 'lookup', print)").contains("read-only"))
        #expect(try evaluate("return 'acme', type(rawget(_G, 'x'))") == "nil")
        // rawset on the script's own tables still works.
        #expect(try evaluate("local t = {} rawset(t, 'k', 'v') return 'acme', t.k") == "v")
    }

    @Test func metatablesOfSharedTablesAreLocked() throws {
        #expect(try evaluate("return 'acme', tostring(getmetatable(''))") == "locked")
        #expect(try evaluate("return 'acme', tostring(getmetatable(_G))") == "locked")
        #expect(try evaluate("return 'acme', tostring(getmetatable(string))") == "locked")
        #expect(try attempt("setmetatable(_G, nil)").contains("protected metatable"))
        #expect(try attempt("setmetatable(_G, {__newindex = rawset})").contains("protected metatable"))
        #expect(try attempt("setmetatable(string, {})").contains("protected metatable"))
        #expect(try attempt("setmetatable(getmetatable(''), {})").contains("bad argument #1"))
        #expect(try attempt("getmetatable('').__index.upper = nil").contains("attempt to index a nil value"))
        #expect(try attempt("getmetatable('').__index = {}").contains("attempt to index"))
        // String methods still work after all of the above.
        #expect(try evaluate("return 'acme', ('Acme'):lower() .. ('x'):rep(3)") == "acmexxx")
    }

    @Test func envTricksStayInsideTheScript() throws {
        // A script may give itself a private environment; that is not an escape.
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: """
            local M = {}
            function M.attribute(event)
              if event.id == 'swap' then
                local _ENV = setmetatable({}, {__index = _G})
                leaked = 'yes'
                return 'acme', tostring(leaked)
              end
              return 'acme', type(leaked)
            end
            return M
            """), limits: .testing)
        #expect(try runtime.attribute(["id": "swap"]).reason == "yes")
        #expect(try runtime.attribute(["id": "after"]).reason == "nil")
    }

    @Test func gcMetamethodsAreRefused() throws {
        #expect(try attempt("setmetatable({}, {__gc = function() while true do end end})").contains("__gc"))
        // Adding __gc after setmetatable does not mark the object for finalization (Lua 5.4 rule).
        #expect(try attempt("local mt = {} local t = setmetatable({}, mt) mt.__gc = function() end") == "ok")
    }

    @Test func bytecodeIsRefused() throws {
        let source = RuleSetSource(attribution: "\u{1B}Lua\u{54}\u{00}garbage")
        #expect {
            try RuleRuntime(source: source, limits: .testing)
        } throws: { error in
            let error = error as! RuleError
            return error.kind == .syntax && error.message.contains("binary chunk")
        }
    }

    @Test func pairsOverLibrariesWorksWithoutExposingThem() throws {
        let names = try evaluate("""
            local names = {}
            for name in pairs(string) do names[#names + 1] = name end
            table.sort(names)
            return 'acme', table.concat(names, ',')
            """) ?? ""
        #expect(names.contains("format") && names.contains("gsub") && !names.contains("dump"))
        #expect(try evaluate("local n = 0 for _ in pairs(_G) do n = n + 1 end return 'acme', tostring(n > 10)") == "true")
    }

    @Test func printAndLogGoToTheRuleLogAndAreBounded() throws {
        let runtime = try RuleRuntime(source: RuleSetSource(attribution: module("""
              if event.id == 'chatty' then
                for i = 1, 100 do print('line', i) end
              else
                tally.log('warning', 'checking ' .. tostring(event.id))
                tally.log('debug', {})
              end
              return nil
            """)), limits: .testing)
        _ = try runtime.attribute(["id": "quiet"])
        #expect(runtime.lastLogs.first == RuleLogLine(level: .warning, message: "checking quiet"))
        #expect(runtime.lastLogs.count == 2)
        _ = try runtime.attribute(["id": "chatty"])
        #expect(runtime.lastLogs.count == RuleLimits.testing.logLinesPerCall)
        #expect(runtime.lastLogs.first == RuleLogLine(level: .info, message: "line\t1"))
        #expect(try attempt("tally.log('loud', 'x')").contains("invalid option 'loud'"))
    }

    @Test func tableSortStillSorts() throws {
        #expect(try evaluate("local t = {5, 3, 9, 1} table.sort(t) return 'acme', table.concat(t, ',')") == "1,3,5,9")
        #expect(try evaluate("local t = {'b', 'a', 'c'} table.sort(t, function(a, b) return a > b end) return 'acme', table.concat(t)") == "cba")
        #expect(try evaluate("""
            local t = {}
            for i = 1, 5000 do t[i] = (i * 7919) % 5003 end
            table.sort(t)
            for i = 2, #t do if t[i - 1] > t[i] then return 'acme', 'unsorted at ' .. i end end
            return 'acme', 'sorted'
            """) == "sorted")
        #expect(try attempt("local t = {} for i = 1, 2000 do t[i] = i end t[77] = 'x' table.sort(t)").contains("attempt to compare"))
    }

    @Test func hostHelpers() throws {
        #expect(try evaluate("return 'acme', tally.slug('  Innovate Corp., Ltd.  ')") == "innovate-corp-ltd")
        #expect(try evaluate("return 'acme', tally.slug('ÄCME--Labs__2')") == "cme-labs-2")
        #expect(try evaluate("return 'acme', '[' .. tally.slug('---') .. ']'") == "[]")
        #expect(try evaluate("local a, b = tally.split_workflow_name('Acme - Summarizer - v2') return 'acme', a .. '|' .. b") == "Acme|Summarizer - v2")
        #expect(try evaluate("return 'acme', tostring(tally.split_workflow_name('Acme-Summarizer'))") == "nil")
        #expect(try evaluate("return 'acme', tostring(tally.split_workflow_name(' - Summarizer'))") == "nil")
        #expect(try attempt("tally.slug(nil)").contains("bad argument #1 to 'slug'"))
    }

    @Test func lookupTablesAreReadableAndFrozen() throws {
        let lookups = ["instances": #"{"prod": {"client": "acme", "regions": ["eu", "us"]}, "dev": "globex"}"#]
        func run(_ body: String) throws -> String? { try evaluate(body, lookups: lookups) }
        #expect(try run("return 'acme', tally.lookup('instances', 'dev')") == "globex")
        #expect(try run("return 'acme', tally.lookup('instances', 'prod').client") == "acme")
        #expect(try run("return 'acme', tally.lookup('instances', 'prod').regions[2]") == "us")
        #expect(try run("return 'acme', tostring(#tally.lookup('instances', 'prod').regions)") == "2")
        #expect(try run("return 'acme', tostring(tally.lookup('instances', 'missing'))") == "nil")
        #expect(try run("return 'acme', tostring(tally.lookup('instances', nil))") == "nil")
        #expect(try run("local n = 0 for k in pairs(tally.table('instances')) do n = n + 1 end return 'acme', tostring(n)") == "2")
        func attempt(_ code: String) throws -> String {
            try run("local ok, err = pcall(function() \(code) end) return 'acme', ok and 'ok' or tostring(err)") ?? ""
        }
        #expect(try attempt("tally.lookup('instances', 'prod').client = 'evil'").contains("read-only table 'instances'"))
        #expect(try attempt("tally.lookup('instances', 'prod').regions[1] = 'evil'").contains("read-only"))
        #expect(try attempt("tally.table('instances').new = 'x'").contains("read-only"))
        #expect(try attempt("rawset(tally.table('instances'), 'new', 'x')").contains("read-only"))
        #expect(try attempt("table.insert(tally.lookup('instances', 'prod').regions, 'x')").contains("read-only"))
        #expect(try attempt("tally.lookup('nope', 'x')").contains("no lookup table 'nope'"))
        #expect(try run("return 'acme', tally.lookup('instances', 'prod').client") == "acme")
    }
}
