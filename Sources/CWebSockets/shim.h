// libwebsockets for Swift. The lwsl_* logging macros and a few context helpers are macros;
// typed wrappers live here.
#ifndef KVS_CWEBSOCKETS_SHIM_H
#define KVS_CWEBSOCKETS_SHIM_H
#include <libwebsockets.h>

typedef void (*kvs_lws_log_emit_t)(int level, const char *line);
static inline void kvs_lws_set_log(int levels, kvs_lws_log_emit_t emit) { lws_set_log_level(levels, emit); }
#endif
