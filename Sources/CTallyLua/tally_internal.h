#ifndef TALLY_INTERNAL_H
#define TALLY_INTERNAL_H

// Shared between the C files of CTallyLua; not visible to Swift.

#include "tally_lua.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define TALLY_EVENT_MAX_DEPTH 72

struct tally_member;
struct tally_object;
struct tally_lazy_table;
struct tally_child;

// Small blocks kept for reuse by a VM's allocator (tally_blocks.c).
#define TALLY_SMALL_BLOCK_MAX 256
#define TALLY_BLOCK_CACHE_MAX (128 * 1024)
typedef struct {
    void *free[TALLY_SMALL_BLOCK_MAX / 16];
    size_t cached_bytes;
} tally_block_cache;

/// Frees a block of `size` bytes (NULL is ignored), keeping it for reuse if small.
void tally_blocks_free(tally_block_cache *cache, void *block, size_t size);
/// Moves or allocates a block to `new_size` > `old_size` bytes (block NULL: a new one). NULL
/// when the C library has no memory; the old block is then untouched.
void *tally_blocks_grow(tally_block_cache *cache, void *block, size_t old_size, size_t new_size);
/// Shrinks a block to `new_size` (0 < new_size <= old_size). Never fails.
void *tally_blocks_shrink(void *block, size_t old_size, size_t new_size);
/// Gives every kept block back to the C library.
void tally_blocks_release(tally_block_cache *cache);

typedef struct {
    int level;
    size_t length;
    char text[TALLY_LOG_LINE_MAX];
} tally_log_line;

struct tally_vm {
    lua_State *L;

    // Allocator accounting. Touched only by the owning thread (Lua calls the allocator from
    // the thread running the state), so plain fields suffice.
    size_t used;
    size_t peak;
    size_t limit;
    /// Non-zero while a script runs: only then may the allocator refuse memory.
    int enforce;
    /// Allocations refused during the current call, to tell a memory error from a runtime one.
    unsigned refused;
    tally_block_cache blocks;

    // Deadline: `word` (deadline_ns << 3 | phase, see tally_watchdog.c) is shared with the
    // watchdog thread and the signal handler.
    _Atomic uint64_t word;
    pthread_t owner;
    /// CPU-time clock of the owning thread (Linux), or -1: the deadline charges CPU time.
    clockid_t owner_clock;
    uint64_t budget_ns;
    // Watchdog-private: the word seen at the last tick, and the owner's CPU time when the
    // current call was first seen running.
    uint64_t wd_last_word;
    uint64_t wd_cpu_at_sighting;

    // Watchdog registration (guarded by the watchdog's mutex).
    struct tally_vm *wd_next;
    struct tally_vm *wd_prev;

    /// Frame address where the current call entered Lua, for tally_check_c_stack.
    uintptr_t stack_base;

    // Where the last error happened, captured by the message handler before the stack unwinds.
    char error_source[LUA_IDSIZE];
    int error_line;
    int has_traceback;

    // Lazy event tables (tally_event.c): the members registered for the current call.
    void *event_context;
    tally_open_fn open;
    tally_push_array_fn push_array;
    tally_field_fn field;
    /// Counts calls, so an event object from an earlier call is known (tally_event.c).
    uint64_t generation;
    struct tally_lazy_table *lazy;
    uint32_t lazy_count, lazy_capacity;
    /// Registry table of what scripts wrote into this call's event objects, and how many.
    int overlays;
    uint32_t overlay_count;
    // Objects and tables read from event objects during the current call, so a second read
    // returns the same value: slot i of the registry table `child_tables` holds children[i]'s
    // table (arrays; nested objects are event objects, known by their entry).
    struct tally_child *children;
    uint32_t child_count, child_capacity;
    int child_tables;
    char *arena;
    uint32_t arena_used, arena_capacity;
    struct tally_member *members;
    uint32_t member_count, member_capacity;
    struct tally_object *objects;
    uint32_t object_count, object_capacity;
    int open_objects[TALLY_EVENT_MAX_DEPTH];
    int open_depth;

    // Log lines of the current call.
    int log_limit;
    int log_count;
    int log_dropped;
    tally_log_line log[TALLY_LOG_LINES_MAX];
};

/// The VM that owns `L` (kept in the state's extra space).
static inline tally_vm *tally_vm_of(lua_State *L) { return *(tally_vm **)lua_getextraspace(L); }

uint64_t tally_now_ns(void);

/// C stack a call may use in Tally's own re-entrant C functions (string.gsub callbacks,
/// xpcall) before they refuse to nest deeper. Lua's LUAI_MAXCCALLS (200 levels) bounds the
/// rest; see docs/rules.md for the measured worst cases.
#define TALLY_C_STACK_BUDGET (160 * 1024)

/// Raises "C stack overflow" when the current call has used more than TALLY_C_STACK_BUDGET.
void tally_check_c_stack(lua_State *L);

// Watchdog (tally_watchdog.c)
/// Starts the watchdog thread once; returns 0 if it could not be started.
int tally_watchdog_available(void);
void tally_watchdog_register(tally_vm *vm);
void tally_watchdog_unregister(tally_vm *vm);
/// Starts the deadline for a call on the current thread.
void tally_watchdog_begin(tally_vm *vm, uint64_t budget_ns);
/// Ends it; returns non-zero when the stop hook had been armed (the call was interrupted).
int tally_watchdog_end(tally_vm *vm);
/// Raises the timeout error if the deadline has passed. For long-running C functions
/// (the pattern matcher), which the hook cannot interrupt.
void tally_watchdog_check(lua_State *L);
/// Non-zero once the current call's deadline has fired (the stop hook is armed).
int tally_watchdog_expired(lua_State *L);
/// Raises the timeout error (never returns).
int tally_raise_timeout(lua_State *L, int level);

// Sandbox (tally_sandbox.c): runs under lua_pcall during tally_vm_new.
int tally_sandbox_install(lua_State *L);

// Read-only proxies (tally_readonly.c)
/// Replaces the table at the top of the stack with a read-only proxy named `name`.
void tally_readonly_wrap(lua_State *L, const char *name);
/// Deep version: nested tables become proxies too. Used for lookup tables.
void tally_readonly_freeze(lua_State *L, const char *name, int depth);
/// Non-zero when the table at `index` is a read-only proxy.
int tally_readonly_is_proxy(lua_State *L, int index);

// Host API (tally_host_api.c)
/// Pushes the `tally` library table (plain; the sandbox wraps it).
void tally_host_api_open(lua_State *L);
/// Appends a log line for the current call (bounded).
void tally_log_append(tally_vm *vm, int level, const char *text, size_t length);

// Lazy event tables (tally_event.c): creates the shared metatable; frees the arena.
/// Sets the metatable of event objects and wraps rawget, rawset, rawlen and next in `globals`.
void tally_event_install(lua_State *L, int globals);
void tally_event_free(tally_vm *vm);

// Pattern functions with a deadline check (tally_pattern.c)
void tally_pattern_install(lua_State *L, int string_table);

// Registry keys.
#define TALLY_REG_ENV "tally.env"
#define TALLY_REG_LOOKUPS "tally.lookups"
#define TALLY_REG_TRACEBACK "tally.traceback"

#endif
