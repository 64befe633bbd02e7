/*
** http.c: request set-up and response buffering for one libcurl easy handle.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "curlapi.h"
#include "http.h"

struct lb_http {
  CURL *easy;                 /* NULL until the loop gives the request a transfer slot */
  char *method, *url, *body;  /* owned copies: the request may wait in the loop's queue */
  char *ca_file, *ca_path;    /* NULL: the system's CA certificates */
  size_t bodylen, max_body;
  long timeout_ms;
  int over;                   /* LB_HTTP_OVER_*: which cap stopped the transfer */
  struct curl_slist *headers;
  lb_buf resp, head;
  int finished, curlcode;
  long status;
  double seconds;
  char errbuf[CURL_ERROR_SIZE];
};

/* Appends n bytes unless the buffer would then hold more than max; growing never allocates more
   than max + 1 bytes, so a cap of 32 MB costs at most 32 MB. Returns 0, -1 (out of memory) or
   -2 (over max). */
static int append_within(lb_buf *b, const char *s, size_t n, size_t max) {
  if (n > max || b->len > max - n) return -2;
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + n + 1) ncap = ncap > SIZE_MAX / 2 ? SIZE_MAX : ncap * 2;
    if (max < SIZE_MAX && ncap > max + 1) ncap = max + 1;
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

int lb_buf_append(lb_buf *b, const char *s, size_t n) {
  return append_within(b, s, n, SIZE_MAX - 1) == 0 ? 0 : -1;
}

void lb_buf_free(lb_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* libcurl callbacks: they only copy bytes; returning less than given aborts the transfer at once
   (CURLE_WRITE_ERROR), which is how a body or header block over its cap stops an endless stream
   or a gzip bomb: libcurl hands decoded data over in pieces of at most 16 KB. */
static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  lb_http *r = ud;
  int rc = append_within(&r->resp, p, size * n, r->max_body);
  if (rc == -2) r->over = LB_HTTP_OVER_BODY;
  return rc == 0 ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  lb_http *r = ud;
  size_t len = size * n;
  /* A new status line starts a new response (after 100 Continue): keep only the last block. */
  if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) r->head.len = 0;
  int rc = append_within(&r->head, p, len, LB_HTTP_MAX_HEADER_BYTES);
  if (rc == -2) r->over = LB_HTTP_OVER_HEADERS;
  return rc == 0 ? len : 0;
}

static char *copy(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d != NULL) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

lb_http *lb_http_new(const char *method, const char *url, const char *body, size_t bodylen,
                     long timeout_ms, size_t max_body, const char **err) {
  lb_http *r = calloc(1, sizeof *r);
  if (r == NULL || (r->method = copy(method, strlen(method))) == NULL ||
      (r->url = copy(url, strlen(url))) == NULL ||
      (body != NULL && (r->body = copy(body, bodylen)) == NULL) ||
      /* Small JSON bodies: never wait for a 100 Continue. */
      lb_http_add_header(r, "Expect:") != 0) {
    lb_http_free(r);
    *err = "out of memory";
    return NULL;
  }
  r->bodylen = bodylen;
  r->timeout_ms = timeout_ms;
  r->max_body = max_body;
  return r;
}

int lb_http_set_ca(lb_http *r, const char *ca_file, const char *ca_path) {
  if (ca_file != NULL && (r->ca_file = copy(ca_file, strlen(ca_file))) == NULL) return -1;
  if (ca_path != NULL && (r->ca_path = copy(ca_path, strlen(ca_path))) == NULL) return -1;
  return 0;
}

