// string.find, string.match, string.gmatch and string.gsub for rule scripts.
//
// Lua patterns backtrack: "(.-)x(.-)y..." against a long subject can take time exponential in
// the number of '-'/'*' items, all inside one C call where the deadline hook cannot reach
// (a hook only runs between VM instructions). So Tally ships its own implementation of the
// Lua 5.4 pattern language, with the same syntax, results and error messages, that counts its
// steps and checks the call's deadline every PATTERN_CHECK_INTERVAL steps. A catastrophic
// pattern therefore ends as a timeout, like an infinite loop, at the same deadline. Nesting is
// bounded too (PATTERN_MAX_DEPTH, "pattern too complex"), which keeps the C stack small.
// Plain find (no special characters, or `plain` = true) uses memmem, which is linear.

#define _GNU_SOURCE
#include "tally_internal.h"

#include <ctype.h>
#include <string.h>

#define PATTERN_MAX_CAPTURES 32
#define PATTERN_MAX_DEPTH 200
#define PATTERN_CHECK_INTERVAL 1024u  // a power of two
#define CAPTURE_UNFINISHED (-1)
#define CAPTURE_POSITION (-2)
#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"

typedef struct {
    lua_State *L;
    const char *subject;      // start of the subject
    const char *subject_end;
    const char *pattern_end;
    int depth;                // nesting still allowed
    int level;                // captures opened so far
    unsigned steps;
    struct {
        const char *start;
        ptrdiff_t length;     // or CAPTURE_UNFINISHED / CAPTURE_POSITION
    } capture[PATTERN_MAX_CAPTURES];
} Matcher;

static inline void step(Matcher *m) {
    if ((++m->steps & (PATTERN_CHECK_INTERVAL - 1)) == 0) tally_watchdog_check(m->L);
}

static void matcher_init(Matcher *m, lua_State *L, const char *subject, size_t subject_length, const char *pattern, size_t pattern_length) {
    m->L = L;
    m->subject = subject;
    m->subject_end = subject + subject_length;
    m->pattern_end = pattern + pattern_length;
    m->steps = 0;
}

static inline void matcher_reset(Matcher *m) {
    m->level = 0;
    m->depth = PATTERN_MAX_DEPTH;
}

// MARK: - Character classes

static int class_matches(int c, int class_letter) {
    int result;
    switch (tolower(class_letter)) {
    case 'a': result = isalpha(c); break;
    case 'c': result = iscntrl(c); break;
    case 'd': result = isdigit(c); break;
    case 'g': result = isgraph(c); break;
    case 'l': result = islower(c); break;
    case 'p': result = ispunct(c); break;
    case 's': result = isspace(c); break;
    case 'u': result = isupper(c); break;
    case 'w': result = isalnum(c); break;
    case 'x': result = isxdigit(c); break;
    case 'z': result = (c == 0); break;  // deprecated in Lua 5.2, still accepted by 5.4
    default: return class_letter == c;  // an escaped literal, e.g. "%."
    }
    if (isupper(class_letter)) result = !result;  // %A is the complement of %a
    return result;
}

// `open` points at '[', `close` at the set's closing ']'.
static int set_matches(int c, const char *open, const char *close) {
    int in_set = 1;
    const char *p = open + 1;
    if (*p == '^') {
        in_set = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESCAPE) {
            p++;
            if (class_matches(c, (unsigned char)*p)) return in_set;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return in_set;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return in_set;
        }
    }
    return !in_set;
}

// The end of the single-character class starting at `p`.
static const char *class_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == ESCAPE) {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (p < m->pattern_end && *p == '^') p++;
        // The first character of a set is always a member, even ']'.
        for (;;) {
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == ESCAPE) {
                if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
                p++;
            }
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*p == ']') return p + 1;
        }
    }
    return p;
}

static int single_matches(Matcher *m, const char *s, const char *p, const char *class_stop) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESCAPE: return class_matches(c, (unsigned char)p[1]);
    case '[': return set_matches(c, p, class_stop - 1);
    default: return (unsigned char)*p == c;
    }
}

