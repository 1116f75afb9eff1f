// The per-call deadline, with no cost while a call is under it.
//
// A count hook makes Lua's VM take its slow path on every instruction (about 2x on tight
// loops), so no hook is set while a call runs. One watchdog thread, shared by every VM, looks
// at the running calls once per millisecond. When a call passes its deadline, the watchdog
// signals the thread running it, and the signal handler installs a hook (count 1 plus call,
// return and line events) that raises the timeout error, lua.c's `laction` pattern. The hook is
// never removed while the call lasts, so a pcall in the script cannot swallow the timeout: the
// next instruction raises it again.
//
// The deadline charges CPU time, not wall time: on a loaded machine the OS may preempt a
// one-microsecond call for several milliseconds, and that call must not fail. Reading a
// thread's CPU clock costs a system call, so the calling thread never does: the watchdog reads
// the owner's clock (Linux, pthread_getcpuclockid) the first time it sees a call running, and
// again once its wall-clock deadline has passed, and stops the call only when it has used its
// budget of CPU (give or take one tick). A call stalled off-CPU is stopped anyway once it is a
// second past its deadline. Where thread CPU clocks are unavailable the deadline is wall time.
//
// The hot path costs a clock read and two atomic operations: no shared counter, no lock. The
// watchdog keeps ticking while calls keep coming, and parks only after IDLE_TICKS quiet ticks;
// only the first call after that wakes it.
//
// Why a signal rather than lua_sethook from the watchdog thread: lua_sethook walks the state's
// CallInfo list to set its trap flags. From another thread that walk races with the owner
// freeing CallInfos (luaE_shrinkCI) and can write into freed memory. In a signal handler it
// runs on the owning thread, which is what Lua supports. Only if the signal cannot be delivered
// (the thread blocks it) does the watchdog arm the hook itself, after a grace period.
//
// Each VM's phase and deadline share one atomic word (deadline << 3 | phase) so the watchdog
// can never arm a later call on the strength of an earlier call's expired deadline.

#define _GNU_SOURCE
#include "tally_internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
    PHASE_IDLE = 0,
    PHASE_RUNNING = 1,
    /// The watchdog is sending the signal; the owner waits so its thread outlives pthread_kill.
    PHASE_SIGNALLING = 2,
    /// The signal was sent; the handler has not run yet.
    PHASE_ARMING = 3,
    /// The watchdog arms the hook itself (the signal did not arrive in time).
    PHASE_FORCING = 4,
    /// The stop hook is installed.
    PHASE_ARMED = 5,
};
#define PHASE_MASK ((uint64_t)7)
#define PHASE_SHIFT 3

#define HOOK_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT)
/// How often the watchdog looks at running calls: the deadline's resolution.
#define TICK_NS 1000000ull
/// How long the watchdog waits for its signal to be handled before arming the hook itself.
#define FORCE_AFTER_NS 200000000ull
/// How far past its deadline a call that is not using CPU (preempted, stalled) may run.
#define WALL_GRACE_NS 1000000000ull
/// Quiet ticks (no call started, ended or running) before the watchdog parks.
#define IDLE_TICKS 100
/// The longest deadline accepted (keeps deadline << 3 far from overflowing).
#define MAX_BUDGET_NS (3600ull * 1000000000ull)

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static tally_vm *registered;
static atomic_int parked;
static int stop_signal;
static int started;

// initial-exec: a plain thread-pointer load instead of a __tls_get_addr call on the hot path.
#define TALLY_TLS _Thread_local __attribute__((tls_model("initial-exec")))
static TALLY_TLS tally_vm *current_vm;
static TALLY_TLS int thread_prepared;
static TALLY_TLS clockid_t thread_cpu_clock;

static inline uint64_t phase_of(uint64_t word) { return word & PHASE_MASK; }
static inline uint64_t with_phase(uint64_t word, uint64_t phase) { return (word & ~PHASE_MASK) | phase; }

// MARK: - Raising the timeout

int tally_raise_timeout(lua_State *L, int level) {
    tally_vm *vm = tally_vm_of(L);
    luaL_where(L, level);
    uint64_t budget = vm->budget_ns;
    if (budget % 1000000u == 0) lua_pushfstring(L, "exceeded the time limit of %d ms", (int)(budget / 1000000u));
    else lua_pushfstring(L, "exceeded the time limit of %d us", (int)(budget / 1000u));
    lua_concat(L, 2);
    return lua_error(L);
}

