/*
** test_timerheap.c: the timer heap keeps deadline order (FIFO among equals) through pushes and
** arbitrary removals, checked against a brute-force reference with a fixed pseudo-random seed.
*/
#include <stdio.h>
#include <stdlib.h>
#include "timerheap.h"

#define N 2000

static int failures, checks;

static void expect(int cond, const char *what, int i) {
  checks++;
  if (!cond) {
    failures++;
    fprintf(stderr, "FAIL: %s (step %d)\n", what, i);
  }
}

int main(void) {
  static lb_timer timers[N];
  static int in_heap[N];
  lb_timerheap h;
  lb_timerheap_init(&h);
  srand(12345);
  for (int i = 0; i < N; i++) {
    timers[i].index = LB_TIMER_NONE;
    timers[i].deadline = (double)(rand() % 500);  /* many equal deadlines on purpose */
  }
  /* Push everything, remove a third at random. */
  for (int i = 0; i < N; i++) {
    expect(lb_timerheap_push(&h, &timers[i]) == 0, "push", i);
    in_heap[i] = 1;
  }
  for (int i = 0; i < N / 3; i++) {
    int k = rand() % N;
    lb_timerheap_remove(&h, &timers[k]);
    lb_timerheap_remove(&h, &timers[k]);  /* removing twice is harmless */
    in_heap[k] = 0;
    expect(timers[k].index == LB_TIMER_NONE, "removed entry is marked", i);
  }
  size_t expected = 0;
  for (int i = 0; i < N; i++) expected += (size_t)in_heap[i];
  expect(h.count == expected, "count after removals", 0);
  /* Pop in order: each must be the brute-force minimum by (deadline, push order). */
  int step = 0;
  lb_timer *t;
  while ((t = lb_timerheap_peek(&h)) != NULL) {
    int best = -1;
    for (int i = 0; i < N; i++)
      if (in_heap[i] && (best < 0 || timers[i].deadline < timers[best].deadline)) best = i;
    expect(t == &timers[best], "earliest deadline first, FIFO among equals", step);
    lb_timerheap_remove(&h, t);
    in_heap[t - timers] = 0;
    step++;
  }
  expect((size_t)step == expected, "every entry popped once", step);
  lb_timerheap_free(&h);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures ? 1 : 0;
}