// MARK: - Matching

static const char *match(Matcher *m, const char *s, const char *p);

static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->subject_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static int capture_index(Matcher *m, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->capture[index].length == CAPTURE_UNFINISHED)
        return luaL_error(m->L, "invalid capture index %%%d", index + 1);
    return index;
}

static const char *match_back_reference(Matcher *m, const char *s, int digit) {
    int index = capture_index(m, digit);
    size_t length = (size_t)m->capture[index].length;
    if ((size_t)(m->subject_end - s) >= length && memcmp(m->capture[index].start, s, length) == 0) return s + length;
    return NULL;
}

static const char *start_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= PATTERN_MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].length = what;
    m->level++;
    const char *result = match(m, s, p);
    if (result == NULL) m->level--;
    return result;
}

static const char *end_capture(Matcher *m, const char *s, const char *p) {
    int index = m->level - 1;
    while (index >= 0 && m->capture[index].length != CAPTURE_UNFINISHED) index--;
    if (index < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[index].length = s - m->capture[index].start;
    const char *result = match(m, s, p);
    if (result == NULL) m->capture[index].length = CAPTURE_UNFINISHED;
    return result;
}

// Greedy: take as many as possible, then give back one at a time.
static const char *expand_greedy(Matcher *m, const char *s, const char *p, const char *class_stop) {
    ptrdiff_t count = 0;
    while (single_matches(m, s + count, p, class_stop)) {
        count++;
        step(m);
    }
    for (; count >= 0; count--) {
        const char *result = match(m, s + count, class_stop + 1);
        if (result != NULL) return result;
    }
    return NULL;
}

// Lazy: take as few as possible, one more at a time.
static const char *expand_lazy(Matcher *m, const char *s, const char *p, const char *class_stop) {
    for (;;) {
        const char *result = match(m, s, class_stop + 1);
        if (result != NULL) return result;
        if (!single_matches(m, s, p, class_stop)) return NULL;
        s++;
    }
}

static const char *match_here(Matcher *m, const char *s, const char *p) {
    for (;;) {
        step(m);
        if (p >= m->pattern_end) return s;
        switch (*p) {
        case '(':
            if (p + 1 < m->pattern_end && p[1] == ')') return start_capture(m, s, p + 2, CAPTURE_POSITION);
            return start_capture(m, s, p + 1, CAPTURE_UNFINISHED);
        case ')':
            return end_capture(m, s, p + 1);
        case '$':
            if (p + 1 == m->pattern_end) return s == m->subject_end ? s : NULL;
            break;  // an ordinary '$' elsewhere
        case ESCAPE:
            if (p + 1 >= m->pattern_end) break;  // class_end reports it
            if (p[1] == 'b') {
                s = match_balance(m, s, p + 2);
                if (s == NULL) return NULL;
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (p >= m->pattern_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *stop = class_end(m, p);
                int previous = s == m->subject ? '\0' : (unsigned char)s[-1];
                int current = s < m->subject_end ? (unsigned char)*s : '\0';
                if (!set_matches(previous, p, stop - 1) && set_matches(current, p, stop - 1)) {
                    p = stop;
                    continue;
                }
                return NULL;
            }
            if (isdigit((unsigned char)p[1])) {
                s = match_back_reference(m, s, (unsigned char)p[1]);
                if (s == NULL) return NULL;
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        const char *stop = class_end(m, p);
        char quantifier = stop < m->pattern_end ? *stop : '\0';
        if (!single_matches(m, s, p, stop)) {
            if (quantifier == '*' || quantifier == '?' || quantifier == '-') {  // zero repetitions are fine
                p = stop + 1;
                continue;
            }
            return NULL;
        }
        switch (quantifier) {
        case '?': {
            const char *result = match(m, s + 1, stop + 1);
            if (result != NULL) return result;
            p = stop + 1;
            continue;
        }
        case '+': return expand_greedy(m, s + 1, p, stop);
        case '*': return expand_greedy(m, s, p, stop);
        case '-': return expand_lazy(m, s, p, stop);
        default:
            s++;
            p = stop;
            continue;
        }
    }
}

static const char *match(Matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    const char *result = match_here(m, s, p);
    m->depth++;
    return result;
}

// MARK: - Captures

static void push_capture(Matcher *m, int index, const char *s, const char *e) {
    if (index >= m->level) {
        if (index != 0) luaL_error(m->L, "invalid capture index %%%d", index + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));  // no captures: the whole match
        return;
    }
    ptrdiff_t length = m->capture[index].length;
    if (length == CAPTURE_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) lua_pushinteger(m->L, (lua_Integer)(m->capture[index].start - m->subject) + 1);
    else lua_pushlstring(m->L, m->capture[index].start, (size_t)length);
}

// With s == NULL (find), only explicit captures are pushed.
static int push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int index = 0; index < count; index++) push_capture(m, index, s, e);
    return count;
}

// MARK: - Library functions

// Lua 5.4's rule for a start position: negative counts from the end, out of range clamps.
static size_t start_offset(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position - 1;
    if (position == 0 || position < -(lua_Integer)length) return 0;
    return length + (size_t)position;
}

static int has_specials(const char *p, size_t length) {
    for (size_t index = 0; index < length; index++)
        if (p[index] != '\0' && strchr(SPECIALS, p[index]) != NULL) return 1;
    return 0;
}

static int find_or_match(lua_State *L, int find) {
    size_t subject_length, pattern_length;
    const char *subject = luaL_checklstring(L, 1, &subject_length);
    const char *pattern = luaL_checklstring(L, 2, &pattern_length);
    size_t start = start_offset(luaL_optinteger(L, 3, 1), subject_length);
    if (start > subject_length) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(pattern, pattern_length))) {
        const char *hit = pattern_length == 0 ? subject + start
                                              : memmem(subject + start, subject_length - start, pattern, pattern_length);
        if (hit != NULL) {
            lua_pushinteger(L, (lua_Integer)(hit - subject) + 1);
            lua_pushinteger(L, (lua_Integer)(hit - subject) + (lua_Integer)pattern_length);
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    int anchored = pattern_length > 0 && *pattern == '^';
    if (anchored) {
        pattern++;
        pattern_length--;
    }
    Matcher m;
    matcher_init(&m, L, subject, subject_length, pattern, pattern_length);
    const char *s = subject + start;
    do {
        matcher_reset(&m);
        const char *e = match(&m, s, pattern);
        if (e != NULL) {
            if (!find) return push_captures(&m, s, e);
            lua_pushinteger(L, (lua_Integer)(s - subject) + 1);
            lua_pushinteger(L, (lua_Integer)(e - subject));
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (s++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

static int pattern_find(lua_State *L) { return find_or_match(L, 1); }
static int pattern_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
    size_t position;    // where the next search starts
    size_t last_end;    // end of the last match, to skip an empty match there
    int has_last;
} GmatchState;

static int gmatch_next(lua_State *L) {
    size_t subject_length, pattern_length;
    const char *subject = lua_tolstring(L, lua_upvalueindex(1), &subject_length);
    const char *pattern = lua_tolstring(L, lua_upvalueindex(2), &pattern_length);
    GmatchState *state = lua_touserdata(L, lua_upvalueindex(3));
    Matcher m;
    matcher_init(&m, L, subject, subject_length, pattern, pattern_length);
    for (const char *s = subject + state->position; s <= m.subject_end; s++) {
        matcher_reset(&m);
        const char *e = match(&m, s, pattern);
        if (e != NULL && !(state->has_last && (size_t)(e - subject) == state->last_end)) {
            state->position = state->last_end = (size_t)(e - subject);
            state->has_last = 1;
            return push_captures(&m, s, e);
        }
    }
    state->position = subject_length + 1;  // exhausted
    return 0;
}

static int pattern_gmatch(lua_State *L) {
    size_t subject_length;
    luaL_checklstring(L, 1, &subject_length);
    luaL_checkstring(L, 2);
    size_t start = start_offset(luaL_optinteger(L, 3, 1), subject_length);
    lua_settop(L, 2);
    GmatchState *state = lua_newuserdatauv(L, sizeof *state, 0);
    state->position = start > subject_length ? subject_length + 1 : start;
    state->last_end = 0;
    state->has_last = 0;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

// Appends the replacement string (argument 3), expanding %0-%9 and %%.
static void add_replacement_string(Matcher *m, luaL_Buffer *buffer, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *text = lua_tolstring(L, 3, &length);
    const char *end = text + length;
    const char *escape;
    while ((escape = memchr(text, ESCAPE, (size_t)(end - text))) != NULL) {
        luaL_addlstring(buffer, text, (size_t)(escape - text));
        escape++;
        int c = escape < end ? (unsigned char)*escape : '\0';
        if (c == ESCAPE) {
            luaL_addchar(buffer, ESCAPE);
        } else if (c == '0') {
            luaL_addlstring(buffer, s, (size_t)(e - s));
        } else if (isdigit(c)) {
            push_capture(m, c - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(buffer);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        text = escape + 1;
    }
    luaL_addlstring(buffer, text, (size_t)(end - text));
}

// Appends the replacement for one match; returns whether it changed the text.
static int add_replacement(Matcher *m, luaL_Buffer *buffer, const char *s, const char *e, int replacement_type) {
    lua_State *L = m->L;
    if (replacement_type == LUA_TFUNCTION || replacement_type == LUA_TTABLE) {
        // This frame holds a Matcher and a luaL_Buffer (about 2 KiB): nesting gsub callbacks
        // 200 deep (Lua's own limit) would take 400 KiB of C stack.
        tally_check_c_stack(L);
    }
    switch (replacement_type) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int count = push_captures(m, s, e);
        lua_call(L, count, 1);
        break;
    }
    case LUA_TTABLE:
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_replacement_string(m, buffer, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(buffer, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(buffer);
    return 1;
}

static int pattern_gsub(lua_State *L) {
    size_t subject_length, pattern_length;
    const char *s = luaL_checklstring(L, 1, &subject_length);
    const char *pattern = luaL_checklstring(L, 2, &pattern_length);
    int replacement_type = lua_type(L, 3);
    lua_Integer limit = luaL_optinteger(L, 4, (lua_Integer)subject_length + 1);
    luaL_argexpected(L, replacement_type == LUA_TNUMBER || replacement_type == LUA_TSTRING ||
                            replacement_type == LUA_TFUNCTION || replacement_type == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = pattern_length > 0 && *pattern == '^';
    if (anchored) {
        pattern++;
        pattern_length--;
    }
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    Matcher m;
    matcher_init(&m, L, s, subject_length, pattern, pattern_length);
    const char *last_match = NULL;
    lua_Integer count = 0;
    int changed = 0;
    while (count < limit) {
        matcher_reset(&m);
        const char *e = match(&m, s, pattern);
        if (e != NULL && e != last_match) {
            count++;
            changed = add_replacement(&m, &buffer, s, e, replacement_type) | changed;
            s = last_match = e;
        } else if (s < m.subject_end) {
            luaL_addchar(&buffer, *s++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&buffer, s, (size_t)(m.subject_end - s));
        luaL_pushresult(&buffer);
    }
    lua_pushinteger(L, count);
    return 2;
}

void tally_pattern_install(lua_State *L, int string_table) {
    lua_pushcfunction(L, pattern_find);
    lua_setfield(L, string_table, "find");
    lua_pushcfunction(L, pattern_match);
    lua_setfield(L, string_table, "match");
    lua_pushcfunction(L, pattern_gmatch);
    lua_setfield(L, string_table, "gmatch");
    lua_pushcfunction(L, pattern_gsub);
    lua_setfield(L, string_table, "gsub");
}
