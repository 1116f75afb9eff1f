#ifndef TALLY_LUA_H
#define TALLY_LUA_H

// The C side of Tally's Lua rules engine.
//
// Two rules hold this layer together:
//
// 1. A Lua error unwinds with longjmp, which must never cross a Swift frame. So every
//    operation that can raise (argument checks, metamethods, loading, calling) runs in C
//    under lua_pcall, and Swift only ever calls the functions declared here.
//
// 2. Swift still pushes values itself (lua_pushlstring, lua_createtable, lua_rawset on tables
//    it has just created), before a call and from the lazy-event callback during one. Those
//    can raise only a memory error, and the limited allocator never refuses memory while the
//    host is pushing: the cap applies only while script code runs, and with the cap lifted a
//    failed allocation aborts the process (as Swift itself does on out-of-memory) instead of
//    raising a Lua error. So no Lua error can ever start in a Swift frame.

#include <stddef.h>
#include <stdint.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

// MARK: - Lua's function-like macros, as functions Swift can import

static inline int tally_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int tally_lua_upvalueindex(int index) { return lua_upvalueindex(index); }
static inline void tally_lua_pop(lua_State *L, int count) { lua_pop(L, count); }
static inline void tally_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int tally_lua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline void tally_lua_pushcfunction(lua_State *L, lua_CFunction function) { lua_pushcfunction(L, function); }
static inline int tally_lua_isnoneornil(lua_State *L, int index) { return lua_isnoneornil(L, index); }
static inline lua_Integer tally_lua_tointeger(lua_State *L, int index, int *isnum) { return lua_tointegerx(L, index, isnum); }
static inline lua_Number tally_lua_tonumber(lua_State *L, int index, int *isnum) { return lua_tonumberx(L, index, isnum); }
static inline int tally_lua_getref(lua_State *L, int ref) { return lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }

/// The bytes of the string at `index`, or NULL when the value is not a string.
/// Unlike lua_tolstring it never converts a number in place (which would allocate, and
/// would confuse lua_next when used on a key).
static inline const char *tally_lua_string(lua_State *L, int index, size_t *length) {
    if (lua_type(L, index) != LUA_TSTRING) { *length = 0; return NULL; }
    return lua_tolstring(L, index, length);
}

// MARK: - The sandboxed VM

/// One Lua state with Tally's sandbox, allocator, deadline and log buffer.
/// Not thread-safe: one thread at a time (the Swift owner is confined to one serial executor).
typedef struct tally_vm tally_vm;

/// How a protected call ended.
typedef enum {
    TALLY_CALL_OK = 0,
    /// A runtime error (also a bad argument, `error(...)`, a stack overflow).
    TALLY_CALL_RUNTIME = 1,
    /// The deadline passed and the watchdog stopped the script.
    TALLY_CALL_TIMEOUT = 2,
    /// The memory cap refused an allocation.
    TALLY_CALL_MEMORY = 3,
    /// The source did not compile (load only).
    TALLY_CALL_SYNTAX = 4,
    /// The message handler itself failed ("error in error handling").
    TALLY_CALL_HANDLER = 5,
} tally_call_status;

/// Creates a state with the sandbox installed and a memory cap of `memory_limit` bytes
/// (0 means no cap). Returns NULL if the state or the sandbox could not be built.
tally_vm *tally_vm_new(size_t memory_limit);

/// Closes the state and unregisters it from the watchdog.
void tally_vm_free(tally_vm *vm);

/// The state, for pushing values and reading results (raw operations only; see the top of this file).
lua_State *tally_vm_state(tally_vm *vm);

/// Bytes currently allocated by the state.
size_t tally_vm_memory_in_use(const tally_vm *vm);
/// The most bytes the state has held at once.
size_t tally_vm_memory_peak(const tally_vm *vm);

/// Compiles `source` as a text chunk (bytecode is refused) named `chunkname` (e.g. "@attribution.lua"),
/// gives it the sandbox's read-only globals, and runs it under the deadline and memory cap.
/// On TALLY_CALL_OK the chunk's first result is on the stack; otherwise the error message is.
int tally_vm_load(tally_vm *vm, const char *source, size_t length, const char *chunkname, uint64_t deadline_ns);

/// Calls the function placed below its `nargs` arguments with a message handler, the deadline
/// (`deadline_ns` from now, armed by the watchdog only when it passes) and the memory cap.
/// On TALLY_CALL_OK `nresults` results are on the stack; otherwise one error message (a string)
/// is, and tally_vm_error_source/line/traceback describe where it happened.
int tally_vm_call(tally_vm *vm, int nargs, int nresults, uint64_t deadline_ns);

/// The chunk name (e.g. "attribution.lua") of the innermost Lua frame of the last error, or "".
const char *tally_vm_error_source(const tally_vm *vm);
/// The line of the innermost Lua frame of the last error, or 0.
int tally_vm_error_line(const tally_vm *vm);
/// Pushes the traceback of the last error (a string), or nil when none was captured.
void tally_vm_push_traceback(tally_vm *vm);

/// Full garbage collection (used after a memory error). Cannot run script code: `__gc` is refused.
void tally_vm_collect_garbage(tally_vm *vm);

