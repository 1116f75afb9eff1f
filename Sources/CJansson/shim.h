#ifndef TALLY_CJANSSON_SHIM_H
#define TALLY_CJANSSON_SHIM_H
#include <jansson.h>

// jansson's type tests and some constants are macros, which Swift cannot import.
static inline int tally_json_type(const json_t *value) { return value ? (int)json_typeof(value) : -1; }
static inline size_t tally_json_flags_compact_sorted(void) { return JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17); }
static inline size_t tally_json_flags_parse(void) { return JSON_REJECT_DUPLICATES | JSON_DECODE_ANY; }
static inline void tally_json_decref(json_t *value) { json_decref(value); }
#endif
