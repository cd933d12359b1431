/* SPDX-License-Identifier: MIT */
/*
 * network.c: Win32_NetworkAdapter, Win32_NetworkAdapterConfiguration and
 * the association between them, one instance per kernel interface.
 * Sources: /sys/class/net/<if> (index, address, speed, operstate, carrier,
 * mtu, whether a device backs it), getifaddrs (addresses and masks),
 * /proc/net/route (IPv4 default gateways), /etc/resolv.conf (DNS servers).
 * WMI has no meaning here for GUID, Manufacturer or DHCPEnabled: NULL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux.h"

#define MAX_ADDRS 64

struct iface {
        char name[IF_NAMESIZE + 1];
        unsigned index;
        char mac[32];
        bool up;
        bool physical;
        uint64_t speed_bps;
        unsigned mtu;
        char driver[64];
        char *addrs[MAX_ADDRS];       /* text; IPv4 first, then IPv6 */
        char *masks[MAX_ADDRS];
        size_t addr_count;
        char *gateways[8];
        size_t gateway_count;
};

static void iface_release(struct iface *f)
{
        for (size_t i = 0; i < f->addr_count; i++) {
                free(f->addrs[i]);
                free(f->masks[i]);
        }
        for (size_t i = 0; i < f->gateway_count; i++)
                free(f->gateways[i]);
}

static bool sys_value(const char *ifname, const char *attr, char *buf, size_t size)
{
        char path[PATH_MAX];
        long n;

        snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
        n = linux_read_file(path, buf, size);
        if (n <= 0)
                return false;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        return true;
}

/* Facts of one interface from /sys; false if it vanished. */
static bool iface_load(const char *name, struct iface *f)
{
        char buf[256], path[PATH_MAX], link[PATH_MAX];
        struct stat st;
        ssize_t n;

        memset(f, 0, sizeof(*f));
        snprintf(f->name, sizeof(f->name), "%s", name);
        if (!sys_value(name, "ifindex", buf, sizeof(buf)))
                return false;
        f->index = (unsigned) strtoul(buf, NULL, 10);
        if (sys_value(name, "address", buf, sizeof(buf)))
                for (size_t i = 0; buf[i] && i + 1 < sizeof(f->mac); i++)
                        f->mac[i] = (char) (buf[i] >= 'a' && buf[i] <= 'f' ? buf[i] - 32 : buf[i]);
        if (sys_value(name, "operstate", buf, sizeof(buf)))
                f->up = strcmp(buf, "up") == 0 || strcmp(buf, "unknown") == 0;
        if (sys_value(name, "mtu", buf, sizeof(buf)))
                f->mtu = (unsigned) strtoul(buf, NULL, 10);
        /* speed is in Mb/s and reads -1 (or fails) without a link */
        if (sys_value(name, "speed", buf, sizeof(buf)) && buf[0] != '-')
                f->speed_bps = strtoull(buf, NULL, 10) * 1000000ull;
        snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
        f->physical = stat(path, &st) == 0;
        snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", name);
        n = readlink(path, link, sizeof(link) - 1);
        if (n > 0) {
                link[n] = '\0';
                snprintf(f->driver, sizeof(f->driver), "%.63s",
                         strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
        }
        return true;
}

static void add_address(struct iface *f, const struct sockaddr *addr, const struct sockaddr *mask)
{
        char text[INET6_ADDRSTRLEN], masktext[INET6_ADDRSTRLEN];

        if (f->addr_count == MAX_ADDRS)
                return;
        masktext[0] = '\0';
        if (addr->sa_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *) addr)->sin_addr, text, sizeof(text));
                if (mask)
                        inet_ntop(AF_INET, &((const struct sockaddr_in *) mask)->sin_addr, masktext,
                                  sizeof(masktext));
        } else {
                const unsigned char *m = mask ?
                        ((const struct sockaddr_in6 *) mask)->sin6_addr.s6_addr : NULL;
                unsigned bits = 0;

                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) addr)->sin6_addr, text,
                          sizeof(text));
                /* WMI writes an IPv6 subnet as its prefix length */
                for (int i = 0; m && i < 16; i++)
                        bits += (unsigned) __builtin_popcount(m[i]);
                snprintf(masktext, sizeof(masktext), "%u", bits);
        }
        f->addrs[f->addr_count] = strdup(text);
        f->masks[f->addr_count] = strdup(masktext);
        if (f->addrs[f->addr_count] && f->masks[f->addr_count])
                f->addr_count++;
}

