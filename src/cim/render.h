/* SPDX-License-Identifier: MIT */
/*
 * render.h: CIM objects as MOF text, the text `print(obj)` shows (WMI's
 * GetObjectText).  A class renders its own qualifiers and the members it
 * declares or overrides (propagated members are omitted, as in the MOF that
 * defined it); an instance renders `instance of Class { Prop = value; };`
 * with its non-NULL values.  What this module writes, mof/ reads back to
 * an equal object.
 */
#ifndef OWMI_CIM_RENDER_H
#define OWMI_CIM_RENDER_H

#include "base/strbuf.h"
#include "cim/object.h"
#include "cim/qualifier.h"

enum cim_render_flags {
        CIM_RENDER_INHERITED = 1 << 0,   /* classes: show propagated members too */
        CIM_RENDER_NO_QUALIFIERS = 1 << 1,
};

int cim_object_format_mof(const struct cim_object *obj, unsigned flags, struct strbuf *out);
/* An embedded object as a value: "instance of X { ... }" without the ';'. */
int cim_object_format_mof_value(const struct cim_object *obj, struct strbuf *out, unsigned indent);
int cim_qualifier_decl_format_mof(const struct cim_qualifier_decl *decl, struct strbuf *out);

#endif
