/* main.c - the host CLI (placeholder while the runtime is assembled). */
#include <stdio.h>

int main(void)
{
    fputs("steady: not yet\n", stderr);
    return 1;
}