static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    // Level 0 in a hook is the function being run, so the message points at the script's line.
    tally_raise_timeout(L, 0);
}

int tally_watchdog_expired(lua_State *L) {
    tally_vm *vm = tally_vm_of(L);
    return phase_of(atomic_load_explicit(&vm->word, memory_order_relaxed)) == PHASE_ARMED;
}

void tally_watchdog_check(lua_State *L) {
    if (tally_watchdog_expired(L)) tally_raise_timeout(L, 1);
}

// MARK: - Signal handler

static void on_stop_signal(int signal_number) {
    (void)signal_number;
    int saved_errno = errno;
    tally_vm *vm = current_vm;
    if (vm != NULL) {
        uint64_t word = atomic_load(&vm->word);
        uint64_t phase = phase_of(word);
        if ((phase == PHASE_SIGNALLING || phase == PHASE_ARMING) &&
            atomic_compare_exchange_strong(&vm->word, &word, with_phase(word, PHASE_ARMED))) {
            // The owner cannot run between the exchange and this line: we are on its thread.
            lua_sethook(vm->L, stop_hook, HOOK_MASK, 1);
        }
    }
    errno = saved_errno;
}

// MARK: - Watchdog thread

// CPU time used so far by the thread running `vm`'s call; 0 when it cannot be read.
static uint64_t owner_cpu_ns(const tally_vm *vm) {
    struct timespec used;
    if (vm->owner_clock == (clockid_t)-1 || clock_gettime(vm->owner_clock, &used) != 0) return 0;
    return (uint64_t)used.tv_sec * 1000000000u + (uint64_t)used.tv_nsec;
}

// Whether the running call `word` has used up its budget.
static int exhausted(tally_vm *vm, uint64_t word, uint64_t now) {
    uint64_t deadline = word >> PHASE_SHIFT;
    if (now < deadline) return 0;
    uint64_t budget = vm->budget_ns;
    if (now - deadline >= WALL_GRACE_NS) return 1;
    uint64_t cpu = owner_cpu_ns(vm);
    if (cpu == 0 || vm->wd_cpu_at_sighting == 0) return 1;  // no CPU clock: wall time it is
    // CPU spent before the first sighting is at most about one tick.
    return cpu - vm->wd_cpu_at_sighting + TICK_NS >= budget;
}

// One look at every VM. Returns whether anything happened since the last tick.
static int scan(uint64_t now) {
    int active = 0;
    for (tally_vm *vm = registered; vm != NULL; vm = vm->wd_next) {
        uint64_t word = atomic_load(&vm->word);
        int first_sighting = word != vm->wd_last_word;
        vm->wd_last_word = word;
        if (first_sighting) active = 1;
        uint64_t deadline = word >> PHASE_SHIFT;
        switch (phase_of(word)) {
        case PHASE_RUNNING:
            active = 1;
            if (first_sighting) {
                vm->wd_cpu_at_sighting = owner_cpu_ns(vm);
            } else if (exhausted(vm, word, now) &&
                       atomic_compare_exchange_strong(&vm->word, &word, with_phase(word, PHASE_SIGNALLING))) {
                pthread_kill(vm->owner, stop_signal);
                uint64_t signalling = with_phase(word, PHASE_SIGNALLING);
                // Fails harmlessly if the handler already armed the hook.
                atomic_compare_exchange_strong(&vm->word, &signalling, with_phase(word, PHASE_ARMING));
            }
            break;
        case PHASE_ARMING:
            active = 1;
            if (now - deadline >= FORCE_AFTER_NS &&
                atomic_compare_exchange_strong(&vm->word, &word, with_phase(word, PHASE_FORCING))) {
                // Last resort, see the top of this file: the owner spins while we are FORCING.
                lua_sethook(vm->L, stop_hook, HOOK_MASK, 1);
                atomic_store(&vm->word, with_phase(word, PHASE_ARMED));
            }
            break;
        case PHASE_IDLE:
            break;
        default:
            active = 1;
            break;
        }
    }
    return active;
}

static int any_running(void) {
    for (tally_vm *vm = registered; vm != NULL; vm = vm->wd_next)
        if (phase_of(atomic_load(&vm->word)) != PHASE_IDLE) return 1;
    return 0;
}