/* Addresses of f: IPv4 ones first, as WMI lists them. */
static void load_addresses(struct iface *f, const struct ifaddrs *all)
{
        for (int family = 0; family < 2; family++)
                for (const struct ifaddrs *a = all; a; a = a->ifa_next)
                        if (a->ifa_addr && strcmp(a->ifa_name, f->name) == 0 &&
                            a->ifa_addr->sa_family == (family ? AF_INET6 : AF_INET))
                                add_address(f, a->ifa_addr, a->ifa_netmask);
}

/* IPv4 default routes through f, from /proc/net/route (hex, little endian). */
static void load_gateways(struct iface *f)
{
        char buf[16384], *line, *save = NULL;

        if (linux_read_file("/proc/net/route", buf, sizeof(buf)) <= 0)
                return;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char ifname[IF_NAMESIZE + 1];
                unsigned dest, gw;
                struct in_addr in;
                char text[INET_ADDRSTRLEN];

                if (sscanf(line, "%16s %x %x", ifname, &dest, &gw) != 3 || dest != 0 || gw == 0 ||
                    strcmp(ifname, f->name) != 0 || f->gateway_count == 8)
                        continue;
                in.s_addr = gw;
                inet_ntop(AF_INET, &in, text, sizeof(text));
                if ((f->gateways[f->gateway_count] = strdup(text)))
                        f->gateway_count++;
        }
}

static size_t dns_servers(char servers[][INET6_ADDRSTRLEN], size_t max)
{
        char buf[8192], *line, *save = NULL;
        size_t n = 0;

        if (linux_read_file("/etc/resolv.conf", buf, sizeof(buf)) <= 0)
                return 0;
        for (line = strtok_r(buf, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
                if (sscanf(line, "nameserver %45s", servers[n]) == 1)
                        n++;
        return n;
}

static int post_adapter(owmi_request *req, const struct iface *f)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_NetworkAdapter");
        char id[16];

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a Win32_NetworkAdapter");
        snprintf(id, sizeof(id), "%u", f->index);
        h->set_string(inst, "DeviceID", id);
        h->set_uint(inst, "Index", f->index);
        h->set_uint(inst, "InterfaceIndex", f->index);
        h->set_string(inst, "Name", f->name);
        h->set_string(inst, "Caption", f->name);
        h->set_string(inst, "Description", f->name);
        h->set_string(inst, "NetConnectionID", f->name);
        h->set_string(inst, "ProductName", f->driver[0] ? f->driver : f->name);
        h->set_string(inst, "SystemName", linux_host_name());
        h->set_string(inst, "CreationClassName", "Win32_NetworkAdapter");
        h->set_string(inst, "SystemCreationClassName", "Win32_ComputerSystem");
        if (f->mac[0] && strcmp(f->mac, "00:00:00:00:00:00") != 0) {
                h->set_string(inst, "MACAddress", f->mac);
                h->set_string(inst, "PermanentAddress", f->mac);
                /* Ethernet 802.3, WMI's AdapterTypeId 0 */
                h->set_string(inst, "AdapterType", "Ethernet 802.3");
                h->set_uint(inst, "AdapterTypeId", 0);
        }
        h->set_bool(inst, "NetEnabled", f->up);
        /* NetConnectionStatus: 2 connected, 7 media disconnected */
        h->set_uint(inst, "NetConnectionStatus", f->up ? 2 : 7);
        h->set_bool(inst, "PhysicalAdapter", f->physical);
        if (f->speed_bps)
                h->set_uint(inst, "Speed", f->speed_bps);
        if (f->driver[0])
                h->set_string(inst, "ServiceName", f->driver);
        h->set_uint(inst, "MTU", f->mtu);
        return h->post(req, inst);
}

static int post_configuration(owmi_request *req, const struct iface *f)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_NetworkAdapterConfiguration");
        char dns[8][INET6_ADDRSTRLEN];
        const char *dns_ptrs[8];
        size_t ndns;

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make a configuration");
        h->set_uint(inst, "Index", f->index);
        h->set_uint(inst, "InterfaceIndex", f->index);
        h->set_string(inst, "Caption", f->name);
        h->set_string(inst, "Description", f->name);
        h->set_string(inst, "SettingID", f->name);
        h->set_string(inst, "DNSHostName", linux_host_name());
        if (f->mac[0] && strcmp(f->mac, "00:00:00:00:00:00") != 0)
                h->set_string(inst, "MACAddress", f->mac);
        h->set_uint(inst, "MTU", f->mtu);
        if (f->driver[0])
                h->set_string(inst, "ServiceName", f->driver);
        h->set_bool(inst, "IPEnabled", f->addr_count > 0);
        if (f->addr_count) {
                h->set_string_array(inst, "IPAddress", (const char *const *) f->addrs, f->addr_count);
                h->set_string_array(inst, "IPSubnet", (const char *const *) f->masks, f->addr_count);
        }
        if (f->gateway_count)
                h->set_string_array(inst, "DefaultIPGateway", (const char *const *) f->gateways,
                                    f->gateway_count);
        if (f->addr_count && linux_wants(req, "DNSServerSearchOrder")) {
                ndns = dns_servers(dns, 8);
                for (size_t i = 0; i < ndns; i++)
                        dns_ptrs[i] = dns[i];
                if (ndns)
                        h->set_string_array(inst, "DNSServerSearchOrder", dns_ptrs, ndns);
        }
        return h->post(req, inst);
}

