// Lazy event tables: the event reaches `attribute(event)` as a table whose fields are converted
// from the host's data only when the script reads them.
//
// Converting a whole event (two dozen fields, four nested objects) into Lua tables costs more
// than running the default rules, which read five or six fields. So the event is not a table
// at all: it is a light userdata, a plain value that the collector never sees, whose bits name
// the call and an entry in this VM's list of event objects. All light userdata share one
// metatable (set at install; scripts cannot make light userdata of their own), whose __index
// answers a field from the host: from members registered before the call (JSON arguments:
// key bytes, scalars, string bytes, nested objects and arrays as host ids, in a per-VM arena
// reused from call to call), or through the host's `field` callback (typed events, which
// register nothing). A nested object is another such value; an array is pushed as a table.
// The callbacks only push values or register members, with the memory cap lifted, and with
// the cap lifted the allocator aborts rather than fail: no Lua error can be raised inside
// their Swift frames.
//
// To a script an event object is a table: type() says "table", and fields, pairs, #, writes,
// rawget, rawset, rawlen, next, tostring and the table library behave as on a table whose raw
// contents are what the script wrote into it (its overlay, made on the first write). Only
// Lua's own error messages call it a userdata. An event object is valid during the call that
// received it: any use of one kept from an earlier call raises an error that says so.

#include "tally_internal.h"

#include <stdlib.h>
#include <string.h>

struct tally_member {
    uint32_t key;          // arena offset
    uint32_t key_length;
    int32_t type;          // tally_value_type
    int32_t next;          // next member of the same object, or -1
    int32_t resolved;      // nested object: its object index once registered, else -1
    uint32_t data;         // string: arena offset; nested: host id
    uint32_t data_length;
    union {
        lua_Integer integer;
        lua_Number number;
    } scalar;
};

// Members of one object form a linked list, so a nested object can be registered in the middle
// of its parent's members (RuleArgumentWriter.object).
struct tally_object {
    int32_t first;
    int32_t last;
    uint32_t count;
};

struct tally_lazy_table {
    int object;   // its registered object, or -1 while the host answers its reads
    int host;     // the host object behind it, while `object` is -1
    int overlay;  // slot of what the script wrote into it in the registry table `overlays`, or 0
};

// An object or table member read during the current call: event object `parent`'s member `key`
// (bytes in the arena), so a second read gives the same value (`event.workflow ==
// event.workflow`). `entry` is the event object read, or -1 for a table (an array), kept in
// slot child + 1 of the registry table `child_tables`.
struct tally_child {
    int parent;
    uint32_t key;
    uint32_t key_length;
    int entry;
};

// What a table is to the current call, besides an entry of its lazy list.
enum { NOT_LAZY = -1, STALE = -2 };

static const char *const stale_message =
    "this event table came from an earlier call; copy the fields you need instead of keeping the table";

_Static_assert(sizeof(void *) == 8, "event objects are 64-bit light userdata");
// An event object's bits: the call's generation above ENTRY_BITS, its entry + 1 below.
#define ENTRY_BITS 24
#define ENTRY_MASK ((UINT64_C(1) << ENTRY_BITS) - 1)
#define GENERATION_MASK ((UINT64_C(1) << (64 - ENTRY_BITS)) - 1)

// MARK: - Registration (host side)

static void *grow(void *block, uint32_t *capacity, uint32_t needed, size_t element) {
    if (needed <= *capacity) return block;
    uint32_t next = *capacity ? *capacity : 16;
    while (next < needed) next *= 2;
    void *grown = realloc(block, (size_t)next * element);
    if (grown == NULL) abort();  // host memory, as for Swift's own allocations
    *capacity = next;
    return grown;
}

static uint32_t arena_copy(tally_vm *vm, const char *bytes, size_t length) {
    if (length > UINT32_MAX / 2 || vm->arena_used + length > UINT32_MAX / 2) abort();  // events are far smaller
    vm->arena = grow(vm->arena, &vm->arena_capacity, vm->arena_used + (uint32_t)length + 1, 1);
    uint32_t offset = vm->arena_used;
    if (length > 0) memcpy(vm->arena + offset, bytes, length);
    vm->arena_used += (uint32_t)length;
    return offset;
}

void tally_vm_begin_argument(tally_vm *vm) {
    vm->generation++;  // every event object of earlier calls goes stale
    if (vm->overlay_count > 0) {
        lua_createtable(vm->L, 0, 0);
        lua_rawseti(vm->L, LUA_REGISTRYINDEX, vm->overlays);
        vm->overlay_count = 0;
    }
    vm->arena_used = 0;
    vm->member_count = 0;
    vm->object_count = 0;
    vm->lazy_count = 0;
    vm->child_count = 0;
    vm->open_depth = 0;
}

