// The `tally` library: the only host functions a rule can call. Small on purpose.
//
//   tally.log(level, message)            level: "debug" | "info" | "warning" | "error"
//   tally.slug(text)                     "Innovate Corp." -> "innovate-corp"
//   tally.split_workflow_name(name)      "Acme - Summarizer" -> "Acme", "Summarizer" (or nil)
//   tally.lookup(table, key)             a value from <table>.json beside the rules, or nil
//   tally.table(name)                    the whole lookup table (read-only)

#define _GNU_SOURCE
#include "tally_internal.h"

#include <string.h>

static int api_log(lua_State *L) {
    static const char *const levels[] = {"debug", "info", "warning", "error", "warn", NULL};
    int level = luaL_checkoption(L, 1, NULL, levels);
    if (level == 4) level = TALLY_LOG_WARNING;
    size_t length;
    const char *message = luaL_tolstring(L, 2, &length);
    tally_log_append(tally_vm_of(L), level, message, length);
    return 0;
}

static inline int is_ascii_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ASCII letters and digits, lowercased; every run of anything else becomes one '-', and
// no '-' is left at either end. Non-ASCII letters count as "anything else".
static int api_slug(lua_State *L) {
    size_t length;
    const char *text = luaL_checklstring(L, 1, &length);
    luaL_Buffer buffer;
    char *out = luaL_buffinitsize(L, &buffer, length);
    size_t used = 0;
    int gap = 0;
    for (size_t index = 0; index < length; index++) {
        unsigned char c = (unsigned char)text[index];
        if (is_ascii_alnum(c)) {
            if (gap && used > 0) out[used++] = '-';
            gap = 0;
            out[used++] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
        } else {
            gap = 1;
        }
    }
    luaL_pushresultsize(&buffer, used);
    return 1;
}

static inline int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void push_trimmed(lua_State *L, const char *start, const char *end) {
    while (start < end && is_space((unsigned char)*start)) start++;
    while (end > start && is_space((unsigned char)end[-1])) end--;
    lua_pushlstring(L, start, (size_t)(end - start));
}

// The "Client - Workflow" naming convention: splits at the first " - " (or the same with an
// en dash or an em dash, which some editors substitute). Returns the trimmed client part and
// the rest, or nil when the name has no separator or the client part is empty.
static int api_split_workflow_name(lua_State *L) {
    size_t length;
    const char *name = luaL_checklstring(L, 1, &length);
    const char *end = name + length;
    // One pass: at each space, look for "-", "\u2013" or "\u2014" followed by a space.
    for (const char *space = memchr(name, ' ', length); space != NULL; space = memchr(space + 1, ' ', (size_t)(end - space - 1))) {
        size_t dash = 0;
        if (space + 2 < end && space[1] == '-') dash = 1;
        else if (space + 4 < end && (unsigned char)space[1] == 0xE2 && (unsigned char)space[2] == 0x80 &&
                 ((unsigned char)space[3] == 0x93 || (unsigned char)space[3] == 0x94)) dash = 3;
        if (dash == 0 || space[1 + dash] != ' ') {
            if (space + 1 >= end) break;
            continue;
        }
        push_trimmed(L, name, space);
        if (lua_rawlen(L, -1) == 0) {
            lua_pushnil(L);
            return 1;
        }
        push_trimmed(L, space + 2 + dash, end);
        return 2;
    }
    lua_pushnil(L);
    return 1;
}

// Pushes the lookup table `name` from the table at upvalue `upvalue`, or raises naming it.
static void push_lookup_table(lua_State *L, int upvalue) {
    const char *name = luaL_checkstring(L, 1);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, lua_upvalueindex(upvalue)) != LUA_TTABLE)
        luaL_error(L, "no lookup table '%s' (add %s.json beside the rules)", name, name);
}

static int api_lookup(lua_State *L) {
    lua_settop(L, 2);
    push_lookup_table(L, 1);  // 3: the data (its nested tables are read-only proxies)
    switch (lua_type(L, 2)) {
    case LUA_TNIL:
        lua_pushnil(L);
        return 1;
    case LUA_TSTRING:
        lua_pushvalue(L, 2);
        break;
    case LUA_TNUMBER:  // JSON object keys are strings
        lua_pushvalue(L, 2);
        lua_tolstring(L, -1, NULL);
        break;
    default:
        return luaL_typeerror(L, 2, "string");
    }
    lua_rawget(L, 3);
    return 1;
}

static int api_table(lua_State *L) {
    lua_settop(L, 1);
    push_lookup_table(L, 2);
    return 1;
}

void tally_host_api_open(lua_State *L) {
    lua_createtable(L, 0, 6);
    lua_pushcfunction(L, api_log);
    lua_setfield(L, -2, "log");
    lua_pushcfunction(L, api_slug);
    lua_setfield(L, -2, "slug");
    lua_pushcfunction(L, api_split_workflow_name);
    lua_setfield(L, -2, "split_workflow_name");
    lua_getfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS);
    lua_pushcclosure(L, api_lookup, 1);
    lua_setfield(L, -2, "lookup");
    lua_pushnil(L);  // upvalue 1 unused by tally.table
    lua_getfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS "_proxies");
    lua_pushcclosure(L, api_table, 2);
    lua_setfield(L, -2, "table");
}
