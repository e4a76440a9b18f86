/* fiber_switch.c - the raw cost of one troupe context switch: two fibers
 * hand control to each other N times. Prints ns per switch. */
#include "fiber.h"
#include "wake.h"

#include <stdio.h>
#include <stdlib.h>

static struct fiber main_fiber, other;
static long remaining;

static void bounce(void)
{
    fiber_started(&other);
    for (;;)
        fiber_switch(&other, &main_fiber);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    uint64_t t0, t1;

    fiber_init_thread(&main_fiber);
    if (fiber_create(&other, 64 * 1024, bounce) < 0) {
        fprintf(stderr, "fiber_switch: cannot create a fiber\n");
        return 1;
    }
    fiber_switch(&main_fiber, &other); /* warm up: first entry */
    remaining = n;
    t0 = now_ns();
    while (remaining--)
        fiber_switch(&main_fiber, &other);
    t1 = now_ns();
    /* each iteration is two switches: there and back */
    printf("fiber switch: %.1f ns (%ld round trips)\n",
           (double)(t1 - t0) / (2.0 * (double)n), n);
    return 0;
}
