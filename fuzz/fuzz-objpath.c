/* SPDX-License-Identifier: MIT */
/*
 * fuzz-objpath.c: libFuzzer target for the object path parser, which reads
 * text straight from clients.  Besides memory errors it checks the round
 * trip objpath.h promises: a parsed path formats to text that parses back
 * to an equal path, and formatting that again gives the same text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "cim/objpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* path: what the text must read back as (no server or namespace for
 * CIM_OBJPATH_RELATIVE). */
static void round_trip(const struct cim_objpath *path, unsigned flags)
{
        struct strbuf first = STRBUF_INIT, second = STRBUF_INIT;
        struct cim_objpath again;
        struct owmi_error err;
        int r;

        r = cim_objpath_format(path, flags, &first);
        if (r == -E2BIG || (r == -EINVAL && !path->class_name && !path->namespace)) {
                /* canonical text over the length limit; a namespace-only
                 * path has no relative form */
                strbuf_release(&first);
                return;
        }
        if (r < 0)
                abort();
        if (cim_objpath_parse(first.buf, first.len, &again, &err) < 0)
                abort();
        if (!cim_objpath_equal(path, &again) || !cim_objpath_equal(&again, path))
                abort();
        if (cim_objpath_format(&again, flags, &second) < 0)
                abort();
        if (first.len != second.len || memcmp(first.buf, second.buf, first.len) != 0)
                abort();
        cim_objpath_release(&again);
        strbuf_release(&first);
        strbuf_release(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cim_objpath path, copy;
        struct owmi_error err;

        if (cim_objpath_parse((const char *) data, size, &path, &err) < 0) {
                /* every syntax error points into the text or just past it */
                if (err.code == OWMI_E_INVALID_OBJECT_PATH &&
                    (err.column == 0 || err.column > size + 1))
                        abort();
                return 0;
        }
        if (!cim_objpath_equal(&path, &path))
                abort();
        round_trip(&path, CIM_OBJPATH_WMI);
        round_trip(&path, CIM_OBJPATH_DMTF);
        if (cim_objpath_copy(&copy, &path) < 0 || !cim_objpath_equal(&path, &copy))
                abort();
        owmi_free(copy.server);
        owmi_free(copy.namespace);
        copy.server = copy.namespace = NULL;
        round_trip(&copy, CIM_OBJPATH_RELATIVE);
        cim_objpath_release(&copy);
        cim_objpath_release(&path);
        return 0;
}