int tally_event_begin_object(tally_vm *vm) {
    if (vm->open_depth >= TALLY_EVENT_MAX_DEPTH) abort();  // the host limits nesting to 64
    vm->objects = grow(vm->objects, &vm->object_capacity, vm->object_count + 1, sizeof(struct tally_object));
    struct tally_object *object = &vm->objects[vm->object_count];
    object->first = -1;
    object->last = -1;
    object->count = 0;
    vm->open_objects[vm->open_depth++] = (int)vm->object_count;
    return (int)vm->object_count++;
}

void tally_event_end_object(tally_vm *vm) {
    if (vm->open_depth > 0) vm->open_depth--;
}

static struct tally_member *add_member(tally_vm *vm, const char *key, size_t key_length, int type) {
    if (vm->open_depth == 0) abort();  // members belong to an open object
    vm->members = grow(vm->members, &vm->member_capacity, vm->member_count + 1, sizeof(struct tally_member));
    int32_t index = (int32_t)vm->member_count++;
    struct tally_member *member = &vm->members[index];
    struct tally_object *object = &vm->objects[vm->open_objects[vm->open_depth - 1]];
    if (object->last >= 0) vm->members[object->last].next = index;
    else object->first = index;
    object->last = index;
    object->count++;
    member->next = -1;
    member->key = arena_copy(vm, key, key_length);
    member->key_length = (uint32_t)key_length;
    member->type = type;
    member->resolved = -1;
    member->data = 0;
    member->data_length = 0;
    member->scalar.integer = 0;
    return member;
}

void tally_event_add_scalar(tally_vm *vm, const char *key, size_t key_length, int type, lua_Integer integer, lua_Number number) {
    struct tally_member *member = add_member(vm, key, key_length, type);
    if (type == TALLY_VALUE_NUMBER) member->scalar.number = number;
    else member->scalar.integer = integer;
}

void tally_event_add_string(tally_vm *vm, const char *key, size_t key_length, const char *value, size_t value_length) {
    struct tally_member *member = add_member(vm, key, key_length, TALLY_VALUE_STRING);
    uint32_t data = arena_copy(vm, value, value_length);  // may move the arena, not the member
    member->data = data;
    member->data_length = (uint32_t)value_length;
}

void tally_event_add_timestamp(tally_vm *vm, const char *key, size_t key_length, int64_t microseconds) {
    struct tally_member *member = add_member(vm, key, key_length, TALLY_VALUE_TIMESTAMP);
    member->scalar.integer = (lua_Integer)microseconds;
}

void tally_event_add_nested(tally_vm *vm, const char *key, size_t key_length, int type, int host) {
    struct tally_member *member = add_member(vm, key, key_length, type);
    member->data = (uint32_t)host;
}

void tally_event_add_object(tally_vm *vm, const char *key, size_t key_length, int object) {
    struct tally_member *member = add_member(vm, key, key_length, TALLY_VALUE_OBJECT);
    member->resolved = object;
}

// MARK: - Event objects (script side)

static void push_handle(tally_vm *vm, uint32_t entry) {
    uint64_t bits = ((vm->generation & GENERATION_MASK) << ENTRY_BITS) | ((uint64_t)entry + 1);
    lua_pushlightuserdata(vm->L, (void *)(uintptr_t)bits);
}

static void push_lazy(tally_vm *vm, int object, int host) {
    if (vm->lazy_count >= ENTRY_MASK) {  // sixteen million objects: far beyond any event
        lua_pushnil(vm->L);
        return;
    }
    vm->lazy = grow(vm->lazy, &vm->lazy_capacity, vm->lazy_count + 1, sizeof(struct tally_lazy_table));
    vm->lazy[vm->lazy_count] = (struct tally_lazy_table){.object = object, .host = host, .overlay = 0};
    push_handle(vm, vm->lazy_count++);
}

void tally_vm_push_lazy_object(tally_vm *vm, int object) {
    push_lazy(vm, object >= 0 && (uint32_t)object < vm->object_count ? object : -1, -1);
}

void tally_vm_push_host_object(tally_vm *vm, int host) {
    push_lazy(vm, -1, host);
}

