/* SPDX-License-Identifier: MIT */
/*
 * fuzz-sd.c: libFuzzer target for the security descriptors a client
 * hands __SystemSecurity.SetSD (cimom/security.c).  What parses must
 * build, and parse back to the same entries.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "cimom/security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sec_descriptor sd, back;
        struct strbuf sb = STRBUF_INIT;
        struct owmi_error err;

        if (sec_descriptor_parse(data, size, &sd, &err) < 0)
                return 0;
        if (sec_descriptor_build(&sd, &sb) < 0)
                abort();
        if (sec_descriptor_parse((const uint8_t *) sb.buf, sb.len, &back, &err) < 0)
                abort();
        if (back.ace_count != sd.ace_count || back.has_owner != sd.has_owner ||
            back.has_group != sd.has_group)
                abort();
        for (size_t i = 0; i < sd.ace_count; i++) {
                if (back.aces[i].type != sd.aces[i].type || back.aces[i].mask != sd.aces[i].mask ||
                    back.aces[i].flags != sd.aces[i].flags ||
                    !sec_sid_equal(&back.aces[i].sid, &sd.aces[i].sid))
                        abort();
        }
        sec_descriptor_release(&sd);
        sec_descriptor_release(&back);
        strbuf_release(&sb);
        return 0;
}
