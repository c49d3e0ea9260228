// Reporting problems, and the Kubernetes name rules metadata must follow.
#include "loader.hpp"

namespace herald::config::detail {

void Reporter::error(const Origin& origin, std::string field, std::string message) {
    out_.push_back(Diagnostic{origin, std::move(field), std::move(message), false});
    ++errors_;
}

void Reporter::warn(const Origin& origin, std::string field, std::string message) {
    out_.push_back(Diagnostic{origin, std::move(field), std::move(message), true});
}

namespace {
bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most `max` characters.
bool is_label(std::string_view s, size_t max = 63) {
    if (s.empty() || s.size() > max) return false;
    if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
    for (char c : s)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}
}  // namespace

bool is_dns1123_label(std::string_view name) { return is_label(name); }

// Kubernetes object names: dot-separated labels, at most 253 characters.
bool is_dns1123_subdomain(std::string_view name) {
    if (name.empty() || name.size() > 253) return false;
    size_t start = 0;
    for (;;) {
        auto dot = name.find('.', start);
        if (!is_label(name.substr(start, dot == std::string_view::npos ? dot : dot - start), 253)) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

}  // namespace herald::config::detail