// The entry of the event object at `index` in this call's list, else NOT_LAZY, or STALE for
// one from an earlier call.
static int entry_of(lua_State *L, int index) {
    if (lua_type(L, index) != LUA_TLIGHTUSERDATA) return NOT_LAZY;
    tally_vm *vm = tally_vm_of(L);
    uint64_t bits = (uint64_t)(uintptr_t)lua_touserdata(L, index);
    uint64_t entry = bits & ENTRY_MASK;
    if (bits >> ENTRY_BITS != (vm->generation & GENERATION_MASK) || entry == 0 || entry > vm->lazy_count) return STALE;
    return (int)(entry - 1);
}

// The registered object behind entry `entry`. A host object is registered now, through the
// host, with the cap lifted.
static int object_of(tally_vm *vm, int entry) {
    if (vm->lazy[entry].object < 0) {
        int saved = vm->enforce;
        vm->enforce = 0;
        int object = vm->open(vm->event_context, vm->L, vm->lazy[entry].host);
        vm->enforce = saved;
        vm->lazy[entry].object = object;  // indexed again: `lazy` may have moved meanwhile
    }
    return vm->lazy[entry].object;
}

// Pushes what the script wrote into entry `entry` (a table). Readers first check that there is
// one (`overlay != 0`); a write makes it, which may raise a memory error, as writing to a table.
static void push_overlay(tally_vm *vm, int entry) {
    lua_State *L = vm->L;
    int slot = vm->lazy[entry].overlay;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->overlays);
    if (slot == 0) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, (lua_Integer)vm->overlay_count + 1);
        vm->lazy[entry].overlay = (int)++vm->overlay_count;
    } else {
        lua_rawgeti(L, -1, slot);
    }
    lua_remove(L, -2);
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's
// days_from_civil inverse: exact for every day, no table, no locale.
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_index = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * month_index + 2) / 5 + 1);
    *month = (int)(month_index < 10 ? month_index + 3 : month_index - 9);
    *year = year_of_era + era * 400 + (*month <= 2);
}

static void put_digits(char *out, int64_t value, int width) {
    for (int position = width - 1; position >= 0; position--) {
        out[position] = (char)('0' + value % 10);
        value /= 10;
    }
}

void tally_lua_push_timestamp(lua_State *L, int64_t microseconds) {
    int64_t days = microseconds >= 0 ? microseconds / 86400000000LL : -((-microseconds + 86399999999LL) / 86400000000LL);
    int64_t within_day = microseconds - days * 86400000000LL;
    int64_t seconds = within_day / 1000000, fraction = within_day % 1000000;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999) year = 0;  // the host writes only years 0000 to 9999
    char text[32];  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    put_digits(text, year, 4);
    text[4] = '-';
    put_digits(text + 5, month, 2);
    text[7] = '-';
    put_digits(text + 8, day, 2);
    text[10] = 'T';
    put_digits(text + 11, seconds / 3600, 2);
    text[13] = ':';
    put_digits(text + 14, seconds / 60 % 60, 2);
    text[16] = ':';
    put_digits(text + 17, seconds % 60, 2);
    size_t length = 19;
    if (fraction != 0) {
        text[length++] = '.';
        put_digits(text + length, fraction, 6);
        length += 6;
        while (text[length - 1] == '0') length--;
    }
    text[length++] = 'Z';
    lua_pushlstring(L, text, length);
}

// Pushes one member's value. Runs host callbacks for nested values, with the cap lifted.
static void push_member(tally_vm *vm, struct tally_member *member) {
    lua_State *L = vm->L;
    switch (member->type) {
    case TALLY_VALUE_FALSE: lua_pushboolean(L, 0); break;
    case TALLY_VALUE_TRUE: lua_pushboolean(L, 1); break;
    case TALLY_VALUE_INTEGER: lua_pushinteger(L, member->scalar.integer); break;
    case TALLY_VALUE_NUMBER: lua_pushnumber(L, member->scalar.number); break;
    case TALLY_VALUE_STRING: lua_pushlstring(L, vm->arena + member->data, member->data_length); break;
    case TALLY_VALUE_TIMESTAMP: tally_lua_push_timestamp(L, member->scalar.integer); break;
    case TALLY_VALUE_OBJECT:
    case TALLY_VALUE_ARRAY: {
        int saved = vm->enforce;
        vm->enforce = 0;
        if (member->type == TALLY_VALUE_ARRAY) {
            vm->push_array(vm->event_context, L, (int)member->data);
        } else {
            if (member->resolved < 0) {
                // `member` may move while the host registers members: keep its index.
                size_t position = (size_t)(member - vm->members);
                int object = vm->open(vm->event_context, L, (int)member->data);
                member = &vm->members[position];
                member->resolved = object;
            }
            tally_vm_push_lazy_object(vm, member->resolved);
        }
        vm->enforce = saved;
        break;
    }
    default: lua_pushnil(L); break;
    }
}

