/* SPDX-License-Identifier: MIT */
/*
 * test-bus.h: a private D-Bus system bus for the tests of the providers
 * that talk to systemd and logind: a real dbus-daemon on a socket in a
 * test's folder, made the system bus of this process (and of the
 * providers it loads) through DBUS_SYSTEM_BUS_ADDRESS, and the fake
 * systemd of test/helpers on it.  Include after test-util.h.
 */
#ifndef OWMI_TEST_BUS_H
#define OWMI_TEST_BUS_H

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <systemd/sd-bus.h>

struct test_bus {
        pid_t daemon, systemd;
        char address[600];
};

static inline pid_t test_bus_spawn(char *const argv[])
{
        pid_t pid = fork();

        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

/* Is name on the bus at address?  Polled for up to five seconds. */
static inline bool test_bus_wait_name(const char *name)
{
        for (int i = 0; i < 500; i++) {
                sd_bus *bus = NULL;
                int has = 0;

                if (sd_bus_open_system(&bus) >= 0) {
                        sd_bus_message *reply = NULL;

                        if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                               "org.freedesktop.DBus", "NameHasOwner", NULL, &reply,
                                               "s", name) >= 0)
                                sd_bus_message_read(reply, "b", &has);
                        sd_bus_message_unref(reply);
                }
                sd_bus_flush_close_unref(bus);
                if (has)
                        return true;
                usleep(10000);
        }
        return false;
}

/* Start the bus in dir (and the fake systemd when with_systemd): 0, or -1
 * when dbus-daemon is missing or did not come up. */
static inline int test_bus_start(struct test_bus *b, const char *dir, bool with_systemd)
{
        char config[512], socket_path[512], units[512];
        const char *fake = getenv("OWMI_FAKE_SYSTEMD");
        FILE *f;

        memset(b, 0, sizeof(*b));
        snprintf(config, sizeof(config), "%s/bus.conf", dir);
        snprintf(socket_path, sizeof(socket_path), "%s/bus", dir);
        f = fopen(config, "w");
        if (!f)
                return -1;
        /* anyone may own any name and send anything: only tests are on it */
        fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                   "<busconfig><type>system</type><listen>unix:path=%s</listen>\n"
                   "<auth>EXTERNAL</auth><policy context=\"default\">\n"
                   "<allow user=\"*\"/><allow own=\"*\"/><allow send_destination=\"*\"/>\n"
                   "<allow receive_sender=\"*\"/><allow send_type=\"signal\"/>\n"
                   "<allow send_interface=\"*\"/></policy></busconfig>\n", socket_path);
        fclose(f);
        {
                char arg[600];
                char *argv[] = { (char *) "/usr/bin/dbus-daemon", arg, (char *) "--nofork",
                                 (char *) "--nopidfile", NULL };

                snprintf(arg, sizeof(arg), "--config-file=%s", config);
                b->daemon = test_bus_spawn(argv);
        }
        if (b->daemon < 0)
                return -1;
        snprintf(b->address, sizeof(b->address), "unix:path=%s", socket_path);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", b->address, 1);
        if (!test_bus_wait_name("org.freedesktop.DBus"))
                return -1;
        if (with_systemd) {
                char *argv[] = { (char *) fake, units, NULL };

                if (!fake)
                        return -1;
                snprintf(units, sizeof(units), "%s/units", dir);
                mkdir(units, 0755);
                b->systemd = test_bus_spawn(argv);
                if (b->systemd < 0 || !test_bus_wait_name("org.freedesktop.systemd1"))
                        return -1;
        }
        return 0;
}

static inline void test_bus_stop(struct test_bus *b)
{
        if (b->systemd > 0) {
                kill(b->systemd, SIGKILL);
                waitpid(b->systemd, NULL, 0);
        }
        if (b->daemon > 0) {
                kill(b->daemon, SIGKILL);
                waitpid(b->daemon, NULL, 0);
        }
        /* no system bus at all: what a machine without D-Bus looks like */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/owmi-no-bus", 1);
}

#endif