static void *watchdog_main(void *argument) {
    (void)argument;
    int idle_ticks = 0;
    pthread_mutex_lock(&lock);
    for (;;) {
        idle_ticks = scan(tally_now_ns()) ? 0 : idle_ticks + 1;
        if (idle_ticks >= IDLE_TICKS) {
            // Announce, then look again: a call that started before seeing `parked` is visible
            // now, and one that starts after will signal (both sides use sequentially
            // consistent atomics). Any wake-up resumes ticking.
            atomic_store(&parked, 1);
            if (!any_running()) pthread_cond_wait(&wake, &lock);
            atomic_store(&parked, 0);
            idle_ticks = 0;
        }
        pthread_mutex_unlock(&lock);
        struct timespec tick = {0, (long)TICK_NS};
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&lock);
    }
    return NULL;
}

// Picks a real-time signal nobody else handles, so the watchdog cannot collide with the host.
static int choose_signal(void) {
#if defined(SIGRTMIN) && defined(SIGRTMAX)
    for (int candidate = SIGRTMIN + 6; candidate <= SIGRTMAX; candidate++) {
        struct sigaction current;
        if (sigaction(candidate, NULL, &current) == 0 && current.sa_handler == SIG_DFL && !(current.sa_flags & SA_SIGINFO))
            return candidate;
    }
    return 0;
#else
    return SIGUSR2;
#endif
}

static void start_watchdog(void) {
    stop_signal = choose_signal();
    if (stop_signal == 0) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(stop_signal, &action, NULL) != 0) return;

    // The watchdog thread itself takes no signals.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    started = pthread_create(&thread, &attributes, watchdog_main, NULL) == 0;
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (!started) fprintf(stderr, "tally: could not start the Lua watchdog thread\n");
}

// MARK: - Registration and calls

void tally_watchdog_register(tally_vm *vm) {
    pthread_once(&start_once, start_watchdog);
    pthread_mutex_lock(&lock);
    vm->wd_prev = NULL;
    vm->wd_next = registered;
    if (registered != NULL) registered->wd_prev = vm;
    registered = vm;
    pthread_mutex_unlock(&lock);
}

void tally_watchdog_unregister(tally_vm *vm) {
    pthread_mutex_lock(&lock);
    if (vm->wd_prev != NULL) vm->wd_prev->wd_next = vm->wd_next;
    else if (registered == vm) registered = vm->wd_next;
    if (vm->wd_next != NULL) vm->wd_next->wd_prev = vm->wd_prev;
    vm->wd_next = vm->wd_prev = NULL;
    pthread_mutex_unlock(&lock);
}

int tally_watchdog_available(void) {
    pthread_once(&start_once, start_watchdog);
    return started;
}

// Once per thread: take the watchdog's signal (worker threads, libdispatch's among them, may
// start with every signal blocked) and find the thread's CPU clock.
static void prepare_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, stop_signal);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    thread_cpu_clock = (clockid_t)-1;
#if defined(__linux__)
    clockid_t clock;
    if (pthread_getcpuclockid(pthread_self(), &clock) == 0) thread_cpu_clock = clock;
#endif
    thread_prepared = 1;
}

void tally_watchdog_begin(tally_vm *vm, uint64_t budget_ns) {
    if (!thread_prepared) prepare_thread();
    if (budget_ns == 0 || budget_ns > MAX_BUDGET_NS) budget_ns = MAX_BUDGET_NS;
    vm->budget_ns = budget_ns;
    vm->owner = pthread_self();
    vm->owner_clock = thread_cpu_clock;
    current_vm = vm;
    uint64_t deadline = tally_now_ns() + budget_ns;
    atomic_store(&vm->word, (deadline << PHASE_SHIFT) | PHASE_RUNNING);
    if (atomic_load(&parked)) {
        pthread_mutex_lock(&lock);
        pthread_cond_signal(&wake);
        pthread_mutex_unlock(&lock);
    }
}

int tally_watchdog_end(tally_vm *vm) {
    current_vm = NULL;  // from here on a late signal is ignored
    for (;;) {
        uint64_t word = atomic_load(&vm->word);
        uint64_t phase = phase_of(word);
        if (phase == PHASE_SIGNALLING || phase == PHASE_FORCING) {
            sched_yield();  // the watchdog is between two steps; it takes microseconds
            continue;
        }
        if (atomic_compare_exchange_weak(&vm->word, &word, PHASE_IDLE)) {
            if (phase != PHASE_ARMED) return 0;
            lua_sethook(vm->L, NULL, 0, 0);
            return 1;
        }
    }
}
