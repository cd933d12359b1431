/* SPDX-License-Identifier: MIT */
/*
 * test-client.c: libowmi (include/openwmi/owmi.h) against the real owmid
 * started on a temporary socket: the handshake and the caller it reports,
 * every kind of operation, errors as WMI codes, a subscription waited on
 * with a timeout, the asynchronous form with cancellation, and how a
 * connection chooses between the daemon and the object manager in
 * process.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openwmi/owmi.h>

#include "test-util.h"

static char socket_path[4200], repo_path[4200];
static pid_t daemon_pid;

static int start_daemon(void **state)
{
        const char *root = getenv("OWMI_BUILD_ROOT");
        char owmid[4096];

        if (test_dir_setup(state) < 0 || !root)
                return -1;
        snprintf(owmid, sizeof(owmid), "%s/src/owmid", root);
        snprintf(socket_path, sizeof(socket_path), "%s/owmid.sock", test_dir);
        snprintf(repo_path, sizeof(repo_path), "%s/repository.db", test_dir);
        daemon_pid = fork();
        if (daemon_pid == 0) {
                execl(owmid, owmid, "--foreground", "--config", "/dev/null", "--socket", socket_path,
                      "--repository", repo_path, (char *) NULL);
                _exit(127);
        }
        for (int i = 0; i < 3000; i++) {
                struct stat st;

                if (stat(socket_path, &st) == 0)
                        return 0;
                usleep(10000);
        }
        return -1;
}

static int stop_daemon(void **state)
{
        int status = 0;

        kill(daemon_pid, SIGTERM);
        waitpid(daemon_pid, &status, 0);
        /* a clean stop */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        return test_dir_teardown(state);
}

static owmi_connection *connect_daemon(void)
{
        struct owmi_connect_options o = { .mode = OWMI_MODE_DAEMON, .socket_path = socket_path };
        struct owmi_error err = { 0 };
        owmi_connection *c = NULL;

        if (owmi_connect(&o, &c, &err) != 0)
                fail_msg("connect: %s", err.message);
        return c;
}

static void test_handshake(void **state)
{
        owmi_connection *c = connect_daemon();
        struct passwd *pw = getpwuid(getuid());

        (void) state;
        assert_false(owmi_connection_in_process(c));
        assert_string_equal(owmi_connection_user(c), pw->pw_name);
        owmi_disconnect(c);
}

static int count_cb(owmi_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        owmi_object_free(obj);
        return 0;
}

