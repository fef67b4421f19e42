/* tracekit-server's management API from the C benchmarks, over libcurl
 * (header-only: each benchmark is one translation unit; link -lcurl and call
 * curl_global_init first). One connection kept alive: call from one thread. */
#ifndef TRACEKIT_BENCH_API_H
#define TRACEKIT_BENCH_API_H

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

typedef struct { char data[65536]; size_t len; } response;

static inline size_t collect_response(char *ptr, size_t size, size_t n, void *userdata) {
  response *r = userdata;
  size_t bytes = size * n;
  if (r->len + bytes < sizeof r->data) { memcpy(r->data + r->len, ptr, bytes); r->len += bytes; r->data[r->len] = 0; }
  return bytes;
}

/* METHOD base+path with the key and an optional JSON body; returns the HTTP
 * status (0 when the request failed), the body (cut at 64 KB) in *out. */
static inline long api_call(const char *base, const char *key, const char *method, const char *path, const char *body,
                     response *out) {
  static CURL *curl;
  if (!curl) curl = curl_easy_init();
  char url[512], header[256];
  snprintf(url, sizeof url, "%s%s", base, path);
  snprintf(header, sizeof header, "X-API-Key: %s", key);
  struct curl_slist *headers = curl_slist_append(NULL, header);
  headers = curl_slist_append(headers, "Content-Type: application/json");
  out->len = 0;
  out->data[0] = 0;
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_response);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  return status;
}

/* The string value of the first "field":"..." in text, into out. */
static inline int string_field(const char *text, const char *field, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", field);
  const char *start = strstr(text, pattern);
  if (!start) return 0;
  start += strlen(pattern);
  const char *end = strchr(start, '"');
  if (!end || (size_t)(end - start) >= size) return 0;
  memcpy(out, start, end - start);
  out[end - start] = 0;
  return 1;
}

#endif
