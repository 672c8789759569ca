// usrsctp for Swift. SwiftPM drops pkg-config's -DINET -DINET6, and usrsctp.h changes its
// structures depending on them, so they are defined here before the header is read.
#ifndef KVS_CUSRSCTP_SHIM_H
#define KVS_CUSRSCTP_SHIM_H
#ifndef INET
#define INET 1
#endif
#ifndef INET6
#define INET6 1
#endif
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <usrsctp.h>

// Typed wrappers for the socket calls the data-channel layer makes. They exist because Swift
// imports errno, MSG_EOR, IPPROTO_SCTP and the flexible-array-member structures awkwardly, and
// because building sockaddr_conn and the sendv/recvv info blocks is clearer in C.

/// The errno left by the last failing usrsctp call on this thread.
static inline int kvs_sctp_errno(void) { return errno; }

/// A one-to-one (SOCK_STREAM) SCTP socket over AF_CONN, with no callbacks: the caller reads
/// with kvs_sctp_recv after feeding packets in, which keeps every usrsctp call on its thread.
static inline struct socket *kvs_sctp_socket(void) {
    return usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
}

static inline struct sockaddr_conn kvs_sctp_conn_address(void *addr, uint16_t port) {
    struct sockaddr_conn sconn;
    memset(&sconn, 0, sizeof(sconn));
    sconn.sconn_family = AF_CONN;
    sconn.sconn_port = htons(port);
    sconn.sconn_addr = addr;
    return sconn;
}

static inline int kvs_sctp_bind(struct socket *so, void *addr, uint16_t port) {
    struct sockaddr_conn sconn = kvs_sctp_conn_address(addr, port);
    return usrsctp_bind(so, (struct sockaddr *)&sconn, sizeof(sconn));
}

/// Starts the association; on a non-blocking socket this returns -1 with EINPROGRESS.
static inline int kvs_sctp_connect(struct socket *so, void *addr, uint16_t port) {
    struct sockaddr_conn sconn = kvs_sctp_conn_address(addr, port);
    return usrsctp_connect(so, (struct sockaddr *)&sconn, sizeof(sconn));
}

static inline int kvs_sctp_set_int(struct socket *so, int level, int option, int value) {
    return usrsctp_setsockopt(so, level, option, &value, sizeof(value));
}

static inline int kvs_sctp_set_sctp_int(struct socket *so, int option, int value) {
    return kvs_sctp_set_int(so, IPPROTO_SCTP, option, value);
}

/// Options that take a struct sctp_assoc_value (SCTP_ECN_SUPPORTED, SCTP_PR_SUPPORTED, ...),
/// set for the association this socket will have.
static inline int kvs_sctp_set_assoc_value(struct socket *so, int option, uint32_t value) {
    struct sctp_assoc_value av;
    memset(&av, 0, sizeof(av));
    av.assoc_id = SCTP_FUTURE_ASSOC;
    av.assoc_value = value;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, option, &av, sizeof(av));
}

static inline int kvs_sctp_set_buffer_sizes(struct socket *so, int send_bytes, int receive_bytes) {
    if (kvs_sctp_set_int(so, SOL_SOCKET, SO_SNDBUF, send_bytes) != 0) return -1;
    return kvs_sctp_set_int(so, SOL_SOCKET, SO_RCVBUF, receive_bytes);
}

/// SO_LINGER with a zero timeout: closing the socket aborts the association at once instead of
/// leaving usrsctp to run a shutdown for an owner that no longer exists.
static inline int kvs_sctp_set_abortive_close(struct socket *so) {
    struct linger l;
    l.l_onoff = 1;
    l.l_linger = 0;
    return usrsctp_setsockopt(so, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static inline int kvs_sctp_subscribe(struct socket *so, uint16_t event_type) {
    struct sctp_event event;
    memset(&event, 0, sizeof(event));
    event.se_assoc_id = SCTP_ALL_ASSOC;
    event.se_type = event_type;
    event.se_on = 1;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_EVENT, &event, sizeof(event));
}

static inline int kvs_sctp_set_streams(struct socket *so, uint16_t outbound, uint16_t inbound) {
    struct sctp_initmsg init;
    memset(&init, 0, sizeof(init));
    init.sinit_num_ostreams = outbound;
    init.sinit_max_instreams = inbound;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init));
}

static inline int kvs_sctp_enable_stream_reset(struct socket *so) {
    struct sctp_assoc_value value;
    memset(&value, 0, sizeof(value));
    value.assoc_id = SCTP_ALL_ASSOC;
    value.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &value, sizeof(value));
}

