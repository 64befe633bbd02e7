/*
** timerheap.h: a binary min-heap of deadlines.
** Entries are owned by the caller; the heap stores pointers and keeps each entry's index current
** so that removal of an arbitrary entry is O(log n).
*/
#ifndef LB_TIMERHEAP_H
#define LB_TIMERHEAP_H

#include <stddef.h>

typedef struct lb_timer {
  double deadline;     /* absolute, on the monotonic clock, in seconds */
  size_t index;        /* position in the heap, or LB_TIMER_NONE when not in it */
  unsigned long seq;   /* insertion order: equal deadlines fire first-in first-out */
} lb_timer;

#define LB_TIMER_NONE ((size_t)-1)

typedef struct lb_timerheap {
  lb_timer **items;
  size_t count, cap;
  unsigned long next_seq;
} lb_timerheap;

void lb_timerheap_init(lb_timerheap *h);
void lb_timerheap_free(lb_timerheap *h);
/* Adds t (which must not be in a heap); returns 0, or -1 when out of memory. */
int lb_timerheap_push(lb_timerheap *h, lb_timer *t);
/* Removes t if it is in the heap; harmless otherwise. */
void lb_timerheap_remove(lb_timerheap *h, lb_timer *t);
/* The earliest entry, or NULL when empty. */
lb_timer *lb_timerheap_peek(const lb_timerheap *h);

#endif
