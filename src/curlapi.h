/*
** curlapi.h: the libcurl functions lakebase calls, through a table filled on the first HTTP
** request (see dynlib.h): lb_curl.easy_init() for curl_easy_init(). Fields drop the "curl_"
** prefix because curl.h defines some of the full names as type-checking macros.
*/
#ifndef LB_CURLAPI_H
#define LB_CURLAPI_H

#include <curl/curl.h>

#define LB_CURL_FUNCTIONS(X) \
  X(global_init) X(global_cleanup) X(easy_init) X(easy_cleanup) X(easy_setopt) X(easy_getinfo) \
  X(easy_strerror) X(slist_append) X(slist_free_all) X(multi_init) X(multi_cleanup) \
  X(multi_setopt) X(multi_assign) X(multi_add_handle) X(multi_remove_handle) \
  X(multi_info_read) X(multi_socket_action) X(easy_reset)

typedef struct lb_curl_api {
#define LB_CURL_FIELD(name) __typeof__(curl_##name) *name;
  LB_CURL_FUNCTIONS(LB_CURL_FIELD)
#undef LB_CURL_FIELD
} lb_curl_api;

/* Filled by lb_loop_http_init (loop.c), which also owns curl_global_init and its cleanup. */
extern lb_curl_api lb_curl;

#endif
