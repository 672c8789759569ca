#define _GNU_SOURCE
#include "CKVSShims.h"
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int32_t kvs_gettid(void) { return (int32_t)syscall(SYS_gettid); }

uint64_t kvs_monotonic_nanoseconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t kvs_wallclock_nanoseconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