/// Pops a plain table (built by the host from a JSON lookup file), freezes it deeply (read-only
/// proxies all the way down) and makes it readable by scripts as `tally.lookup(name, key)` and
/// `tally.table(name)`. Returns TALLY_CALL_OK or the status of the failure (message on the stack).
int tally_vm_add_lookup(tally_vm *vm, const char *name);

/// Line of the function at `index` where it is defined (0 when not a Lua function).
int tally_vm_function_line(tally_vm *vm, int index);

// MARK: - Lazy event tables (tally_event.c)

/// Kinds of member values registered for an event object.
typedef enum {
    TALLY_VALUE_FALSE = 0,
    TALLY_VALUE_TRUE = 1,
    TALLY_VALUE_INTEGER = 2,
    TALLY_VALUE_NUMBER = 3,
    TALLY_VALUE_STRING = 4,
    TALLY_VALUE_OBJECT = 5,
    TALLY_VALUE_ARRAY = 6,
    /// Microseconds since 1970-01-01T00:00:00Z, read as an RFC 3339 string in UTC.
    TALLY_VALUE_TIMESTAMP = 7,
} tally_value_type;

/// Registers nested object `host` (tally_event_begin_object, one tally_event_add_* per member,
/// tally_event_end_object) and returns its object index.
/// Called during a call, with the memory cap lifted: it must not raise.
typedef int (*tally_open_fn)(void *context, lua_State *L, int host);
/// Pushes nested array `host` as a plain table (its objects as event objects). Same rules.
typedef void (*tally_push_array_fn)(void *context, lua_State *L, int host);

/// Pushes member `key` of host object `host` (see tally_vm_push_host_object) and returns 1, or
/// returns 0 without pushing when the object has no such member. Same rules as `open`; for a
/// host object, `open` registers all its members (for pairs and conversions).
typedef int (*tally_field_fn)(void *context, lua_State *L, int host, const char *key, size_t key_length);

void tally_vm_set_event_source(
    tally_vm *vm, void *context, tally_open_fn open, tally_push_array_fn push_array, tally_field_fn field);
/// Starts a new call's argument: forgets the registered objects; event objects of earlier calls
/// go stale (any use of one raises an error).
void tally_vm_begin_argument(tally_vm *vm);
/// Starts registering an object: members added until tally_event_end_object belong to it
/// (objects nest). Returns the object index.
int tally_event_begin_object(tally_vm *vm);
void tally_event_end_object(tally_vm *vm);
/// Adds a false/true/integer/number member to the object being registered.
void tally_event_add_scalar(tally_vm *vm, const char *key, size_t key_length, int type, lua_Integer integer, lua_Number number);
void tally_event_add_string(tally_vm *vm, const char *key, size_t key_length, const char *value, size_t value_length);
/// Adds an instant (microseconds since the epoch, years 0000 to 9999) that a script reads as
/// the RFC 3339 string "2026-11-03T12:00:00.123Z" (fraction only when non-zero, no trailing
/// zeros): the same text as Swift's `Timestamp.rfc3339`, formatted only if a rule reads it.
void tally_event_add_timestamp(tally_vm *vm, const char *key, size_t key_length, int64_t microseconds);
/// Pushes an instant as tally_event_add_timestamp's members read (years 0000 to 9999).
void tally_lua_push_timestamp(lua_State *L, int64_t microseconds);
/// Adds an object or array member, resolved later through the callbacks with `host`.
void tally_event_add_nested(tally_vm *vm, const char *key, size_t key_length, int type, int host);
/// Adds an object member that is already registered (`object` from tally_event_begin_object).
void tally_event_add_object(tally_vm *vm, const char *key, size_t key_length, int object);
/// Pushes an event object for registered object `object`: a light userdata that scripts see
/// as a table whose fields are read on demand (see tally_event.c).
void tally_vm_push_lazy_object(tally_vm *vm, int object);
/// Pushes an event object whose members the host answers one read at a time (`field`), with
/// nothing registered up front: the fast path for typed events, whose rules read a few of
/// their many fields. It is registered through `open` only if a script iterates it.
void tally_vm_push_host_object(tally_vm *vm, int host);
/// If the value at `index` is an event object of the current call, pushes a plain table with
/// its members (nested objects stay event objects) and what the script wrote into it, and
/// returns 1. Returns -1 for an event object of an earlier call, 0 for any other value.
int tally_vm_push_lazy_copy(tally_vm *vm, int index);

// MARK: - Script log lines (tally.log and print), bounded per call

typedef enum {
    TALLY_LOG_DEBUG = 0,
    TALLY_LOG_INFO = 1,
    TALLY_LOG_WARNING = 2,
    TALLY_LOG_ERROR = 3,
} tally_log_level;

/// Most lines kept per call; later lines are counted in tally_vm_log_dropped.
void tally_vm_set_log_limit(tally_vm *vm, int lines);
/// Lines logged during the last call (cleared when a call starts).
int tally_vm_log_count(const tally_vm *vm);
int tally_vm_log_level(const tally_vm *vm, int index);
const char *tally_vm_log_message(const tally_vm *vm, int index, size_t *length);
int tally_vm_log_dropped(const tally_vm *vm);

// MARK: - Sandbox constants for tests and documentation

/// The longest log line kept, in bytes (longer lines are cut).
#define TALLY_LOG_LINE_MAX 1024
/// The most log lines a call can keep, whatever the configured limit.
#define TALLY_LOG_LINES_MAX 64

#endif
