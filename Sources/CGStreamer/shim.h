// GStreamer (core + app) for Swift. g_object_set, g_signal_connect and the GST_BUFFER_*
// accessors are variadic functions or macros; these wrappers give them types.
#ifndef KVS_CGSTREAMER_SHIM_H
#define KVS_CGSTREAMER_SHIM_H
#ifndef _REENTRANT
#define _REENTRANT 1
#endif
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

static inline void kvs_g_object_set_int(gpointer o, const char *k, gint v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_uint(gpointer o, const char *k, guint v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_int64(gpointer o, const char *k, gint64 v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_uint64(gpointer o, const char *k, guint64 v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_bool(gpointer o, const char *k, gboolean v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_string(gpointer o, const char *k, const char *v) { g_object_set(o, k, v, NULL); }
static inline void kvs_g_object_set_pointer(gpointer o, const char *k, gpointer v) { g_object_set(o, k, v, NULL); }
static inline gulong kvs_g_signal_connect(gpointer instance, const char *signal, GCallback cb, gpointer data) {
    return g_signal_connect_data(instance, signal, cb, data, NULL, (GConnectFlags)0);
}
static inline GstClockTime kvs_gst_buffer_pts(GstBuffer *b) { return GST_BUFFER_PTS(b); }
static inline GstClockTime kvs_gst_buffer_dts(GstBuffer *b) { return GST_BUFFER_DTS(b); }
static inline GstClockTime kvs_gst_buffer_duration(GstBuffer *b) { return GST_BUFFER_DURATION(b); }
static inline gboolean kvs_gst_buffer_is_delta_unit(GstBuffer *b) { return GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT); }
static inline GstMessageType kvs_gst_message_type(GstMessage *m) { return GST_MESSAGE_TYPE(m); }
static inline void kvs_gst_object_unref(gpointer o) { gst_object_unref(o); }
static inline void kvs_gst_sample_unref(GstSample *s) { gst_sample_unref(s); }
static inline void kvs_gst_message_unref(GstMessage *m) { gst_message_unref(m); }
#endif
