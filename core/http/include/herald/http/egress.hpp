// Egress policy: which destinations deliveries may reach.
//
// Entries are CIDRs ("10.0.0.0/8", "fd00::/8"), single IPs ("127.0.0.2") or
// host names ("hooks.example.com"; a leading "." or "*." matches every
// subdomain, ".example.com" matches "a.example.com" but not "example.com").
// Host-name entries match the URL's host; address entries match the IP the
// connection actually goes to, after DNS (so a name resolving to a denied
// address is refused). IPv4-mapped IPv6 addresses count as IPv4.
//
// Order of the decision:
//   1. an --egress-deny entry matches                 -> denied
//   2. an --egress-allow entry matches                -> allowed
//   3. a default-denied address (169.254.0.0/16 link-local, which holds the
//      cloud metadata endpoint 169.254.169.254, and fd00:ec2::254) -> denied
//   4. --egress-allow has entries (an allow list)     -> denied
//   5. otherwise                                      -> allowed
// With a proxy, herald connects to the proxy: the destination host (its name,
// or its IP when the URL holds a literal IP) is checked before any I/O, and
// the proxy's resolved address is checked against steps 1-3 only (the allow
// list names destinations, not proxies); the proxy resolves the destination.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::http {

// An IP network; IPv4 is kept as IPv4-mapped IPv6 so one comparison covers both.
struct Network {
    std::array<uint8_t, 16> address{};
    int prefix = 128;  // in IPv6 bits (an IPv4 /8 is /104)

    bool contains(const std::array<uint8_t, 16>& ip) const;
};

// Parses "a.b.c.d", "a.b.c.d/n", an IPv6 literal (brackets allowed) or "x::y/n".
std::optional<Network> parse_network(std::string_view text);
// An IP literal as 16 bytes (IPv4 mapped); nullopt for anything else.
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text);

class EgressPolicy {
public:
    // Allows everything except the default-denied addresses.
    EgressPolicy() = default;

    // Entries as given on the command line (each may be a comma list). On a
    // bad entry returns nullopt and sets `error` naming it.
    static std::optional<EgressPolicy> parse(const std::vector<std::string>& allow,
                                             const std::vector<std::string>& deny, std::string& error);

    // The reason `host` (URL host, no brackets) / `ip` (the address connected
    // to, when known) is refused, or nullopt when allowed. `destination` is
    // false for a proxy's address (allow-list step skipped).
    std::optional<std::string> refusal(std::string_view host, const std::optional<std::array<uint8_t, 16>>& ip,
                                       bool destination = true) const;

    bool has_allow_list() const { return !allow_hosts_.empty() || !allow_networks_.empty(); }

private:
    std::vector<std::string> allow_hosts_, deny_hosts_;  // lower case
    std::vector<Network> allow_networks_, deny_networks_;
};

// Text of a 16-byte address ("169.254.169.254", "fd00:ec2::254") for messages.
std::string ip_text(const std::array<uint8_t, 16>& ip);

}  // namespace herald::http
