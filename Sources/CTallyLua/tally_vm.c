// The state's lifecycle, its limited allocator, protected calls and error capture.

#include "tally_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t tally_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

// MARK: - Allocator

// Lua calls this for every allocation of the state, always from the thread running it.
// The cap applies only while a script runs (vm->enforce), so the host's own pushes never
// see a refusal, and with the cap lifted a real out-of-memory aborts (see tally_lua.h).
// Shrinks and frees never fail.
static void *tally_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    tally_vm *vm = ud;
    if (ptr == NULL) osize = 0;  // osize then encodes the object's type, not a size
    if (nsize == 0) {
        tally_blocks_free(&vm->blocks, ptr, osize);
        vm->used -= osize;
        return NULL;
    }
    if (nsize <= osize) {
        vm->used -= osize - nsize;
        return tally_blocks_shrink(ptr, osize, nsize);
    }
    size_t growth = nsize - osize;
    // Written so that neither side can overflow: used may exceed the limit after host pushes.
    if (vm->enforce && vm->limit != 0 && (vm->used >= vm->limit || growth > vm->limit - vm->used)) {
        vm->refused++;
        return NULL;
    }
    void *block = tally_blocks_grow(&vm->blocks, ptr, osize, nsize);
    if (block == NULL) {
        // With the cap lifted the host may be pushing from a Swift frame, where a Lua memory
        // error must not be raised (see tally_lua.h): fail the way Swift does.
        if (!vm->enforce) {
            fprintf(stderr, "tally: out of memory in the Lua host (%zu bytes)\n", nsize);
            abort();
        }
        return NULL;
    }
    vm->used += growth;
    if (vm->used > vm->peak) vm->peak = vm->used;
    return block;
}

// Reached only when an error escapes every protected call: after the host's own push ran out
// of real memory. Lua aborts the process after this returns.
static int tally_panic(lua_State *L) {
    const char *message = lua_tostring(L, -1);
    fprintf(stderr, "tally: unprotected Lua error (%s); aborting\n", message ? message : "?");
    fflush(stderr);
    return 0;
}

// MARK: - Lifecycle

tally_vm *tally_vm_new(size_t memory_limit) {
    // Without the watchdog a runaway script could never be stopped: refuse to run any.
    if (!tally_watchdog_available()) return NULL;
    tally_vm *vm = calloc(1, sizeof *vm);
    if (vm == NULL) return NULL;
    vm->limit = memory_limit;
    vm->log_limit = 20;
    atomic_init(&vm->word, 0);

    lua_State *L = lua_newstate(tally_alloc, vm);
    if (L == NULL) {
        free(vm);
        return NULL;
    }
    vm->L = L;
    *(tally_vm **)lua_getextraspace(L) = vm;
    lua_atpanic(L, tally_panic);

    lua_pushcfunction(L, tally_sandbox_install);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "tally: could not build the Lua sandbox: %s\n", lua_tostring(L, -1));
        lua_close(L);
        tally_blocks_release(&vm->blocks);
        free(vm);
        return NULL;
    }
    // Generational collection suits the workload: a few short-lived tables per call. A minor
    // collection after the heap grows by half (Lua's default is a fifth) measured about 7 %
    // faster attribution; a rule set's heap is a few hundred KiB, so little more is held.
    lua_gc(L, LUA_GCGEN, 50, 0);
    tally_watchdog_register(vm);
    return vm;
}

void tally_vm_free(tally_vm *vm) {
    if (vm == NULL) return;
    tally_watchdog_unregister(vm);
    vm->enforce = 0;
    lua_close(vm->L);
    tally_blocks_release(&vm->blocks);
    tally_event_free(vm);
    free(vm);
}

lua_State *tally_vm_state(tally_vm *vm) { return vm->L; }
size_t tally_vm_memory_in_use(const tally_vm *vm) { return vm->used; }
size_t tally_vm_memory_peak(const tally_vm *vm) { return vm->peak; }

void tally_vm_collect_garbage(tally_vm *vm) {
    vm->enforce = 0;
    lua_gc(vm->L, LUA_GCCOLLECT);
}

// MARK: - Errors

// Calls __tostring on an error object, inside its own protected call.
static int tostring_error_object(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

// Runs where the error was raised, before the stack unwinds: the only moment the location
// and the traceback can be read. Always returns a string, whatever the error object was.
static int message_handler(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(vm->error_source, sizeof vm->error_source, "%s", ar.short_src);
            vm->error_line = ar.currentline;
            break;
        }
    }
    switch (lua_type(L, 1)) {
    case LUA_TSTRING:
        lua_settop(L, 1);
        break;
    case LUA_TNUMBER:
        lua_settop(L, 1);
        lua_tostring(L, 1);  // converts in place
        break;
    default:
        // A table (or anything else) may carry __tostring, which may itself fail or loop:
        // call it protected and fall back to a description of the object. Not once the
        // deadline has fired: an error raised by the stop hook is handled with hooks off,
        // so a looping __tostring could not be stopped.
        if (tally_watchdog_expired(L) || luaL_getmetafield(L, 1, "__tostring") == LUA_TNIL) {
            lua_settop(L, 1);
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
            lua_replace(L, 1);
            break;
        }
        lua_settop(L, 1);
        lua_pushcfunction(L, tostring_error_object);
        lua_pushvalue(L, 1);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
            lua_settop(L, 1);
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        }
        lua_replace(L, 1);
        lua_settop(L, 1);
        break;
    }
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, TALLY_REG_TRACEBACK);
    vm->has_traceback = 1;
    return 1;
}

