#include "proxy_environment.hpp"

#include <herald/http/client.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace herald::http {
namespace {

std::string lower_trimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string env_first(const char* upper, const char* lower) {
    const char* value = std::getenv(upper);
    if (value == nullptr || *value == '\0') value = std::getenv(lower);
    return value == nullptr ? std::string() : std::string(value);
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool prefix_matches(const IpAddress& net, const IpAddress& ip, int bits) {
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
        if ((net.bytes[i] & mask) != (ip.bytes[i] & mask)) return false;
    }
    return true;
}

// Splits "host:port" / "[v6]:port" the way Go's net.SplitHostPort does; false
// when text has no port part.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port) {
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        return true;
    }
    auto colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) return false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    return true;
}

}  // namespace

bool parse_ip(std::string_view text, IpAddress& out) {
    char buffer[INET6_ADDRSTRLEN + 1];
    if (text.empty() || text.size() >= sizeof(buffer)) return false;
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    out = IpAddress{};
    in_addr v4{};
    if (inet_pton(AF_INET, buffer, &v4) == 1) {
        out.v4 = true;
        out.bytes[10] = out.bytes[11] = 0xff;
        std::memcpy(&out.bytes[12], &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, buffer, out.bytes.data()) == 1;
}

bool is_loopback(const IpAddress& ip) {
    if (ip.v4) return ip.bytes[12] == 127;
    static const std::array<uint8_t, 16> v6_loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return ip.bytes == v6_loopback;
}

NoProxyList::NoProxyList(std::string_view no_proxy) {
    while (!no_proxy.empty()) {
        auto comma = no_proxy.find(',');
        std::string entry = lower_trimmed(no_proxy.substr(0, comma));
        no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
        if (entry.empty()) continue;
        if (entry == "*") {
            match_all_ = true;
            return;
        }
        std::string_view text = entry;
        auto slash = text.find('/');
        if (slash != std::string_view::npos) {
            IpAddress net;
            int bits = std::atoi(std::string(text.substr(slash + 1)).c_str());
            if (parse_ip(text.substr(0, slash), net) && bits >= 0 && bits <= (net.v4 ? 32 : 128))
                ips_.push_back({net, net.v4 ? bits + 96 : bits, ""});
            continue;
        }
        std::string_view host = text, port;
        if (!split_host_port(text, host, port)) {
            host = text;
            port = {};
            if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        }
        if (host.empty()) continue;
        IpAddress ip;
        if (parse_ip(host, ip)) {
            ips_.push_back({ip, 128, std::string(port)});
            continue;
        }
        if (host.substr(0, 2) == "*.") host.remove_prefix(1);
        bool exact = host.front() != '.';
        std::string suffix = exact ? "." + std::string(host) : std::string(host);
        domains_.push_back({std::move(suffix), exact, std::string(port)});
    }
}

bool NoProxyList::excludes(std::string_view host_in, uint16_t port_number) const {
    std::string host = lower_trimmed(host_in);
    if (host == "localhost") return true;
    IpAddress ip;
    bool is_ip = parse_ip(host, ip);
    if (is_ip && is_loopback(ip)) return true;
    if (match_all_) return true;
    std::string port = std::to_string(port_number);
    if (is_ip) {
        for (const auto& entry : ips_) {
            if (prefix_matches(entry.ip, ip, entry.prefix_bits) && (entry.port.empty() || entry.port == port))
                return true;
        }
    }
    for (const auto& entry : domains_) {
        bool hit = ends_with(host, entry.suffix) ||
                   (entry.match_exact && std::string_view(host) == std::string_view(entry.suffix).substr(1));
        if (hit && (entry.port.empty() || entry.port == port)) return true;
    }
    return false;
}

ProxyEnvironment ProxyEnvironment::from_process() {
    ProxyEnvironment env;
    env.http_proxy = env_first("HTTP_PROXY", "http_proxy");
    env.https_proxy = env_first("HTTPS_PROXY", "https_proxy");
    env.no_proxy = env_first("NO_PROXY", "no_proxy");
    return env;
}

std::string ProxyEnvironment::proxy_for(std::string_view scheme, std::string_view host, uint16_t port) const {
    bool https = scheme == "https" || scheme == "HTTPS";
    const std::string& proxy = https ? https_proxy : http_proxy;
    if (proxy.empty()) return {};
    if (NoProxyList(no_proxy).excludes(host, port)) return {};
    return proxy;
}

}  // namespace herald::http
