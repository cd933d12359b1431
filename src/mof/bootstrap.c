/* SPDX-License-Identifier: MIT */
/*
 * bootstrap.c: fills a new repository with the project's own schema: the
 * WMI system classes in every default namespace (schema/system.mof),
 * root/default's identification (default.mof) and root/WMI's driver base
 * classes (wmi.mof).  The check for "already done" is one keyed lookup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "mof/mof.h"
#include "mof/schema.h"

/* The last class system.mof declares: present means bootstrap completed. */
#define BOOTSTRAP_MARKER "__ProviderHostQuotaConfiguration"

static const struct mof_schema_file *schema_file(const char *name)
{
        for (const struct mof_schema_file *f = mof_schema_files; f->name; f++)
                if (strcmp(f->name, name) == 0)
                        return f;
        return NULL;
}

static int compile_schema(struct repo *repo, const char *ns, const char *name,
                          struct owmi_error *err)
{
        const struct mof_schema_file *f = schema_file(name);
        /* the built-in definitions replace whatever the repository made itself */
        struct mof_options opts = { .namespace = ns, .allow_system_classes = true,
                                    .class_flags = MOF_CLASS_FORCE_UPDATE };
        struct mof_diag_list diags = { 0 };
        int r;

        if (!f)
                return owmi_error_set(err, OWMI_E_CRITICAL_ERROR, "built-in schema '%s' missing", name);
        r = mof_compile_buffer(repo, f->name, f->text, f->len, &opts, &diags, NULL);
        if (r < 0 && diags.count) {
                struct strbuf sb = STRBUF_INIT;

                mof_diag_format(&diags.items[0], &sb);
                owmi_error_set(err, OWMI_E_CRITICAL_ERROR, "built-in schema: %s", strbuf_str(&sb));
                strbuf_release(&sb);
        } else if (r < 0) {
                owmi_error_set(err, owmi_status_from_errno(r), "built-in schema '%s' failed", name);
        }
        mof_diag_list_release(&diags);
        return r;
}

/* root/cimv2: the CIM base classes, then every Linux provider module's
 * classes, in the order the build listed them. */
static int compile_cimv2(struct repo *repo, struct owmi_error *err)
{
        int r = compile_schema(repo, "root/cimv2", "cimv2.mof", err);

        for (const struct mof_schema_file *f = mof_schema_files; r >= 0 && f->name; f++)
                if (strncmp(f->name, "linux_", 6) == 0)
                        r = compile_schema(repo, "root/cimv2", f->name, err);
        return r;
}

int mof_bootstrap(struct repo *repo, struct owmi_error *err)
{
        int r;

        /* only a new repository is filled: what its owner removed later
         * (a namespace emptied for another schema) stays removed */
        if (repo_class_exists(repo, "root/cimv2", BOOTSTRAP_MARKER))
                return 0;
        r = repo_transaction_begin(repo, err);
        if (r < 0)
                return r;
        for (size_t i = 0; repo_default_namespaces[i]; i++) {
                r = compile_schema(repo, repo_default_namespaces[i], "system.mof", err);
                if (r < 0)
                        goto fail;
        }
        r = compile_schema(repo, "root/default", "default.mof", err);
        if (r >= 0)
                r = compile_schema(repo, "root/WMI", "wmi.mof", err);
        if (r >= 0)
                r = compile_schema(repo, "root/subscription", "subscription.mof", err);
        if (r >= 0)
                r = compile_cimv2(repo, err);
        if (r < 0)
                goto fail;
        return repo_transaction_commit(repo, err);
fail:
        repo_transaction_rollback(repo);
        return r;
}

int mof_open_repository(const char *path, struct repo **ret, struct owmi_error *err)
{
        char *default_path = NULL;
        struct repo *repo;
        int r;

        if (!path) {
                default_path = repo_default_path();
                if (!default_path)
                        return owmi_error_set(err, OWMI_E_OUT_OF_MEMORY, "out of memory");
                path = default_path;
        }
        r = repo_open(path, 0, &repo, err);
        owmi_free(default_path);
        if (r < 0)
                return r;
        r = mof_bootstrap(repo, err);
        if (r < 0) {
                repo_close(repo);
                return r;
        }
        *ret = repo;
        return 0;
}

int mof_reset_namespace(struct repo *repo, const char *ns, struct owmi_error *err)
{
        int r = repo_transaction_begin(repo, err);

        if (r < 0)
                return r;
        r = repo_namespace_delete(repo, ns, err);
        if (r >= 0)
                r = repo_namespace_create(repo, ns, err);
        if (r < 0) {
                repo_transaction_rollback(repo);
                return r;
        }
        return repo_transaction_commit(repo, err);
}
