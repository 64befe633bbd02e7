/*
** timerheap.c: binary min-heap ordered by (deadline, insertion sequence).
*/
#include <stdlib.h>
#include "timerheap.h"

static int earlier(const lb_timer *a, const lb_timer *b) {
  if (a->deadline != b->deadline) return a->deadline < b->deadline;
  return a->seq < b->seq;
}

static void place(lb_timerheap *h, size_t i, lb_timer *t) {
  h->items[i] = t;
  t->index = i;
}

static void sift_up(lb_timerheap *h, size_t i) {
  lb_timer *t = h->items[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(t, h->items[parent])) break;
    place(h, i, h->items[parent]);
    i = parent;
  }
  place(h, i, t);
}

static void sift_down(lb_timerheap *h, size_t i) {
  lb_timer *t = h->items[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= h->count) break;
    if (child + 1 < h->count && earlier(h->items[child + 1], h->items[child])) child++;
    if (!earlier(h->items[child], t)) break;
    place(h, i, h->items[child]);
    i = child;
  }
  place(h, i, t);
}

void lb_timerheap_init(lb_timerheap *h) {
  h->items = NULL;
  h->count = h->cap = 0;
  h->next_seq = 0;
}

void lb_timerheap_free(lb_timerheap *h) {
  for (size_t i = 0; i < h->count; i++) h->items[i]->index = LB_TIMER_NONE;
  free(h->items);
  lb_timerheap_init(h);
}

int lb_timerheap_push(lb_timerheap *h, lb_timer *t) {
  if (h->count == h->cap) {
    size_t ncap = h->cap ? h->cap * 2 : 16;
    lb_timer **n = realloc(h->items, ncap * sizeof *n);
    if (n == NULL) return -1;
    h->items = n;
    h->cap = ncap;
  }
  t->seq = h->next_seq++;
  place(h, h->count++, t);
  sift_up(h, t->index);
  return 0;
}

void lb_timerheap_remove(lb_timerheap *h, lb_timer *t) {
  size_t i = t->index;
  if (i == LB_TIMER_NONE || i >= h->count || h->items[i] != t) return;
  t->index = LB_TIMER_NONE;
  lb_timer *last = h->items[--h->count];
  if (i == h->count) return;  /* t was the last entry */
  place(h, i, last);
  sift_down(h, i);
  sift_up(h, last->index);
}

lb_timer *lb_timerheap_peek(const lb_timerheap *h) {
  return h->count ? h->items[0] : NULL;
}
