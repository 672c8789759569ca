#define _GNU_SOURCE
#include "CKVSShims.h"
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

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

// MARK: Event loop and socket helpers.

int32_t kvs_epoll_wait(int32_t epfd, struct epoll_event *events, int32_t max_events, int64_t timeout_ns) {
#ifdef SYS_epoll_pwait2
    // Shared by every loop thread; a relaxed flag is enough (the worst case is one extra ENOSYS).
    static int have_pwait2 = 1;
    if (__atomic_load_n(&have_pwait2, __ATOMIC_RELAXED)) {
        struct timespec ts;
        struct timespec *tsp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = (time_t)(timeout_ns / 1000000000);
            ts.tv_nsec = (long)(timeout_ns % 1000000000);
            tsp = &ts;
        }
        long n = syscall(SYS_epoll_pwait2, epfd, events, max_events, tsp, NULL, (size_t)0);
        if (n >= 0) return (int32_t)n;
        if (errno != ENOSYS) return -errno;
        __atomic_store_n(&have_pwait2, 0, __ATOMIC_RELAXED);
    }
#endif
    int timeout_ms = -1;
    if (timeout_ns >= 0) {
        int64_t ms = (timeout_ns + 999999) / 1000000;
        timeout_ms = ms > INT_MAX ? INT_MAX : (int)ms;
    }
    int n = epoll_wait(epfd, events, max_events, timeout_ms);
    return n >= 0 ? n : -errno;
}

void kvs_set_thread_name(const char *name) {
    char buffer[16];
    strncpy(buffer, name, sizeof buffer - 1);
    buffer[sizeof buffer - 1] = 0;
    pthread_setname_np(pthread_self(), buffer);
}

int32_t kvs_udp_enable_packet_info(int32_t fd, int32_t family) {
    int on = 1;
    if (family == AF_INET6) {
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) != 0) return -errno;
        // A dual-stack socket reports IPv4 arrivals with IP_PKTINFO; harmless on a v6-only socket.
        (void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
        return 0;
    }
    return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0 ? 0 : -errno;
}

int64_t kvs_udp_receive(int32_t fd, void *buffer, size_t length, struct sockaddr_storage *source,
                        kvs_packet_info *destination, int32_t *truncated) {
    union {
        char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buffer, .iov_len = length};
    struct msghdr msg = {0};
    msg.msg_name = source;
    msg.msg_namelen = sizeof *source;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return -errno;
    *truncated = (msg.msg_flags & MSG_TRUNC) ? 1 : 0;
    memset(destination, 0, sizeof *destination);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            destination->family = AF_INET;
            destination->interface_index = (uint32_t)info.ipi_ifindex;
            memcpy(destination->address, &info.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof info);
            destination->family = AF_INET6;
            destination->interface_index = info.ipi6_ifindex;
            memcpy(destination->address, &info.ipi6_addr, 16);
        }
    }
    return (int64_t)n;
}

int32_t kvs_accept(int32_t fd, struct sockaddr_storage *peer) {
    socklen_t len = sizeof *peer;
    int c = accept4(fd, (struct sockaddr *)peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return c >= 0 ? c : -errno;
}

int32_t kvs_socket(int32_t family, int32_t is_stream) {
    int fd = socket(family, (is_stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd >= 0 ? fd : -errno;
}

int32_t kvs_errno(void) { return errno; }