static void test_operations(void **state)
{
        static const char mof[] = "class Test_Thing { [key] string Name; uint32 Size; };";
        owmi_connection *c = connect_daemon();
        struct owmi_error err = { 0 };
        owmi_object *cls, *inst, *got, *out;
        char *path = NULL, *text;
        size_t n = 0;

        (void) state;
        assert_int_equal(owmi_compile_mof(c, "root/default", "thing.mof", mof, false, NULL, NULL, NULL,
                                          &err), 0);
        assert_int_equal(owmi_get_object(c, "root/default", "Test_Thing", &cls, &err), 0);
        assert_true(owmi_object_is_class(cls));
        inst = owmi_object_spawn_instance(cls);
        assert_int_equal(owmi_object_set_text(inst, "Name", "first", &err), 0);
        assert_int_equal(owmi_object_set_text(inst, "Size", "42", &err), 0);
        assert_int_equal(owmi_object_set_text(inst, "Size", "many", &err), (int) OWMI_E_TYPE_MISMATCH);
        assert_int_equal(owmi_put_instance(c, "root/default", inst, OWMI_CREATE_ONLY, NULL, 0, &path,
                                           &err), 0);
        assert_string_equal(path, "Test_Thing.Name=\"first\"");
        /* a second create of the same keys: WMI's error */
        assert_int_equal(owmi_put_instance(c, "root/default", inst, OWMI_CREATE_ONLY, NULL, 0, NULL,
                                           &err), (int) OWMI_E_ALREADY_EXISTS);
        assert_int_equal(owmi_get_object(c, "root/default", path, &got, &err), 0);
        text = owmi_object_get_text(got, "Size");
        assert_string_equal(text, "42");
        free(text);
        owmi_object_free(got);
        assert_int_equal(owmi_enum_instances(c, "root/default", "Test_Thing", true, count_cb, &n, &err), 0);
        assert_int_equal(n, 1);
        n = 0;
        assert_int_equal(owmi_exec_query(c, "root/default", "SELECT * FROM Test_Thing WHERE Size > 40",
                                         count_cb, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_int_equal(owmi_exec_method(c, "root/default", "__SystemSecurity", "GetCallerAccessRights",
                                          NULL, &out, &err), 0);
        text = owmi_object_get_text(out, "ReturnValue");
        assert_string_equal(text, "0");
        free(text);
        assert_int_equal(owmi_delete_instance(c, "root/default", path, &err), 0);
        assert_int_equal(owmi_get_object(c, "root/default", path, &got, &err) == 0 ? 0 : (int) err.code,
                         (int) OWMI_E_NOT_FOUND);
        /* errors carry WMI's code and a message with the position */
        assert_int_equal(owmi_exec_query(c, "root/default", "SELECT * FROM", count_cb, &n, &err),
                         (int) OWMI_E_INVALID_QUERY);
        assert_true(err.message[0] != '\0');
        assert_int_equal(owmi_get_object(c, "root/nowhere", "X", &got, &err), (int) OWMI_E_INVALID_NAMESPACE);
        free(path);
        owmi_object_free(out);
        owmi_object_free(inst);
        owmi_object_free(cls);
        owmi_disconnect(c);
}

static void test_subscription(void **state)
{
        owmi_connection *c = connect_daemon(), *writer = connect_daemon();
        struct owmi_error err = { 0 };
        owmi_watch *w;
        owmi_object *cls, *inst, *event;
        char *mof;

        (void) state;
        assert_int_equal(owmi_subscribe(c, "root/default", "SELECT * FROM __InstanceCreationEvent "
                                        "WHERE TargetInstance ISA 'Test_Thing'", 0, &w, &err), 0);
        /* the tutorial's watcher(timeout_ms=10) */
        assert_int_equal(owmi_watch_next(w, 10, &event, &err), (int) OWMI_E_EVENT_TIMED_OUT);
        assert_int_equal(owmi_get_object(writer, "root/default", "Test_Thing", &cls, &err), 0);
        inst = owmi_object_spawn_instance(cls);
        assert_int_equal(owmi_object_set_text(inst, "Name", "watched", &err), 0);
        assert_int_equal(owmi_put_instance(writer, "root/default", inst, 0, NULL, 0, NULL, &err), 0);
        assert_int_equal(owmi_watch_next(w, 5000, &event, &err), 0);
        assert_string_equal(owmi_object_class_name(event), "__InstanceCreationEvent");
        mof = owmi_object_to_mof(event);
        assert_non_null(strstr(mof, "watched"));
        free(mof);
        owmi_object_free(event);
        /* an event query WMI refuses: the subscription fails at once */
        assert_int_equal(owmi_subscribe(c, "root/cimv2", "SELECT * FROM __InstanceCreationEvent", 0,
                                        &(owmi_watch *) { NULL }, &err),
                         (int) OWMI_E_REGISTRATION_TOO_BROAD);
        owmi_watch_close(w);
        owmi_object_free(inst);
        owmi_object_free(cls);
        owmi_disconnect(writer);
        owmi_disconnect(c);
}

struct done_seen {
        int status;
        int calls;
};

static void on_done(int status, const struct owmi_error *err, void *userdata)
{
        struct done_seen *d = userdata;

        d->status = status;
        d->calls++;
}

static int slow_count(owmi_object *obj, void *userdata)
{
        (*(size_t *) userdata)++;
        owmi_object_free(obj);
        usleep(1000);
        return 0;
}

static void test_async(void **state)
{
        owmi_connection *c = connect_daemon();
        struct owmi_error err = { 0 };
        struct done_seen d = { -1, 0 };
        owmi_async *op;
        size_t n = 0;

        (void) state;
        assert_int_equal(owmi_exec_query_async(c, "root/cimv2", "SELECT * FROM meta_class", count_cb, &n,
                                               on_done, &d, &op), 0);
        assert_int_equal(owmi_async_wait(op, -1, &err), 0);
        assert_true(n > 100);
        assert_int_equal(d.calls, 1);
        assert_int_equal(d.status, 0);
        owmi_async_free(op);
        /* cancelled while it runs: it stops early */
        n = 0;
        assert_int_equal(owmi_enum_instances_async(c, "root/cimv2", "Win32_Process", true, slow_count, &n,
                                                   NULL, NULL, &op), 0);
        assert_int_equal(owmi_async_wait(op, 0, &err), (int) OWMI_E_TIMED_OUT);
        owmi_async_cancel(op);
        assert_int_equal(owmi_async_wait(op, 10000, &err), (int) OWMI_E_CALL_CANCELLED);
        assert_true(n < 100);
        owmi_async_free(op);
        owmi_disconnect(c);
}

static void test_choosing_the_object_manager(void **state)
{
        struct owmi_connect_options o = { .mode = OWMI_MODE_DAEMON };
        struct owmi_error err = { 0 };
        owmi_connection *c = NULL;
        char missing[4300], repo[4300];

        (void) state;
        snprintf(missing, sizeof(missing), "%s/nobody-here.sock", test_dir);
        o.socket_path = missing;
        assert_int_equal(owmi_connect(&o, &c, &err), (int) OWMI_E_TRANSPORT_FAILURE);
        assert_null(c);
        /* a socket named explicitly must answer, even in AUTO mode */
        o.mode = OWMI_MODE_AUTO;
        assert_int_equal(owmi_connect(&o, &c, &err), (int) OWMI_E_TRANSPORT_FAILURE);
        /* in process, on a repository of its own */
        snprintf(repo, sizeof(repo), "%s/in-process.db", test_dir);
        o.mode = OWMI_MODE_IN_PROCESS;
        o.repository = repo;
        assert_int_equal(owmi_connect(&o, &c, &err), 0);
        assert_true(owmi_connection_in_process(c));
        owmi_disconnect(c);
        /* credentials on this machine: WMI's error */
        o.user = "someone";
        o.password = "secret";
        assert_int_equal(owmi_connect(&o, &c, &err), (int) OWMI_E_LOCAL_CREDENTIALS);
        o.mode = OWMI_MODE_DAEMON;
        o.socket_path = socket_path;
        assert_int_equal(owmi_connect(&o, &c, &err), (int) OWMI_E_LOCAL_CREDENTIALS);
}

/* The monikers the Python module and scripts write (wmi-python-api.md 2.1). */
static void test_monikers(void **state)
{
        struct owmi_moniker m;
        struct owmi_error err = { 0 };
        owmi_connection *c;

        (void) state;
        assert_int_equal(owmi_moniker_parse("winmgmts:", &m, &err), 0);
        assert_null(m.server);
        assert_null(m.namespace);
        assert_null(m.object_path);
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:root/default", &m, &err), 0);
        assert_string_equal(m.namespace, "root/default");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts://MachineB/", &m, &err), 0);
        assert_string_equal(m.server, "MachineB");
        assert_null(m.namespace);
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts://./", &m, &err), 0);
        assert_null(m.server);
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:{(Security)}!", &m, &err), 0);
        assert_int_equal(m.privilege_count, 1);
        assert_string_equal(m.privileges[0], "Security");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("WinMgmts:{impersonationLevel=impersonate}!", &m, &err), 0);
        assert_int_equal(m.impersonation_level, 3);
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:{authority=ntlmdomain:D,(security, !shutdown)}!"
                                            "//srv/root/cimv2", &m, &err), 0);
        assert_string_equal(m.authority, "ntlmdomain:D");
        assert_string_equal(m.server, "srv");
        assert_string_equal(m.namespace, "root/cimv2");
        assert_int_equal(m.privilege_count, 1);
        assert_int_equal(m.disabled_count, 1);
        assert_string_equal(m.disabled_privileges[0], "shutdown");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:root/DEFAULT:StdRegProv", &m, &err), 0);
        assert_string_equal(m.namespace, "root/DEFAULT");
        assert_string_equal(m.object_path, "StdRegProv");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:\\\\.\\root\\cimv2:Win32_Process.Handle='1'", &m,
                                            &err), 0);
        assert_null(m.server);
        assert_string_equal(m.namespace, "root/cimv2");
        assert_string_equal(m.object_path, "Win32_Process.Handle='1'");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:Win32_LogicalDisk", &m, &err), 0);
        assert_null(m.namespace);
        assert_string_equal(m.object_path, "Win32_LogicalDisk");
        owmi_moniker_release(&m);
        assert_int_equal(owmi_moniker_parse("winmgmts:{impersonationLevel=impersonate,[locale=ms_409]}!", &m,
                                            &err), (int) OWMI_E_MONIKER_SYNTAX);
        assert_int_equal(owmi_moniker_parse("winmgmts:{impersonationLevel=sometimes}!", &m, &err),
                         (int) OWMI_E_MONIKER_SYNTAX);
        assert_non_null(strstr(err.message, "column 11"));
        assert_int_equal(owmi_moniker_parse("winmgmts:{(Shutdown}!", &m, &err), (int) OWMI_E_MONIKER_SYNTAX);
        assert_int_equal(owmi_moniker_parse("wmi:root", &m, &err), (int) OWMI_E_MONIKER_SYNTAX);
        assert_int_equal(owmi_moniker_parse("winmgmts:{authority=kerberos:x}!root/cimv2", &m, &err),
                         (int) OWMI_E_INVALID_PARAMETER);
        /* connecting: the privileges go to the daemon, the namespace comes back */
        {
                struct owmi_connect_options base = { .mode = OWMI_MODE_DAEMON, .socket_path = socket_path };

                assert_int_equal(owmi_connect_moniker("winmgmts:{(Shutdown)}!root/default", &base, &c, &m,
                                                      &err), 0);
                assert_string_equal(m.namespace, "root/default");
                owmi_moniker_release(&m);
                owmi_disconnect(c);
                assert_int_equal(owmi_connect_moniker("winmgmts:{(NoSuchThing)}!", &base, &c, NULL, &err),
                                 (int) OWMI_E_INVALID_PARAMETER);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_handshake),
                cmocka_unit_test(test_operations),
                cmocka_unit_test(test_subscription),
                cmocka_unit_test(test_async),
                cmocka_unit_test(test_choosing_the_object_manager),
                cmocka_unit_test(test_monikers),
        };

        return cmocka_run_group_tests(tests, start_daemon, stop_daemon);
}