static struct tally_member *find_member(tally_vm *vm, int object, const char *key, size_t length) {
    for (int32_t index = vm->objects[object].first; index >= 0; index = vm->members[index].next) {
        struct tally_member *member = &vm->members[index];
        if (member->key_length == length && memcmp(vm->arena + member->key, key, length) == 0) return member;
    }
    return NULL;
}

// push_child and remember_child run on every field read: inlined, as calls they cost 2 % of
// an attribution (measured in instructions).
#define HOT static inline __attribute__((always_inline))

// Pushes the object or table that member `key` of event object `entry` gave earlier in this
// call, and returns 1; returns 0 when it gave none.
HOT int push_child(tally_vm *vm, int entry, const char *key, size_t length) {
    for (uint32_t child = 0; child < vm->child_count; child++) {
        struct tally_child *known = &vm->children[child];
        if (known->parent == entry && known->key_length == length && memcmp(vm->arena + known->key, key, length) == 0) {
            if (known->entry >= 0) {
                push_handle(vm, (uint32_t)known->entry);
            } else {
                lua_rawgeti(vm->L, LUA_REGISTRYINDEX, vm->child_tables);
                lua_rawgeti(vm->L, -1, (lua_Integer)child + 1);
                lua_remove(vm->L, -2);
            }
            return 1;
        }
    }
    return 0;
}

// Remembers the value on top, member `key` of event object `entry`, if it is a nested object
// or an array: it is then one value however often it is read, by field or by pairs (and keeps
// what a script writes into it). A string or number is cheaper to push again.
HOT void remember_child(tally_vm *vm, int entry, const char *key, size_t length) {
    lua_State *L = vm->L;
    int type = lua_type(L, -1);
    if (type != LUA_TLIGHTUSERDATA && type != LUA_TTABLE) return;
    int saved = vm->enforce;
    vm->enforce = 0;  // the host's memory: a refused allocation here would raise
    uint32_t child = vm->child_count;
    vm->children = grow(vm->children, &vm->child_capacity, child + 1, sizeof(struct tally_child));
    uint32_t copied = arena_copy(vm, key, length);
    vm->children[child].parent = entry;
    vm->children[child].key = copied;
    vm->children[child].key_length = (uint32_t)length;
    vm->children[child].entry = type == LUA_TLIGHTUSERDATA ? entry_of(L, -1) : -1;
    vm->child_count++;
    if (type == LUA_TTABLE) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, vm->child_tables);
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, (lua_Integer)child + 1);
        lua_pop(L, 1);
    }
    vm->enforce = saved;
}

static int lazy_index(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, 1);
    if (entry == STALE) return luaL_error(L, "%s", stale_message);
    if (entry < 0) return 0;
    if (vm->lazy[entry].overlay != 0) {  // what the script wrote comes first, as a table's raw contents
        push_overlay(vm, entry);
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL) return 1;
        lua_pop(L, 2);
    }
    if (lua_type(L, 2) != LUA_TSTRING) return 0;  // JSON keys are strings
    size_t length;
    const char *key = lua_tolstring(L, 2, &length);
    if (push_child(vm, entry, key, length)) return 1;
    int object = vm->lazy[entry].object;
    if (object >= 0) {
        struct tally_member *member = find_member(vm, object, key, length);
        if (member == NULL) return 0;
        push_member(vm, member);
    } else {
        int saved = vm->enforce;
        vm->enforce = 0;
        int found = vm->field(vm->event_context, L, vm->lazy[entry].host, key, length);
        vm->enforce = saved;
        if (!found) return 0;
    }
    remember_child(vm, entry, key, length);
    return 1;
}

static int lazy_newindex(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, 1);
    if (entry < 0) return luaL_error(L, "%s", stale_message);
    push_overlay(vm, entry);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, -3);  // raises "index is nil" (or NaN), as for a table
    return 0;
}

static int lazy_len(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, 1);
    if (entry < 0) return luaL_error(L, "%s", stale_message);
    lua_Integer length = 0;  // the border of what the script wrote, as # on a table
    if (vm->lazy[entry].overlay != 0) {
        push_overlay(vm, entry);
        length = (lua_Integer)lua_rawlen(L, -1);
    }
    lua_pushinteger(L, length);
    return 1;
}

static int lazy_tostring(lua_State *L) {
    lua_pushfstring(L, "table: %p", lua_touserdata(L, 1));
    return 1;
}

