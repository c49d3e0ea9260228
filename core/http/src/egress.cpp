#include <herald/http/egress.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace herald::http {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> out;
    while (true) {
        size_t comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        if (!item.empty()) out.push_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

// RFC 1123 labels (letters, digits, '-', '_' tolerated), optionally starting
// with "." or "*." for a subdomain entry.
bool is_host_entry(std::string_view s) {
    if (s.rfind("*.", 0) == 0) s.remove_prefix(2);
    else if (!s.empty() && s.front() == '.') s.remove_prefix(1);
    if (s.empty() || s.size() > 253) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

bool host_matches(const std::string& entry, std::string_view host) {
    std::string h = lower(host);
    if (!h.empty() && h.back() == '.') h.pop_back();  // "example.com." is the same name
    if (entry.rfind("*.", 0) == 0 || entry.front() == '.') {
        std::string suffix = entry.front() == '.' ? entry : entry.substr(1);
        return h.size() > suffix.size() && h.compare(h.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    return h == entry;
}

const std::vector<Network>& default_denied() {
    static const std::vector<Network> nets = {*parse_network("169.254.0.0/16"), *parse_network("fd00:ec2::254")};
    return nets;
}

bool in_any(const std::vector<Network>& nets, const std::optional<std::array<uint8_t, 16>>& ip) {
    return ip && std::any_of(nets.begin(), nets.end(), [&](const Network& n) { return n.contains(*ip); });
}

bool host_in_any(const std::vector<std::string>& entries, std::string_view host) {
    return std::any_of(entries.begin(), entries.end(), [&](const std::string& e) { return host_matches(e, host); });
}

}  // namespace

bool Network::contains(const std::array<uint8_t, 16>& ip) const {
    int bits = prefix;
    for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        uint8_t mask = bits >= 8 ? 0xff : uint8_t(0xff << (8 - bits));
        if ((ip[i] & mask) != (address[i] & mask)) return false;
    }
    return true;
}

std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    std::string s(text);
    std::array<uint8_t, 16> out{};
    in_addr v4{};
    if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        out[10] = out[11] = 0xff;
        std::copy_n(reinterpret_cast<const uint8_t*>(&v4), 4, out.begin() + 12);
        return out;
    }
    in6_addr v6{};
    if (s.find('%') == std::string::npos && ::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
        std::copy_n(reinterpret_cast<const uint8_t*>(&v6), 16, out.begin());
        return out;
    }
    return std::nullopt;
}

std::optional<Network> parse_network(std::string_view text) {
    size_t slash = text.find('/');
    auto ip = parse_ip(text.substr(0, slash));
    if (!ip) return std::nullopt;
    bool v4 = std::all_of(ip->begin(), ip->begin() + 10, [](uint8_t b) { return b == 0; }) && (*ip)[10] == 0xff &&
              (*ip)[11] == 0xff && text.substr(0, slash).find(':') == std::string_view::npos;
    Network n;
    n.address = *ip;
    n.prefix = 128;
    if (slash != std::string_view::npos) {
        std::string_view bits = text.substr(slash + 1);
        if (bits.empty() || bits.size() > 3 ||
            !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        int p = std::stoi(std::string(bits));
        if (p > (v4 ? 32 : 128)) return std::nullopt;
        n.prefix = v4 ? 96 + p : p;
    }
    return n;
}

std::string ip_text(const std::array<uint8_t, 16>& ip) {
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char buf[INET6_ADDRSTRLEN] = {0};
    if (std::equal(ip.begin(), ip.begin() + 12, mapped)) {
        ::inet_ntop(AF_INET, ip.data() + 12, buf, sizeof buf);
    } else {
        ::inet_ntop(AF_INET6, ip.data(), buf, sizeof buf);
    }
    return buf;
}

std::optional<EgressPolicy> EgressPolicy::parse(const std::vector<std::string>& allow,
                                                const std::vector<std::string>& deny, std::string& error) {
    EgressPolicy p;
    auto add = [&](const std::vector<std::string>& lists, std::vector<std::string>& hosts, std::vector<Network>& nets,
                   const char* flag) {
        for (const auto& list : lists) {
            for (auto item : split_commas(list)) {
                if (auto n = parse_network(item)) {
                    nets.push_back(*n);
                } else if (item.find('/') == std::string_view::npos && item.find(':') == std::string_view::npos &&
                           is_host_entry(item)) {
                    hosts.push_back(lower(item));
                } else {
                    error = std::string(flag) + ": \"" + std::string(item) + "\" is not a CIDR, an IP address or a host name";
                    return false;
                }
            }
        }
        return true;
    };
    if (!add(allow, p.allow_hosts_, p.allow_networks_, "--egress-allow")) return std::nullopt;
    if (!add(deny, p.deny_hosts_, p.deny_networks_, "--egress-deny")) return std::nullopt;
    return p;
}

std::optional<std::string> EgressPolicy::refusal(std::string_view host,
                                                 const std::optional<std::array<uint8_t, 16>>& ip,
                                                 bool destination) const {
    std::string where = std::string(host);
    if (ip && parse_ip(host) != ip) where += " (" + ip_text(*ip) + ")";
    if (host_in_any(deny_hosts_, host) || in_any(deny_networks_, ip))
        return "egress to " + where + " is denied by --egress-deny";
    if (host_in_any(allow_hosts_, host) || in_any(allow_networks_, ip)) return std::nullopt;
    if (in_any(default_denied(), ip))
        return "egress to " + where +
               " is denied: link-local and cloud metadata addresses are refused unless --egress-allow names them";
    if (destination && has_allow_list()) return "egress to " + where + " is denied: not in --egress-allow";
    return std::nullopt;
}

}  // namespace herald::http
