// NO_PROXY matching with Go's httpproxy rules, compiled once per Client.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::http {

// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96).
struct IpAddress {
    std::array<uint8_t, 16> bytes{};
    bool v4 = false;
};
bool parse_ip(std::string_view text, IpAddress& out);
bool is_loopback(const IpAddress& ip);

class NoProxyList {
 public:
    explicit NoProxyList(std::string_view no_proxy);
    // True when host:port must be reached directly. host is lower-case-insensitive,
    // without IPv6 brackets. Loopback and "localhost" are always direct.
    bool excludes(std::string_view host, uint16_t port) const;

 private:
    struct IpEntry { IpAddress ip; int prefix_bits; std::string port; };
    struct DomainEntry { std::string suffix; bool match_exact; std::string port; };
    bool match_all_ = false;
    std::vector<IpEntry> ips_;
    std::vector<DomainEntry> domains_;
};

}  // namespace herald::http