// A plain table with every member of event object `entry`'s registered object `object`; its
// nested objects and arrays are the values a field read gives.
static void push_plain_object(tally_vm *vm, int entry, int object) {
    lua_State *L = vm->L;
    lua_createtable(L, 0, (int)vm->objects[object].count);
    for (int32_t index = vm->objects[object].first; index >= 0; index = vm->members[index].next) {
        // Re-read through the index each time: opening a nested member may move the arrays.
        lua_pushlstring(L, vm->arena + vm->members[index].key, vm->members[index].key_length);
        size_t length;
        const char *key = lua_tolstring(L, -1, &length);
        if (!push_child(vm, entry, key, length)) {
            push_member(vm, &vm->members[index]);
            remember_child(vm, entry, key, length);
        }
        lua_rawset(L, -3);
    }
}

static int plain_next(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

// Pushes a plain table with every member of the event object at `index` (nested objects stay
// event objects) and what the script wrote over them. Returns 1, or NOT_LAZY or STALE without
// pushing anything.
static int push_copy(lua_State *L, int index) {
    tally_vm *vm = tally_vm_of(L);
    index = lua_absindex(L, index);
    int entry = entry_of(L, index);
    if (entry < 0) return entry;
    int object = object_of(vm, entry);
    if (object < 0) lua_newtable(L);
    else push_plain_object(vm, entry, object);
    if (vm->lazy[entry].overlay != 0) {
        int copy = lua_gettop(L);
        push_overlay(vm, entry);
        lua_pushnil(L);
        while (lua_next(L, copy + 1)) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, copy);
        }
        lua_pop(L, 1);
    }
    return 1;
}

// pairs(event): the members as received (nested objects lazy) and what the script wrote, from
// a plain copy.
static int lazy_pairs(lua_State *L) {
    if (push_copy(L, 1) != 1) return luaL_error(L, "%s", stale_message);
    lua_pushcfunction(L, plain_next);
    lua_insert(L, -2);
    lua_pushnil(L);
    return 3;
}

// The function a wrapper replaces, called with the wrapper's arguments.
static int call_original(lua_State *L) {
    int count = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, count, LUA_MULTRET);
    return lua_gettop(L);
}

// rawget, rawlen and next on an event object act on its raw contents, as on a table: what the
// script wrote into it (an empty table when nothing).
static int raw_read(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, 1);
    if (entry == STALE) return luaL_error(L, "%s", stale_message);
    if (entry >= 0) {
        if (vm->lazy[entry].overlay != 0) push_overlay(vm, entry);
        else lua_newtable(L);
        lua_replace(L, 1);
    }
    return call_original(L);
}

// rawset on an event object writes into its raw contents and returns the object.
static int raw_write(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, 1);
    if (entry == STALE) return luaL_error(L, "%s", stale_message);
    if (entry < 0) return call_original(L);
    luaL_checkany(L, 3);
    push_overlay(vm, entry);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, -3);
    lua_settop(L, 1);
    return 1;
}

static void wrap_global(lua_State *L, int globals, const char *name, lua_CFunction wrapper) {
    lua_getfield(L, globals, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, globals, name);
}

void tally_event_install(lua_State *L, int globals) {
    tally_vm *vm = tally_vm_of(L);
    lua_pushlightuserdata(L, NULL);
    lua_createtable(L, 0, 8);
    lua_pushcfunction(L, lazy_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lazy_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, lazy_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, lazy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, lazy_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "table");  // what argument errors call it ("string expected, got table")
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);  // every light userdata's
    lua_pop(L, 1);
    lua_createtable(L, 16, 0);
    vm->child_tables = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 0);
    vm->overlays = luaL_ref(L, LUA_REGISTRYINDEX);
    globals = lua_absindex(L, globals);
    wrap_global(L, globals, "rawget", raw_read);
    wrap_global(L, globals, "rawlen", raw_read);
    wrap_global(L, globals, "next", raw_read);
    wrap_global(L, globals, "rawset", raw_write);
}

void tally_event_free(tally_vm *vm) {
    free(vm->lazy);
    free(vm->children);
    free(vm->arena);
    free(vm->members);
    free(vm->objects);
}

void tally_vm_set_event_source(
    tally_vm *vm, void *context, tally_open_fn open, tally_push_array_fn push_array, tally_field_fn field) {
    vm->event_context = context;
    vm->open = open;
    vm->push_array = push_array;
    vm->field = field;
}

int tally_vm_push_lazy_copy(tally_vm *vm, int index) {
    int saved = vm->enforce;
    vm->enforce = 0;
    int pushed = push_copy(vm->L, index);
    vm->enforce = saved;
    return pushed == 1 ? 1 : (pushed == STALE ? -1 : 0);
}
