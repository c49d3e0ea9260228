// Splitting absolute http(s) URLs without re-encoding anything: the request
// target goes on the wire exactly as the plugin wrote it (GitLab's
// `group%2Fproject` must stay encoded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace herald::http {

struct ParsedUrl {
    bool https = false;
    std::string_view scheme;    // "http" or "https", lower case as written
    std::string_view userinfo;  // raw, percent-encoded; empty when absent
    std::string_view host;      // without IPv6 brackets
    uint16_t port = 0;          // explicit or the scheme's default
    bool default_port = true;
    std::string_view target;    // path + query, "/" when empty; fragment dropped
};

// nullopt when url is not an absolute http(s) URL with a host, a valid port,
// and no spaces or control characters.
std::optional<ParsedUrl> parse_url(std::string_view url);

// "%41" -> "A"; invalid escapes are kept as written.
std::string percent_decode(std::string_view text);

// host or [v6] with ":port" unless it is the scheme's default.
std::string host_header(const ParsedUrl& url);

}  // namespace herald::http
