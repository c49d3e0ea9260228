#include "url.hpp"

#include <herald/http/client.hpp>

#include <cctype>

namespace herald::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool has_space_or_control(std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) return true;
    }
    return false;
}

std::optional<uint16_t> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    uint32_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<ParsedUrl> parse_url(std::string_view url) {
    if (has_space_or_control(url)) return std::nullopt;
    ParsedUrl out;
    auto colon = url.find("://");
    if (colon == std::string_view::npos) return std::nullopt;
    out.scheme = url.substr(0, colon);
    if (iequals(out.scheme, "https")) {
        out.https = true;
    } else if (!iequals(out.scheme, "http")) {
        return std::nullopt;
    }
    std::string_view rest = url.substr(colon + 3);
    auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view after = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        out.userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = authority.substr(1, close - 1);
        std::string_view tail = authority.substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':') return std::nullopt;
            port_text = tail.substr(1);
        }
    } else {
        auto port_colon = authority.rfind(':');
        out.host = authority.substr(0, port_colon);
        if (port_colon != std::string_view::npos) port_text = authority.substr(port_colon + 1);
    }
    if (out.host.empty()) return std::nullopt;
    out.port = out.https ? 443 : 80;
    if (!port_text.empty()) {
        auto port = parse_port(port_text);
        if (!port) return std::nullopt;
        out.default_port = *port == out.port;
        out.port = *port;
    }
    auto fragment = after.find('#');
    if (fragment != std::string_view::npos) after = after.substr(0, fragment);
    out.target = after.empty() ? std::string_view("/") : after;
    // "http://host?x=1" has an empty path; the request target still needs one.
    if (out.target.front() == '?') return std::nullopt;
    return out;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string host_header(const ParsedUrl& url) {
    std::string out;
    bool v6 = url.host.find(':') != std::string_view::npos;
    if (v6) out.push_back('[');
    out.append(url.host);
    if (v6) out.push_back(']');
    if (!url.default_port) {
        out.push_back(':');
        out.append(std::to_string(url.port));
    }
    return out;
}

// Masks what may be a credential but keeps the shape, so logs stay useful.
std::string redact_url(std::string_view url) {
    auto parsed = parse_url(url);
    if (!parsed) return "<invalid url>";
    std::string out;
    out.reserve(url.size());
    out.append(parsed->scheme).append("://");
    if (!parsed->userinfo.empty()) {
        auto colon = parsed->userinfo.find(':');
        out.append(parsed->userinfo.substr(0, colon));
        if (colon != std::string_view::npos) out.append(":xxxxx");
        out.push_back('@');
    }
    out.append(host_header(*parsed));
    std::string_view target = parsed->target;
    auto query = target.find('?');
    out.append(target.substr(0, query));
    if (query == std::string_view::npos) return out;
    out.push_back('?');
    std::string_view rest = target.substr(query + 1);
    bool first = true;
    while (true) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        if (!first) out.push_back('&');
        first = false;
        auto eq = pair.find('=');
        out.append(pair.substr(0, eq));
        if (eq != std::string_view::npos) out.append("=xxxxx");
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return out;
}

}  // namespace herald::http
