"""The address phones in the room can reach: this machine's address on the network of its
default route, never loopback, found without sending a single packet.

Three ways, in order: the kernel's route table (`/proc/net/route`, Linux) names the
interface of the default route; else a UDP socket "connected" to a documentation address
makes the kernel choose the source address it would use (UDP `connect` sends nothing);
else the first private address of an interface that is up (a room's own Wi-Fi router may
hand out no default route at all).
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import psutil

ROUTE_TABLE = Path("/proc/net/route")
# TEST-NET-1 (RFC 5737): never routed on the internet, yet the kernel picks the interface
# and source address of the default route to "reach" it.
PROBE = ("192.0.2.1", 9)
RTF_UP = 0x1
# Interfaces of containers and VMs on this machine: phones in the room cannot reach them.
VIRTUAL = ("docker", "veth", "br-", "virbr", "lxc", "lxd", "cni", "flannel", "podman", "tun",
           "tap", "wg", "zt", "tailscale")


def default_route_interfaces(table: str) -> list[str]:
    """Interfaces holding a default route (0.0.0.0/0, up) in a `/proc/net/route` text, lowest
    metric first."""
    found: list[tuple[int, str]] = []
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        name, destination, flags, metric, mask = fields[0], fields[1], fields[3], fields[6], \
            fields[7]
        try:
            up = int(flags, 16) & RTF_UP
            rank = int(metric)
        except ValueError:
            continue
        if destination == "00000000" and mask == "00000000" and up:
            found.append((rank, name))
    return [name for _, name in sorted(found)]


def reachable(address: str) -> bool:
    """An IPv4 address that another machine could use: not loopback, link-local or 0.0.0.0."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def interface_address(name: str) -> str | None:
    """The first usable IPv4 address of interface `name`."""
    for address in psutil.net_if_addrs().get(name, []):
        if address.family == socket.AF_INET and reachable(address.address):
            return str(address.address)
    return None


def probe_address() -> str | None:
    """The source address the kernel would use for the default route (nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(PROBE)
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return address if reachable(address) else None


def first_private_address() -> str | None:
    """A private address of an interface that is up and not a container's or a VPN's."""
    stats = psutil.net_if_stats()
    for name, addresses in sorted(psutil.net_if_addrs().items()):
        if name.startswith(VIRTUAL) or not (stats.get(name) and stats[name].isup):
            continue
        for address in addresses:
            if address.family == socket.AF_INET and reachable(address.address) \
                    and ipaddress.IPv4Address(address.address).is_private:
                return str(address.address)
    return None


def room_address() -> str | None:
    """This machine's address on its room network; None when it has only loopback."""
    try:
        table = ROUTE_TABLE.read_text()
    except OSError:
        table = ""
    for name in default_route_interfaces(table):
        if address := interface_address(name):
            return address
    return probe_address() or first_private_address()


def is_loopback(host: str) -> bool:
    """`host` (an address or a name) only reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
