// Counts heap allocations of the whole process by interposing malloc and friends. Linked only into
// the benchmark executable: it lets the benchmark report heap allocations per packet.
#ifndef KVS_ALLOC_COUNTER_H
#define KVS_ALLOC_COUNTER_H
#include <stdint.h>

/// Number of allocation calls (malloc, calloc, realloc, aligned variants) since the process started.
uint64_t kvs_alloc_count(void);
/// Bytes requested by those calls.
uint64_t kvs_alloc_bytes(void);
#endif
