// What a rule script can reach: base functions without the loaders and the collector, plus
// string (without dump), table, math (without random: rules must be deterministic so that a
// replay over history gives the same answer), utf8 and tally. No io, os, package, debug or
// coroutine. Every library table and the globals themselves are read-only proxies, the string
// metatable is locked, and `__gc` is refused (a finalizer could run script code from inside
// the collector, outside any deadline, even from lua_close).

#include "tally_internal.h"

#include <string.h>

// setmetatable, but refusing `__gc`. Lua marks an object for finalization only if its
// metatable has `__gc` when it is set, so checking here is enough.
static int sandbox_setmetatable(lua_State *L) {
    // An event object (tally_event.c) is a table to scripts, with a locked metatable.
    if (lua_type(L, 1) == LUA_TLIGHTUSERDATA) return luaL_error(L, "cannot change a protected metatable");
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "__gc metamethods are not available in rules");
        lua_pop(L, 1);
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

// rawset, but not on read-only proxies (it would bypass __newindex and shadow their fields).
static int sandbox_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (tally_readonly_is_proxy(L, 1)) return luaL_error(L, "attempt to modify a read-only table with rawset");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

// The message handler wrapped by sandbox_xpcall. Lua runs a message handler with hooks
// disabled when the error was raised by a hook, so after the deadline has fired the script's
// handler would run beyond the watchdog's reach: skip it and pass the error on unchanged.
static int sandbox_xpcall_handler(lua_State *L) {
    if (tally_watchdog_expired(L)) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

// xpcall(f, handler, ...), with the handler wrapped as above.
static int sandbox_xpcall(lua_State *L) {
    int count = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    tally_check_c_stack(L);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, sandbox_xpcall_handler, 1);
    lua_replace(L, 2);      // f, wrapped handler, args...
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_replace(L, 1);
    lua_replace(L, 2);      // wrapped handler, f, args...
    int status = lua_pcall(L, count - 2, LUA_MULTRET, 1);
    lua_pushboolean(L, status == LUA_OK);
    lua_replace(L, 1);   // true/false, results or error object
    return lua_gettop(L);
}

static int sort_less_than(lua_State *L) {
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
}

// table.sort, but interruptible: without a comparator, Lua sorts inside one C call that the
// deadline hook cannot reach (900,000 integers: 0.7 s on the test VM). Above SORT_NATIVE_LIMIT
// elements it sorts through a C comparator instead: every comparison is a function call, where
// the armed hook stops a sort that has run out of time. Small tables keep the fast path.
#define SORT_NATIVE_LIMIT 1000
static int sandbox_sort(lua_State *L) {
    if (lua_isnoneornil(L, 2) && lua_type(L, 1) == LUA_TTABLE && luaL_len(L, 1) > SORT_NATIVE_LIMIT) {
        lua_settop(L, 1);
        lua_pushcfunction(L, sort_less_than);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

// print goes to the rule log (info), never to the server's stdout.
static int sandbox_print(lua_State *L) {
    int count = lua_gettop(L);
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    for (int index = 1; index <= count; index++) {
        if (index > 1) luaL_addchar(&buffer, '\t');
        luaL_tolstring(L, index, NULL);
        luaL_addvalue(&buffer);
    }
    luaL_pushresult(&buffer);
    size_t length;
    const char *line = lua_tolstring(L, -1, &length);
    tally_log_append(tally_vm_of(L), TALLY_LOG_INFO, line, length);
    return 0;
}

// type(v), as Lua's, but answering from the type names interned at install (upvalues): Lua's
// own interns the name again on every call, and rules call type() on most fields they read
// (measured: nearly a tenth of the default rules' time, in Lua's string cache).
static int sandbox_type(lua_State *L) {
    int type = lua_type(L, 1);
    luaL_argcheck(L, type != LUA_TNONE, 1, "value expected");
    // The only light userdata scripts hold are event objects, which are tables to them.
    if (type == LUA_TLIGHTUSERDATA) type = LUA_TTABLE;
    lua_pushvalue(L, lua_upvalueindex(type + 1));
    return 1;
}

static void remove_fields(lua_State *L, int table, const char *const *names) {
    for (; *names != NULL; names++) {
        lua_pushnil(L);
        lua_setfield(L, table, *names);
    }
}

int tally_sandbox_install(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_settop(L, 0);

    lua_pushglobaltable(L);  // 1: the real globals, never reachable by scripts
    static const char *const removed_base[] = {"dofile", "loadfile", "load", "collectgarbage", "warn", "require", NULL};
    remove_fields(L, 1, removed_base);
    lua_pushcfunction(L, sandbox_setmetatable);
    lua_setfield(L, 1, "setmetatable");
    lua_pushcfunction(L, sandbox_rawset);
    lua_setfield(L, 1, "rawset");
    lua_pushcfunction(L, sandbox_xpcall);
    lua_setfield(L, 1, "xpcall");
    lua_pushcfunction(L, sandbox_print);
    lua_setfield(L, 1, "print");
    for (int type = 0; type < LUA_NUMTYPES; type++) lua_pushstring(L, lua_typename(L, type));
    lua_pushcclosure(L, sandbox_type, LUA_NUMTYPES);
    lua_setfield(L, 1, "type");

    lua_getfield(L, 1, LUA_STRLIBNAME);  // 2
    static const char *const removed_string[] = {"dump", NULL};
    remove_fields(L, 2, removed_string);
    tally_pattern_install(L, 2);
    // Strings share one metatable; lock it (getmetatable("") returns "locked"). Its __index
    // stays the real string table, which scripts therefore cannot reach either.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_settop(L, 1);

    lua_getfield(L, 1, LUA_TABLIBNAME);
    lua_getfield(L, 2, "sort");
    lua_pushcclosure(L, sandbox_sort, 1);
    lua_setfield(L, 2, "sort");
    lua_settop(L, 1);

    lua_getfield(L, 1, LUA_MATHLIBNAME);
    static const char *const removed_math[] = {"random", "randomseed", NULL};
    remove_fields(L, 2, removed_math);
    lua_settop(L, 1);

    // Lookup tables, filled later by tally_vm_add_lookup: name -> data and name -> proxy.
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS "_proxies");
    tally_host_api_open(L);
    lua_setfield(L, 1, "tally");
    tally_event_install(L, 1);

    static const char *const libraries[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME, "tally", NULL};
    for (const char *const *name = libraries; *name != NULL; name++) {
        lua_getfield(L, 1, *name);
        tally_readonly_wrap(L, *name);
        lua_setfield(L, 1, *name);
    }

    // The environment every chunk gets: a read-only proxy over the globals, which is also _G.
    lua_pushvalue(L, 1);
    tally_readonly_wrap(L, "_G");
    lua_pushvalue(L, -1);
    lua_setfield(L, 1, LUA_GNAME);
    lua_setfield(L, LUA_REGISTRYINDEX, TALLY_REG_ENV);
    lua_settop(L, 0);
    return 0;
}
