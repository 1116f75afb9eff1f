// Small blocks kept for reuse by one VM's allocator.
//
// Each event's call makes a few short-lived tables and strings, and Lua's collector frees
// them a few calls later; through malloc and free, those round trips measured about 7 % of
// an attribution. Freed blocks of up to TALLY_SMALL_BLOCK_MAX bytes are kept here instead, in
// one list per 16-byte size class, and handed out again without touching the C library. At
// most TALLY_BLOCK_CACHE_MAX bytes are kept; the rest go back to the C library.
//
// Invariant: a block Lua holds with size s <= TALLY_SMALL_BLOCK_MAX has room for s rounded
// up to 16, so it can serve any request of its class once freed.

#include "tally_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t rounded(size_t size) { return (size + 15) & ~(size_t)15; }
static int is_small(size_t size) { return size <= TALLY_SMALL_BLOCK_MAX; }
static size_t class_of(size_t size) { return rounded(size) / 16 - 1; }

static void *take(tally_block_cache *cache, size_t size) {
    size_t class = class_of(size);
    void *block = cache->free[class];
    if (block == NULL) return malloc(rounded(size));
    cache->free[class] = *(void **)block;
    cache->cached_bytes -= rounded(size);
    return block;
}

void tally_blocks_free(tally_block_cache *cache, void *block, size_t size) {
    if (block == NULL) return;
    if (!is_small(size) || cache->cached_bytes + rounded(size) > TALLY_BLOCK_CACHE_MAX) {
        free(block);
        return;
    }
    size_t class = class_of(size);
    *(void **)block = cache->free[class];
    cache->free[class] = block;
    cache->cached_bytes += rounded(size);
}

void *tally_blocks_grow(tally_block_cache *cache, void *block, size_t old_size, size_t new_size) {
    if (block == NULL) return is_small(new_size) ? take(cache, new_size) : malloc(new_size);
    if (!is_small(old_size)) return realloc(block, new_size);
    if (new_size <= rounded(old_size)) return block;
    void *grown = is_small(new_size) ? take(cache, new_size) : malloc(new_size);
    if (grown == NULL) return NULL;
    memcpy(grown, block, old_size);
    tally_blocks_free(cache, block, old_size);
    return grown;
}

void *tally_blocks_shrink(void *block, size_t old_size, size_t new_size) {
    if (is_small(old_size)) return block;  // its room still covers the smaller size's class
    void *shrunk = realloc(block, is_small(new_size) ? rounded(new_size) : new_size);
    // If the C library cannot shrink, the old block is still valid and big enough.
    return shrunk != NULL ? shrunk : block;
}

void tally_blocks_release(tally_block_cache *cache) {
    for (size_t class = 0; class < TALLY_SMALL_BLOCK_MAX / 16; class++) {
        while (cache->free[class] != NULL) {
            void *block = cache->free[class];
            cache->free[class] = *(void **)block;
            free(block);
        }
    }
    cache->cached_bytes = 0;
}
