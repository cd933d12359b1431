/* SPDX-License-Identifier: MIT */
/*
 * fuzz-moniker.c: libFuzzer target for libowmi's moniker parser
 * (src/client/moniker.c): any text parses or fails with MK_E_SYNTAX (or
 * the authority rule), never anything else.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openwmi/owmi.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct owmi_moniker m;
        struct owmi_error err;
        char *text = malloc(size + 1);
        int status;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        status = owmi_moniker_parse(text, &m, &err);
        if (status == 0)
                owmi_moniker_release(&m);
        else if (status != (int) OWMI_E_MONIKER_SYNTAX && status != (int) OWMI_E_INVALID_PARAMETER &&
                 status != (int) OWMI_E_OUT_OF_MEMORY)
                abort();
        free(text);
        return 0;
}
