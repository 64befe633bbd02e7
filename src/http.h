/*
** http.h: one HTTP request on libcurl's easy interface, run by the loop's multi handle.
** Callbacks only append to C buffers; the response is read after the loop reports the handle done.
** A request owns copies of what it sends, so it can wait in the loop's queue for a transfer slot;
** the loop lends it an easy handle (reused across requests) only while it runs.
*/
#ifndef LB_HTTP_H
#define LB_HTTP_H

#include <stddef.h>

typedef struct lb_http lb_http;

typedef struct lb_buf {
  char *data;
  size_t len, cap;
} lb_buf;

/* Appends n bytes; returns 0, or -1 when out of memory. */
int lb_buf_append(lb_buf *b, const char *s, size_t n);
void lb_buf_free(lb_buf *b);

/*
** Prepares a request. body may be NULL. timeout_ms 0 means none. max_body caps the response body
** as delivered (after gzip/deflate decoding): a larger one aborts the transfer at once, which then
** finishes with CURLE_WRITE_ERROR and result.over = LB_HTTP_OVER_BODY. Returns NULL with *err set
** (a static string) on failure.
*/
lb_http *lb_http_new(const char *method, const char *url, const char *body, size_t bodylen,
                     long timeout_ms, size_t max_body, const char **err);
/* Trusts these CA certificates (a PEM file, a hashed directory) instead of the system's; either
   may be NULL. Before the request is attached; returns 0, or -1 when out of memory. */
int lb_http_set_ca(lb_http *r, const char *ca_file, const char *ca_path);

/* The response header block (of the final response) is capped too: headers are small, and a
   server sending them forever must not grow the client. */
#define LB_HTTP_MAX_HEADER_BYTES (256 * 1024)
/* Which cap aborted a transfer. */
enum { LB_HTTP_OVER_NONE = 0, LB_HTTP_OVER_BODY, LB_HTTP_OVER_HEADERS };
/* Adds a "Name: value" request header, before the request is attached; returns 0 or -1. */
int lb_http_add_header(lb_http *r, const char *line);
/* Frees the request, and the easy handle it still holds, if any. */
void lb_http_free(lb_http *r);

/*
** Configures easy (new, or reset by curl_easy_reset) for this request, which holds it until
** lb_http_detach. waited: seconds spent queued, taken off the timeout. Returns 0, or a CURLcode
** with the reason in the request's error message (then finish it with that code).
*/
int lb_http_attach(lb_http *r, void *easy, double waited);
/* The easy handle, or NULL when not attached; the loop stores its handle in CURLOPT_PRIVATE. */
void *lb_http_easy(lb_http *r);
/* The timeout given to lb_http_new (0: none). */
long lb_http_timeout_ms(const lb_http *r);
/* Sets the error message of a request whose timeout passed while it was queued. */
void lb_http_expire(lb_http *r);
/* Gives the easy handle back to the loop (after lb_http_finish, or on cancellation). */
void *lb_http_detach(lb_http *r);
/* Called by the loop when the transfer finished (or could not start) with the given CURLcode. */
void lb_http_finish(lb_http *r, int curlcode);

/* Results, valid once finished. */
typedef struct lb_http_result {
  int ok;               /* transfer completed (any HTTP status) */
  long status;
  const char *error;    /* libcurl's message when !ok */
  int curlcode;
  const char *headers;  /* raw header block of the final response */
  size_t headers_len;
  const char *body;
  size_t body_len;
  double seconds;       /* total time */
  int over;             /* LB_HTTP_OVER_*: the transfer was aborted by a size cap */
} lb_http_result;
void lb_http_result_get(lb_http *r, lb_http_result *out);

#endif