/// Fixed path MTU: path MTU discovery off, since the packets travel inside DTLS records whose
/// size the DTLS layer and ICE path decide.
static inline int kvs_sctp_set_path_mtu(struct socket *so, uint32_t mtu) {
    struct sctp_paddrparams params;
    memset(&params, 0, sizeof(params));
    params.spp_assoc_id = SCTP_FUTURE_ASSOC;
    params.spp_flags = SPP_PMTUD_DISABLE;
    params.spp_pathmtu = mtu;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &params, sizeof(params));
}

/// Sends one complete user message. pr_policy is SCTP_PR_SCTP_NONE, _RTX or _TTL; the PPID is
/// given in host order and put on the wire in network order.
static inline ssize_t kvs_sctp_send(struct socket *so, const void *data, size_t length, uint16_t stream,
                                    uint32_t ppid, int unordered, uint16_t pr_policy, uint32_t pr_value) {
    struct sctp_sendv_spa spa;
    memset(&spa, 0, sizeof(spa));
    spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
    spa.sendv_sndinfo.snd_sid = stream;
    spa.sendv_sndinfo.snd_ppid = htonl(ppid);
    spa.sendv_sndinfo.snd_flags = SCTP_EOR | (unordered ? SCTP_UNORDERED : 0);
    if (pr_policy != SCTP_PR_SCTP_NONE) {
        spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
        spa.sendv_prinfo.pr_policy = pr_policy;
        spa.sendv_prinfo.pr_value = pr_value;
    }
    return usrsctp_sendv(so, data, length, NULL, 0, &spa, (socklen_t)sizeof(spa), SCTP_SENDV_SPA, 0);
}

/// What one kvs_sctp_recv call read, flattened for Swift.
struct kvs_sctp_received {
    uint16_t stream;
    uint32_t ppid;          // host order
    int is_notification;
    int is_end_of_record;   // the read finished a message (or a notification)
};

/// Reads what the socket holds (part of a message, a whole one, or a notification).
/// Returns the byte count, 0 when the association is gone, -1 with errno EWOULDBLOCK when empty.
static inline ssize_t kvs_sctp_recv(struct socket *so, void *buffer, size_t length,
                                    struct kvs_sctp_received *out) {
    struct sctp_rcvinfo info;
    socklen_t info_length = (socklen_t)sizeof(info);
    unsigned int info_type = SCTP_RECVV_NOINFO;
    int flags = 0;
    memset(&info, 0, sizeof(info));
    ssize_t n = usrsctp_recvv(so, buffer, length, NULL, NULL, &info, &info_length, &info_type, &flags);
    memset(out, 0, sizeof(*out));
    if (n > 0) {
        out->is_notification = (flags & MSG_NOTIFICATION) != 0;
        out->is_end_of_record = (flags & MSG_EOR) != 0;
        if (info_type == SCTP_RECVV_RCVINFO) {
            out->stream = info.rcv_sid;
            out->ppid = ntohl(info.rcv_ppid);
        }
    }
    return n;
}

/// Resets one outgoing stream (RFC 6525), which is how a data channel is closed (RFC 8831 §6.7).
static inline int kvs_sctp_reset_outgoing_stream(struct socket *so, uint16_t stream) {
    union {
        struct sctp_reset_streams request;
        uint8_t bytes[sizeof(struct sctp_reset_streams) + sizeof(uint16_t)];
    } u;
    memset(&u, 0, sizeof(u));
    u.request.srs_assoc_id = SCTP_ALL_ASSOC;
    u.request.srs_flags = SCTP_STREAM_RESET_OUTGOING;
    u.request.srs_number_streams = 1;
    u.request.srs_stream_list[0] = stream;
    return usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_RESET_STREAMS, &u, (socklen_t)sizeof(u));
}

/// Starts a graceful SHUTDOWN after the queued data is delivered.
static inline int kvs_sctp_shutdown(struct socket *so) { return usrsctp_shutdown(so, SHUT_WR); }

/// Counters of inbound packets usrsctp dropped before any association saw them.
static inline uint32_t kvs_sctp_dropped_inbound_packets(void) {
    struct sctpstat stat;
    memset(&stat, 0, sizeof(stat));
    usrsctp_get_stat(&stat);
    return stat.sctps_hdrops + stat.sctps_badsum;
}

/// Bytes the C heap has handed out (glibc mallinfo2), for measuring the memory an
/// association costs; usrsctp allocates from the same heap.
static inline size_t kvs_heap_bytes_in_use(void) { return mallinfo2().uordblks; }
#endif
