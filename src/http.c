/*
** http.c: request set-up and response buffering for one libcurl easy handle.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "curlapi.h"
#include "http.h"

struct lb_http {
  CURL *easy;
  struct curl_slist *headers;
  lb_buf body, head;
  int finished, curlcode;
  long status;
  double seconds;
  char errbuf[CURL_ERROR_SIZE];
};

int lb_buf_append(lb_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + n + 1) ncap *= 2;
    char *d = realloc(b->data, ncap);
    if (d == NULL) return -1;
    b->data = d;
    b->cap = ncap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void lb_buf_free(lb_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* libcurl callbacks: they only copy bytes; returning less than given aborts the transfer. */
static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  lb_http *r = ud;
  return lb_buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  lb_http *r = ud;
  size_t len = size * n;
  /* A new status line starts a new response (after 100 Continue): keep only the last block. */
  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) r->head.len = 0;
  return lb_buf_append(&r->head, p, len) == 0 ? len : 0;
}

lb_http *lb_http_new(const char *method, const char *url, const char *body, size_t bodylen,
                     long timeout_ms, const char **err) {
  lb_http *r = calloc(1, sizeof *r);
  if (r == NULL || (r->easy = lb_curl.easy_init()) == NULL) {
    free(r);
    *err = "out of memory";
    return NULL;
  }
  CURL *e = r->easy;
  CURLcode rc = CURLE_OK;
#define SET(opt, val) if (rc == CURLE_OK) rc = lb_curl.easy_setopt(e, opt, val)
  SET(CURLOPT_URL, url);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_ERRORBUFFER, r->errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, r);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, r);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_USERAGENT, "lakebase/" LB_VERSION);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, 30000L);
  if (strncasecmp(url, "https:", 6) == 0) {
    /* HTTP/2 where the server offers it; concurrent requests wait to share one connection. */
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L);
  }
  if (timeout_ms > 0) SET(CURLOPT_TIMEOUT_MS, timeout_ms);
  if (strcasecmp(method, "GET") == 0 && body == NULL) {
    SET(CURLOPT_HTTPGET, 1L);
  } else if (strcasecmp(method, "HEAD") == 0) {
    SET(CURLOPT_NOBODY, 1L);
  } else {
    if (body != NULL || strcasecmp(method, "POST") == 0) {
      SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? bodylen : 0));
      SET(CURLOPT_COPYPOSTFIELDS, body ? body : "");
    }
    SET(CURLOPT_CUSTOMREQUEST, method);
    /* libcurl silently resends a request when a reused connection turns out to be closed before
       any answer arrived. The server may have acted on the first copy (a create, a delete), so a
       request that is not safe to repeat goes on a connection of its own; the client's own retry
       logic, which knows how to settle a repeated create or delete, decides instead. */
    SET(CURLOPT_FRESH_CONNECT, 1L);
  }
#undef SET
  /* Small JSON bodies: never wait for a 100 Continue. */
  if (rc != CURLE_OK || lb_http_add_header(r, "Expect:") != 0) {
    *err = rc != CURLE_OK ? lb_curl.easy_strerror(rc) : "out of memory";
    lb_http_free(r);
    return NULL;
  }
  return r;
}

int lb_http_add_header(lb_http *r, const char *line) {
  struct curl_slist *n = lb_curl.slist_append(r->headers, line);
  if (n == NULL) return -1;
  r->headers = n;
  return lb_curl.easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers) == CURLE_OK ? 0 : -1;
}

void lb_http_free(lb_http *r) {
  if (r == NULL) return;
  lb_curl.easy_cleanup(r->easy);
  lb_curl.slist_free_all(r->headers);
  lb_buf_free(&r->body);
  lb_buf_free(&r->head);
  free(r);
}

void *lb_http_easy(lb_http *r) { return r->easy; }

void lb_http_finish(lb_http *r, int curlcode) {
  r->finished = 1;
  r->curlcode = curlcode;
  lb_curl.easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
  lb_curl.easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &r->seconds);
  if (curlcode != CURLE_OK && r->errbuf[0] == '\0')
    strncpy(r->errbuf, lb_curl.easy_strerror((CURLcode)curlcode), sizeof r->errbuf - 1);
}

void lb_http_result_get(lb_http *r, lb_http_result *out) {
  out->ok = r->finished && r->curlcode == CURLE_OK;
  out->status = r->status;
  out->curlcode = r->curlcode;
  out->error = r->finished ? r->errbuf : "request did not finish";
  out->headers = r->head.data ? r->head.data : "";
  out->headers_len = r->head.len;
  out->body = r->body.data ? r->body.data : "";
  out->body_len = r->body.len;
  out->seconds = r->seconds;
}
