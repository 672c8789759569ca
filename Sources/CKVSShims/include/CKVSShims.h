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

// MARK: Event loop and socket helpers (used by the EventLoop module).
#include <netinet/in.h>
#include <sys/socket.h>

/// Waits on an epoll set with a nanosecond timeout (negative: forever). Uses epoll_pwait2 where
/// the kernel has it (5.11+) and falls back to epoll_wait with the timeout rounded up to whole
/// milliseconds, so the loop never wakes before a timer is due. Returns the event count or -errno.
int32_t kvs_epoll_wait(int32_t epfd, struct epoll_event *events, int32_t max_events, int64_t timeout_ns);

/// Names the calling thread (at most 15 bytes are kept), so `top -H` and core dumps show it.
void kvs_set_thread_name(const char *name);

/// The local end of a received datagram, from IP_PKTINFO / IPV6_PKTINFO ancillary data.
/// `family` is 0 when the datagram carried no such data (socket bound to a specific address).
typedef struct {
    int32_t family;
    uint32_t interface_index;
    uint8_t address[16];
} kvs_packet_info;

/// Asks the kernel to attach the destination address to every received datagram
/// (IP_PKTINFO for IPv4, IPV6_RECVPKTINFO plus IP_PKTINFO for dual-stack IPv6). Returns 0 or -errno.
int32_t kvs_udp_enable_packet_info(int32_t fd, int32_t family);

/// Receives one datagram with recvmsg (non-blocking): fills the source address and, when present,
/// the destination address. `*truncated` is set to 1 when the datagram was longer than the buffer.
/// Returns the byte count or -errno (-EAGAIN when the socket is drained).
int64_t kvs_udp_receive(int32_t fd, void *buffer, size_t length, struct sockaddr_storage *source,
                        kvs_packet_info *destination, int32_t *truncated);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns the new fd or -errno.
int32_t kvs_accept(int32_t fd, struct sockaddr_storage *peer);

/// Socket type flags Swift imports awkwardly (they are enum cases in glibc's headers).
int32_t kvs_socket(int32_t family, int32_t is_stream);

/// The current errno (Swift's Glibc import works, but a function keeps the call sites uniform).
int32_t kvs_errno(void);
#endif
