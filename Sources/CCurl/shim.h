// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call; these wrappers fix the argument type per option kind.
#ifndef KVS_CCURL_SHIM_H
#define KVS_CCURL_SHIM_H
#include <curl/curl.h>

static inline curl_version_info_data *kvs_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
typedef size_t (*kvs_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode kvs_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_setopt_data_callback(CURL *h, CURLoption o, kvs_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kvs_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kvs_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kvs_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
// The multi interface (one CURLM per service thread); curl_multi_setopt is variadic too.
static inline CURLMcode kvs_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
// CURLMsg.data is a union; reading the result member from Swift is clumsy.
static inline CURLcode kvs_curl_msg_result(const CURLMsg *msg) { return msg->data.result; }
static inline int kvs_curl_msg_is_done(const CURLMsg *msg) { return msg->msg == CURLMSG_DONE; }
static inline long kvs_curl_http_version_1_1(void) { return (long)CURL_HTTP_VERSION_1_1; }
static inline long kvs_curl_error_size(void) { return (long)CURL_ERROR_SIZE; }
#endif
