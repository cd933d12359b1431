/* SPDX-License-Identifier: MIT */
/*
 * provider.c: where the object manager hands work to providers.  Classes
 * stored in the repository have no code behind their methods: a method
 * call on them is WMI's WBEM_E_METHOD_NOT_IMPLEMENTED, or
 * WBEM_E_PROVIDER_NOT_FOUND when the class names a provider that is not
 * registered.
 */
#include "base/util.h"
#include "cimom/internal.h"

int cimom_provider_exec_method(struct cimom_ns *h, const struct cim_object *cls,
                               const struct cim_objpath *path, const struct cim_method *m,
                               const struct cim_object *in, struct cim_object **ret_out,
                               struct owmi_error *err)
{
        const char *provider = cim_qualifier_list_string(&cls->qualifiers, "Provider");

        (void) h;
        (void) path;
        (void) in;
        (void) ret_out;
        if (provider)
                return owmi_error_set(err, OWMI_E_PROVIDER_NOT_FOUND,
                                      "provider '%s' of class '%s' is not registered", provider,
                                      cls->class_name);
        return owmi_error_set(err, OWMI_E_METHOD_NOT_IMPLEMENTED,
                              "method '%s' of class '%s' has no provider to run it", m->name,
                              cls->class_name);
}
