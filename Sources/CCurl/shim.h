#ifndef TK_CCURL_SHIM_H
#define TK_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt / curl_multi_setopt / curl_easy_getinfo are variadic: Swift cannot call them.
   Typed wrappers, one per argument kind. */
typedef size_t (*tk_curl_write_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*tk_curl_prereq_fn)(void *userdata, char *primary_ip, char *local_ip,
                                 int primary_port, int local_port);
typedef int (*tk_curl_xferinfo_fn)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                   curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode tk_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tk_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tk_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tk_curl_setopt_write(CURL *h, CURLoption o, tk_curl_write_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tk_curl_setopt_xferinfo(CURL *h, CURLoption o, tk_curl_xferinfo_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tk_curl_setopt_prereq(CURL *h, CURLoption o, tk_curl_prereq_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLMcode tk_curl_multi_setopt_long(CURLM *h, CURLMoption o, long v) { return curl_multi_setopt(h, o, v); }
static inline CURLcode tk_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tk_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
#endif
