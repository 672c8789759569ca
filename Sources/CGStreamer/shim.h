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
#include <string.h>

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
static inline guint kvs_g_object_get_uint(gpointer o, const char *k) { guint v = 0; g_object_get(o, k, &v, NULL); return v; }
static inline gint kvs_g_object_get_int(gpointer o, const char *k) { gint v = 0; g_object_get(o, k, &v, NULL); return v; }
static inline void kvs_gst_buffer_set_pts(GstBuffer *b, GstClockTime t) { GST_BUFFER_PTS(b) = t; }
static inline void kvs_gst_buffer_set_duration(GstBuffer *b, GstClockTime t) { GST_BUFFER_DURATION(b) = t; }
static inline void kvs_gst_caps_unref(GstCaps *c) { gst_caps_unref(c); }
static inline void kvs_gst_event_unref(GstEvent *e) { gst_event_unref(e); }
static inline const char *kvs_gst_object_name(gpointer o) { return o ? GST_OBJECT_NAME(o) : NULL; }
static inline GstObject *kvs_gst_message_src(GstMessage *m) { return GST_MESSAGE_SRC(m); }
/* The upstream force-key-unit event of gst-plugins-base's video library
   (gst_video_event_new_upstream_force_key_unit), built here so only gstreamer-1.0 is linked. */
static inline GstEvent *kvs_gst_force_key_unit_event(void) {
    GstStructure *s = gst_structure_new("GstForceKeyUnit",
        "running-time", G_TYPE_UINT64, (guint64)GST_CLOCK_TIME_NONE,
        "all-headers", G_TYPE_BOOLEAN, TRUE,
        "count", G_TYPE_UINT, (guint)0, NULL);
    return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}
static inline gboolean kvs_gst_parse_error_is_missing_element(const GError *e) {
    return e && e->domain == GST_PARSE_ERROR && e->code == GST_PARSE_ERROR_NO_SUCH_ELEMENT;
}
typedef GstFlowReturn (*kvs_new_sample_fn)(GstAppSink *sink, gpointer user_data);
/* Installs only new_sample; the struct's later members vary between GStreamer versions. */
static inline void kvs_gst_app_sink_set_new_sample(GstAppSink *sink, kvs_new_sample_fn fn, gpointer user_data, GDestroyNotify notify) {
    GstAppSinkCallbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.new_sample = fn;
    gst_app_sink_set_callbacks(sink, &callbacks, user_data, notify);
}
static inline gboolean kvs_gst_is_pipeline(gpointer o) { return GST_IS_PIPELINE(o); }
static inline gboolean kvs_gst_is_app_sink(gpointer o) { return GST_IS_APP_SINK(o); }
static inline gboolean kvs_gst_is_app_src(gpointer o) { return GST_IS_APP_SRC(o); }
static inline const char *kvs_gst_element_factory_name(GstElement *e) {
    GstElementFactory *f = gst_element_get_factory(e);
    return f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : NULL;
}
#endif
