// Read-only tables for plain Lua 5.4, which has none: an empty proxy whose metatable reads
// from the real table (__index), refuses writes (__newindex), forwards # and pairs, and hides
// itself (__metatable), so scripts never get a reference to the real table.

#include "tally_internal.h"

#define READONLY_FIELD "__readonly"

// The real table behind the proxy at `index` (pushed).
static void push_real(lua_State *L, int index) {
    lua_getmetatable(L, index);
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
}

static int readonly_newindex(lua_State *L) {
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, READONLY_FIELD);
    const char *name = lua_tostring(L, -1);
    const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2);
    if (name != NULL && name[0] == '_' && name[1] == 'G' && name[2] == '\0')
        return luaL_error(L, "assignment to global '%s': globals are read-only in rules (declare it 'local %s')", key, key);
    return luaL_error(L, "attempt to modify read-only table '%s' (field '%s')", name ? name : "?", key);
}

static int readonly_len(lua_State *L) {
    push_real(L, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

static int readonly_next(lua_State *L) {
    lua_settop(L, 2);
    push_real(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, 3)) return 2;
    lua_pushnil(L);
    return 1;
}

static int readonly_pairs(lua_State *L) {
    lua_pushcfunction(L, readonly_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

void tally_readonly_wrap(lua_State *L, const char *name) {
    luaL_checkstack(L, 4, "read-only proxy");
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 6);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, readonly_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, readonly_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pushstring(L, name);
    lua_setfield(L, -2, READONLY_FIELD);
    lua_setmetatable(L, -2);
    lua_replace(L, -2);
}

void tally_readonly_freeze(lua_State *L, const char *name, int depth) {
    if (depth > 64) luaL_error(L, "lookup table '%s' is nested more than 64 levels deep", name);
    luaL_checkstack(L, 6, "read-only proxy");
    int real = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, real)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            tally_readonly_freeze(L, name, depth + 1);  // key, proxy
            lua_pushvalue(L, -2);                        // key, proxy, key
            lua_insert(L, -2);                           // key, key, proxy
            lua_rawset(L, real);  // replacing an existing field is allowed while traversing
        } else {
            lua_pop(L, 1);
        }
    }
    tally_readonly_wrap(L, name);
}

int tally_readonly_is_proxy(lua_State *L, int index) {
    if (!lua_getmetatable(L, index)) return 0;
    lua_pushliteral(L, READONLY_FIELD);
    int found = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return found;
}