static int post_setting(owmi_request *req, const struct iface *f)
{
        const struct owmi_host *h = linux_host;
        owmi_instance *inst = h->instance_new(req, "Win32_NetworkAdapterSetting");
        char element[64], setting[80];

        if (!inst)
                return h->error(req, OWMI_E_OUT_OF_MEMORY, "cannot make an adapter setting");
        snprintf(element, sizeof(element), "Win32_NetworkAdapter.DeviceID=\"%u\"", f->index);
        snprintf(setting, sizeof(setting), "Win32_NetworkAdapterConfiguration.Index=%u", f->index);
        h->set_reference(inst, "Element", element);
        h->set_reference(inst, "Setting", setting);
        return h->post(req, inst);
}

enum which { ADAPTER, CONFIGURATION, SETTING };

/* Every interface (or only the one with index want, if want != 0). */
static int walk(owmi_request *req, enum which which, unsigned want)
{
        struct ifaddrs *all = NULL;
        struct if_nameindex *names = if_nameindex(), *n;
        int r = 0;

        if (!names)
                return linux_host->error(req, OWMI_E_FAILED, "cannot list interfaces: %s",
                                         strerror(errno));
        if (which == CONFIGURATION && getifaddrs(&all) < 0)
                all = NULL;
        for (n = names; n->if_index && r == 0; n++) {
                struct iface f;

                if (want && n->if_index != want)
                        continue;
                if (!iface_load(n->if_name, &f))
                        continue; /* gone since the listing */
                if (which == CONFIGURATION) {
                        load_addresses(&f, all);
                        if (linux_wants(req, "DefaultIPGateway"))
                                load_gateways(&f);
                        r = post_configuration(req, &f);
                } else if (which == ADAPTER) {
                        r = post_adapter(req, &f);
                } else {
                        r = post_setting(req, &f);
                }
                iface_release(&f);
        }
        if (all)
                freeifaddrs(all);
        if_freenameindex(names);
        return r < 0 ? r : 0;
}

static enum which which_class(const char *class_name)
{
        if (strcasecmp(class_name, "Win32_NetworkAdapterConfiguration") == 0)
                return CONFIGURATION;
        if (strcasecmp(class_name, "Win32_NetworkAdapterSetting") == 0)
                return SETTING;
        return ADAPTER;
}

static int network_enumerate(owmi_request *req, const char *class_name)
{
        return walk(req, which_class(class_name), 0);
}

static int network_get(owmi_request *req, const owmi_instance *keys)
{
        const char *cls = linux_host->class_name(keys), *id;
        uint64_t index = 0;

        if (which_class(cls) == ADAPTER) {
                if (linux_host->get_string(keys, "DeviceID", &id) < 0)
                        return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "DeviceID needed");
                index = strtoull(id, NULL, 10);
        } else if (linux_host->get_uint(keys, "Index", &index) < 0) {
                return linux_host->error(req, OWMI_E_INVALID_OBJECT_PATH, "Index needed");
        }
        if (index == 0 || index > UINT_MAX)
                return linux_host->error(req, OWMI_E_NOT_FOUND, "no such interface");
        return walk(req, which_class(cls), (unsigned) index);
}

const struct linux_class linux_network_classes[] = {
        { .name = "Win32_NetworkAdapter", .enumerate = network_enumerate, .get = network_get },
        { .name = "Win32_NetworkAdapterConfiguration", .enumerate = network_enumerate,
          .get = network_get },
        { .name = "Win32_NetworkAdapterSetting", .enumerate = network_enumerate },
        { .name = NULL },
};
