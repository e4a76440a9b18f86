/* fuzz_cli_args.c - the command-line parser on arbitrary argv: the input is
 * split on NUL bytes into words (argv[0] is "steady"). The parser must never
 * crash, leak, print or exit, and what it returns must hold together: a
 * refusal says why, a command has its target and every arg a name and a
 * value.
 */
#include "cli_args.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char **argv;
    struct cli_args a;
    char err[512];
    int argc = 1, rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < size; i++)
        argc += text[i] == '\0';
    argc++; /* the last word, after the last NUL */
    argv = calloc((size_t)argc + 1, sizeof(*argv));
    if (!argv) {
        free(text);
        return 0;
    }
    argv[0] = (char *)"steady";
    argc = 1;
    for (char *p = text; p <= text + size; p += strlen(p) + 1)
        argv[argc++] = p;
    rc = cli_args_parse(&a, argc, argv, err, sizeof(err));
    if (rc == CLI_ARGS_BAD && !err[0])
        abort(); /* a refusal always says why */
    if (rc == CLI_ARGS_OK) {
        /* plugins and inspect may name nothing; the others must */
        bool targetless = a.command && (strcmp(a.command, "plugins") == 0 ||
                                        strcmp(a.command, "inspect") == 0);

        if (!a.command || (!a.target && !targetless) ||
            a.n_overrides > (size_t)argc)
            abort();
        if (a.dir && strcmp(a.command, "new-plugin") != 0)
            abort();
        for (size_t i = 0; i < 2 * a.n_overrides; i++)
            if (!a.overrides[i])
                abort();
    }
    cli_args_free(&a);
    free(argv);
    free(text);
    return 0;
}
