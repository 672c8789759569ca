// Linux facilities Glibc's Swift module does not export: epoll, eventfd, timerfd, gettid.
#ifndef KVS_SHIMS_H
#define KVS_SHIMS_H
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/types.h>

/// The kernel thread id of the caller. Unlike pthread_self(), it is not marked const, so the
/// optimizer does not reuse it across an `await`.
int32_t kvs_gettid(void);

/// CLOCK_MONOTONIC in nanoseconds: the only clock the event loop reads.
uint64_t kvs_monotonic_nanoseconds(void);

/// CLOCK_REALTIME in nanoseconds since the Unix epoch (for SigV4 dates and SRTP/NTP stamps).
uint64_t kvs_wallclock_nanoseconds(void);
#endif