const char *tally_vm_error_source(const tally_vm *vm) { return vm->error_source; }
int tally_vm_error_line(const tally_vm *vm) { return vm->error_line; }

void tally_vm_push_traceback(tally_vm *vm) {
    if (vm->has_traceback) lua_getfield(vm->L, LUA_REGISTRYINDEX, TALLY_REG_TRACEBACK);
    else lua_pushnil(vm->L);
}

// MARK: - Calls

void tally_check_c_stack(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    // Stacks grow down on every platform Tally runs on.
    if (vm->stack_base > here && vm->stack_base - here > TALLY_C_STACK_BUDGET) luaL_error(L, "C stack overflow");
}

static int classify(tally_vm *vm, int status, int interrupted) {
    if (status == LUA_OK) return TALLY_CALL_OK;
    if (interrupted) return TALLY_CALL_TIMEOUT;
    if (status == LUA_ERRMEM) return TALLY_CALL_MEMORY;
    // lauxlib's buffers report a refused allocation as a plain error with this message.
    if (vm->refused > 0 && lua_type(vm->L, -1) == LUA_TSTRING && strcmp(lua_tostring(vm->L, -1), "not enough memory") == 0)
        return TALLY_CALL_MEMORY;
    if (status == LUA_ERRERR) return TALLY_CALL_HANDLER;
    return TALLY_CALL_RUNTIME;
}

int tally_vm_call(tally_vm *vm, int nargs, int nresults, uint64_t deadline_ns) {
    lua_State *L = vm->L;
    int handler = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, handler);

    vm->error_source[0] = '\0';
    vm->error_line = 0;
    vm->has_traceback = 0;
    vm->log_count = 0;
    vm->log_dropped = 0;
    vm->refused = 0;

    vm->stack_base = (uintptr_t)__builtin_frame_address(0);
    vm->enforce = 1;
    tally_watchdog_begin(vm, deadline_ns);
    int status = lua_pcall(L, nargs, nresults, handler);
    int interrupted = tally_watchdog_end(vm);
    vm->enforce = 0;

    lua_remove(L, handler);
    return classify(vm, status, interrupted);
}

int tally_vm_load(tally_vm *vm, const char *source, size_t length, const char *chunkname, uint64_t deadline_ns) {
    lua_State *L = vm->L;
    vm->refused = 0;
    vm->enforce = 1;
    // Mode "t": source text only. Precompiled chunks can crash the VM and are refused.
    int status = luaL_loadbufferx(L, source, length, chunkname, "t");
    vm->enforce = 0;
    if (status != LUA_OK) return status == LUA_ERRMEM ? TALLY_CALL_MEMORY : TALLY_CALL_SYNTAX;

    // The chunk's only upvalue is _ENV: give it the read-only globals.
    lua_getfield(L, LUA_REGISTRYINDEX, TALLY_REG_ENV);
    lua_setupvalue(L, -2, 1);
    return tally_vm_call(vm, 0, 1, deadline_ns);
}

int tally_vm_function_line(tally_vm *vm, int index) {
    lua_State *L = vm->L;
    if (lua_type(L, index) != LUA_TFUNCTION) return 0;
    lua_Debug ar;
    lua_pushvalue(L, index);
    lua_getinfo(L, ">S", &ar);
    return ar.linedefined > 0 ? ar.linedefined : 0;
}

// MARK: - Lookups

static int add_lookup(lua_State *L) {
    const char *name = luaL_checkstring(L, 2);
    lua_settop(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS);  // 3: name -> data table
    lua_getfield(L, LUA_REGISTRYINDEX, TALLY_REG_LOOKUPS "_proxies");  // 4: name -> proxy
    lua_pushvalue(L, 1);
    tally_readonly_freeze(L, name, 0);  // 5: proxy; nested tables of 1 are now proxies too
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 5);
    lua_rawset(L, 4);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 1);
    lua_rawset(L, 3);
    return 0;
}

int tally_vm_add_lookup(tally_vm *vm, const char *name) {
    lua_State *L = vm->L;
    lua_pushcfunction(L, add_lookup);
    lua_insert(L, -2);
    lua_pushstring(L, name);
    vm->enforce = 0;
    int status = lua_pcall(L, 2, 0, 0);
    return status == LUA_OK ? TALLY_CALL_OK : (status == LUA_ERRMEM ? TALLY_CALL_MEMORY : TALLY_CALL_RUNTIME);
}

// MARK: - Logs

void tally_log_append(tally_vm *vm, int level, const char *text, size_t length) {
    if (vm->log_count >= vm->log_limit) {
        vm->log_dropped++;
        return;
    }
    tally_log_line *line = &vm->log[vm->log_count++];
    if (length > TALLY_LOG_LINE_MAX) length = TALLY_LOG_LINE_MAX;
    memcpy(line->text, text, length);
    line->length = length;
    line->level = level;
}

void tally_vm_set_log_limit(tally_vm *vm, int lines) {
    vm->log_limit = lines < 0 ? 0 : (lines > TALLY_LOG_LINES_MAX ? TALLY_LOG_LINES_MAX : lines);
}
int tally_vm_log_count(const tally_vm *vm) { return vm->log_count; }
int tally_vm_log_dropped(const tally_vm *vm) { return vm->log_dropped; }
int tally_vm_log_level(const tally_vm *vm, int index) { return vm->log[index].level; }
const char *tally_vm_log_message(const tally_vm *vm, int index, size_t *length) {
    *length = vm->log[index].length;
    return vm->log[index].text;
}