int lb_http_attach(lb_http *r, void *easy, double waited) {
  CURL *e = r->easy = easy;
  const char *method = r->method, *url = r->url;
  long timeout_ms = r->timeout_ms;
  if (timeout_ms > 0) {
    /* The time spent queued for a slot counts against the caller's timeout. */
    timeout_ms -= (long)(waited * 1000.0);
    if (timeout_ms <= 0) {
      lb_http_expire(r);
      return CURLE_OPERATION_TIMEDOUT;
    }
  }
  CURLcode rc = CURLE_OK;
#define SET(opt, val) if (rc == CURLE_OK) rc = lb_curl.easy_setopt(e, opt, val)
  SET(CURLOPT_URL, url);
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_ERRORBUFFER, r->errbuf);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, r);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, r);
  SET(CURLOPT_HTTPHEADER, r->headers);
  SET(CURLOPT_ACCEPT_ENCODING, "");
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_USERAGENT, "lakebase/" LB_VERSION);
  SET(CURLOPT_TCP_KEEPALIVE, 1L);
  SET(CURLOPT_CONNECTTIMEOUT_MS, 30000L);
  if (r->ca_file != NULL) SET(CURLOPT_CAINFO, r->ca_file);
  if (r->ca_path != NULL) SET(CURLOPT_CAPATH, r->ca_path);
  if (strncasecmp(url, "https:", 6) == 0) {
    /* HTTP/2 where the server offers it; concurrent requests wait to share one connection. */
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L);
  }
  if (timeout_ms > 0) SET(CURLOPT_TIMEOUT_MS, timeout_ms);
  if (strcasecmp(method, "GET") == 0 && r->body == NULL) {
    SET(CURLOPT_HTTPGET, 1L);
  } else if (strcasecmp(method, "HEAD") == 0) {
    SET(CURLOPT_NOBODY, 1L);
  } else {
    if (r->body != NULL || strcasecmp(method, "POST") == 0) {
      /* The copy lives as long as the transfer: no second copy inside libcurl. */
      SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->bodylen : 0));
      SET(CURLOPT_POSTFIELDS, r->body ? r->body : "");
    }
    SET(CURLOPT_CUSTOMREQUEST, method);
    /* libcurl silently resends a request when a reused connection turns out to be closed before
       any answer arrived. The server may have acted on the first copy (a create, a delete), so a
       request that is not safe to repeat goes on a connection of its own; the client's own retry
       logic, which knows how to settle a repeated create or delete, decides instead. */
    SET(CURLOPT_FRESH_CONNECT, 1L);
  }
#undef SET
  if (rc != CURLE_OK && r->errbuf[0] == '\0')
    snprintf(r->errbuf, sizeof r->errbuf, "%s", lb_curl.easy_strerror(rc));
  return (int)rc;
}

int lb_http_add_header(lb_http *r, const char *line) {
  /* Before the request is attached: the list is handed to libcurl by lb_http_attach. */
  struct curl_slist *n = lb_curl.slist_append(r->headers, line);
  if (n == NULL) return -1;
  r->headers = n;
  return 0;
}

void lb_http_free(lb_http *r) {
  if (r == NULL) return;
  if (r->easy != NULL) lb_curl.easy_cleanup(r->easy);
  if (r->headers != NULL) lb_curl.slist_free_all(r->headers);
  free(r->method);
  free(r->url);
  free(r->body);
  free(r->ca_file);
  free(r->ca_path);
  lb_buf_free(&r->resp);
  lb_buf_free(&r->head);
  free(r);
}

void *lb_http_easy(lb_http *r) { return r->easy; }

long lb_http_timeout_ms(const lb_http *r) { return r->timeout_ms; }

void lb_http_expire(lb_http *r) {
  snprintf(r->errbuf, sizeof r->errbuf,
           "timed out after %ld ms waiting for a free request slot (LAKEBASE_MAX_REQUESTS)",
           r->timeout_ms);
}

void *lb_http_detach(lb_http *r) {
  void *e = r->easy;
  r->easy = NULL;
  return e;
}

void lb_http_finish(lb_http *r, int curlcode) {
  r->finished = 1;
  r->curlcode = curlcode;
  if (r->easy != NULL) {
    lb_curl.easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
    lb_curl.easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &r->seconds);
  }
  if (r->over == LB_HTTP_OVER_BODY)
    snprintf(r->errbuf, sizeof r->errbuf, "response body larger than %zu bytes", r->max_body);
  else if (r->over == LB_HTTP_OVER_HEADERS)
    snprintf(r->errbuf, sizeof r->errbuf, "response headers larger than %d bytes", LB_HTTP_MAX_HEADER_BYTES);
  else if (curlcode != CURLE_OK && r->errbuf[0] == '\0')
    strncpy(r->errbuf, lb_curl.easy_strerror((CURLcode)curlcode), sizeof r->errbuf - 1);
}

void lb_http_result_get(lb_http *r, lb_http_result *out) {
  out->ok = r->finished && r->curlcode == CURLE_OK;
  out->status = r->status;
  out->curlcode = r->curlcode;
  out->error = r->finished ? r->errbuf : "request did not finish";
  out->headers = r->head.data ? r->head.data : "";
  out->headers_len = r->head.len;
  out->body = r->resp.data ? r->resp.data : "";
  out->body_len = r->resp.len;
  out->seconds = r->seconds;
  out->over = out->ok ? LB_HTTP_OVER_NONE : r->over;
}
