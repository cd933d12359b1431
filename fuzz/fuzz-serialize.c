/* SPDX-License-Identifier: MIT */
/*
 * fuzz-serialize.c: libFuzzer target for cim/serialize.c decoding, the
 * bytes the repository reads back from disk.  Anything that decodes must
 * encode again, and that encoding must decode to the same bytes once more
 * (the format has one encoding per object).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "cim/object.h"
#include "cim/qualifier.h"
#include "cim/serialize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_object(const uint8_t *data, size_t size)
{
        struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
        struct cim_object *obj = NULL, *again = NULL;

        if (cim_object_decode(data, size, &obj) < 0)
                return;
        if (cim_object_encode(obj, &a) < 0)
                abort();
        if (cim_object_decode(a.buf, a.len, &again) < 0)
                abort();
        if (cim_object_encode(again, &b) < 0 || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
                abort();
        cim_object_free(obj);
        cim_object_free(again);
        strbuf_release(&a);
        strbuf_release(&b);
}

static void check_decl(const uint8_t *data, size_t size)
{
        struct cim_qualifier_decl decl;
        struct strbuf a = STRBUF_INIT;

        if (cim_qualifier_decl_decode(data, size, &decl) < 0)
                return;
        if (cim_qualifier_decl_encode(&decl, &a) < 0)
                abort();
        cim_qualifier_decl_release(&decl);
        strbuf_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        check_object(data, size);
        check_decl(data, size);
        return 0;
}
