// Lazy event tables: the event reaches `attribute(event)` as a table whose fields are converted
// from the host's JSON only when the script reads them, and then cached in the table.
//
// Converting a whole event (two dozen fields, four nested objects) into Lua tables costs more
// than running the default rules, which read five or six fields. So before a call the host
// registers the event's top-level members here (key bytes, scalars, string bytes; nested objects
// and arrays only as host ids), in a per-VM arena reused from call to call. The event table is
// an empty table with a shared metatable whose __index finds the member by a short scan and
// pushes it. A nested object is registered (through the host's `open` callback) when first
// read; an array is pushed whole (through `push_array`). The callbacks only push values or
// register members, with the memory cap lifted, and with the cap lifted the allocator aborts
// rather than fail: no Lua error can be raised inside their Swift frames.
//
// A lazy table is valid during the call that received it: the next call reuses the arena, so
// reading an uncached field of a table kept from an earlier call raises an error that says so
// (its cached fields stay readable).

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
    const void *table;  // lua_topointer of the lazy table
    int object;         // its registered object, or -1 while the host answers its reads
    int host;           // the host object behind it, while `object` is -1
};

// A table-valued member read during the current call: the lazy table `parent`'s member `key`
// (bytes in the arena). Kept here rather than stored into the parent (rawset), which costs a
// hash part for the parent and, measured, as much as creating the child.
struct tally_child {
    int parent;
    uint32_t key;
    uint32_t key_length;
};

// What a table is to the current call, besides an entry of its lazy list.
enum { NOT_LAZY = -1, STALE = -2 };

static const char *const stale_message =
    "this event table came from an earlier call; copy the fields you need instead of keeping the table";

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

// MARK: - Lazy tables (script side)

// A lazy table is known by its address, listed for the current call only: no hidden key in
// the table, and a table kept from an earlier call (still alive, so its address cannot have
// been reused) is simply not in the list.
static void push_lazy(tally_vm *vm, int object, int host) {
    lua_State *L = vm->L;
    // No hash part yet: only tables read are cached in it, and the first one sizes it.
    lua_createtable(L, 0, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->lazy_metatable);
    lua_setmetatable(L, -2);
    vm->lazy = grow(vm->lazy, &vm->lazy_capacity, vm->lazy_count + 1, sizeof(struct tally_lazy_table));
    vm->lazy[vm->lazy_count].table = lua_topointer(L, -1);
    vm->lazy[vm->lazy_count].object = object;
    vm->lazy[vm->lazy_count].host = host;
    vm->lazy_count++;
}

void tally_vm_push_lazy_object(tally_vm *vm, int object) {
    push_lazy(vm, object >= 0 && (uint32_t)object < vm->object_count ? object : -1, -1);
}

void tally_vm_push_host_object(tally_vm *vm, int host) {
    push_lazy(vm, -1, host);
}

// The entry of the lazy table at `index` in this call's list, else NOT_LAZY, or STALE for a
// lazy table from an earlier call.
static int entry_of(lua_State *L, int index) {
    tally_vm *vm = tally_vm_of(L);
    const void *table = lua_topointer(L, index);
    // Newest first: a lazy table collected during the call may have left its address to a newer one.
    for (uint32_t entry = vm->lazy_count; entry-- > 0;)
        if (vm->lazy[entry].table == table) return (int)entry;
    return lua_type(L, index) == LUA_TTABLE ? STALE : NOT_LAZY;
}

// The registered object behind the lazy table at `index`, else NOT_LAZY or STALE. A host
// object is registered now, through the host, with the cap lifted.
static int object_of(lua_State *L, int index) {
    tally_vm *vm = tally_vm_of(L);
    int entry = entry_of(L, index);
    if (entry < 0) return entry;
    if (vm->lazy[entry].object < 0) {
        int saved = vm->enforce;
        vm->enforce = 0;
        int object = vm->open(vm->event_context, L, vm->lazy[entry].host);
        vm->enforce = saved;
        vm->lazy[entry].object = object;  // indexed again: `lazy` may have moved meanwhile
    }
    return vm->lazy[entry].object;
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

static int lazy_index(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    if (lua_type(L, 2) != LUA_TSTRING) return 0;  // JSON keys are strings
    int entry = entry_of(L, 1);
    if (entry == STALE) return luaL_error(L, "%s", stale_message);
    if (entry < 0) return 0;
    size_t length;
    const char *key = lua_tolstring(L, 2, &length);
    for (uint32_t child = 0; child < vm->child_count; child++) {
        struct tally_child *known = &vm->children[child];
        if (known->parent == entry && known->key_length == length && memcmp(vm->arena + known->key, key, length) == 0) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, vm->child_tables);
            lua_rawgeti(L, -1, (lua_Integer)child + 1);
            return 1;
        }
    }
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
    // A table is remembered, so `event.workflow` is one table however often it is read (and
    // keeps what a script writes into it); a string or number is cheaper to push again.
    if (lua_type(L, -1) == LUA_TTABLE) {
        uint32_t child = vm->child_count;
        vm->children = grow(vm->children, &vm->child_capacity, child + 1, sizeof(struct tally_child));
        vm->children[child].parent = entry;
        vm->children[child].key = arena_copy(vm, key, length);
        vm->children[child].key_length = (uint32_t)length;
        vm->child_count++;
        int saved = vm->enforce;
        vm->enforce = 0;  // the host's memory: a refused allocation here would raise
        lua_rawgeti(L, LUA_REGISTRYINDEX, vm->child_tables);
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, (lua_Integer)child + 1);
        lua_pop(L, 1);
        vm->enforce = saved;
    }
    return 1;
}

static void push_plain_object(tally_vm *vm, int object) {
    lua_State *L = vm->L;
    lua_createtable(L, 0, (int)vm->objects[object].count);
    for (int32_t index = vm->objects[object].first; index >= 0; index = vm->members[index].next) {
        // Re-read through the index each time: opening a nested member may move the arrays.
        lua_pushlstring(L, vm->arena + vm->members[index].key, vm->members[index].key_length);
        push_member(vm, &vm->members[index]);
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

// pairs(event): the members as received (nested objects lazy), from a plain copy.
static int lazy_pairs(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    int object = object_of(L, 1);
    if (object == STALE) return luaL_error(L, "%s", stale_message);
    lua_pushcfunction(L, plain_next);
    if (object < 0) lua_newtable(L);
    else push_plain_object(vm, object);
    lua_pushnil(L);
    return 3;
}

void tally_event_install(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, lazy_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lazy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    vm->lazy_metatable = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 16, 0);
    vm->child_tables = luaL_ref(L, LUA_REGISTRYINDEX);
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

int tally_vm_lazy_object(tally_vm *vm, int index) {
    lua_State *L = vm->L;
    if (lua_type(L, index) != LUA_TTABLE || !lua_getmetatable(L, index)) return -1;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->lazy_metatable);
    int lazy = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!lazy) return -1;
    int object = object_of(L, index);
    return object < 0 ? -1 : object;
}

void tally_vm_push_plain_object(tally_vm *vm, int object) {
    int saved = vm->enforce;
    vm->enforce = 0;
    push_plain_object(vm, object);
    vm->enforce = saved;
}
