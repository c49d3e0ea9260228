// Repository addresses of the commit-status providers (reference/providers.md
// §3.0): https://, http://, ssh:// and the scp form user@host:path. Parsed once
// in the factory, so `herald check` reports a bad address before any event.
#ifndef HERALD_GITCOMMON_REPOSITORY_HPP
#define HERALD_GITCOMMON_REPOSITORY_HPP

#include <herald/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::gitcommon {

// A parsed repository address. ssh addresses become https (the API lives on
// the same host); user info is dropped; the port is kept.
struct Repository {
    std::string scheme;  // "https" or "http"
    std::string host;    // lowercase, without port
    std::string port;    // "" when absent
    std::string id;      // path without the leading '/' and one trailing ".git"
    std::vector<std::string> segments;  // id split on '/'

    // scheme://host[:port]
    std::string origin() const { return scheme + "://" + (port.empty() ? host : host + ":" + port); }
};

// A repository, or the reason the address is not one.
struct ParsedRepository {
    std::optional<Repository> repository;
    std::string error;
};

namespace detail {
inline ParsedRepository repository_error(std::string text) { return ParsedRepository{std::nullopt, std::move(text)}; }

// Fills id and segments from a path; false when nothing is left.
inline bool set_repository_path(Repository& repo, std::string_view path) {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (sdk::ends_with(path, ".git")) path.remove_suffix(4);
    if (path.empty()) return false;
    repo.id = std::string(path);
    for (auto segment : sdk::split(path, '/')) repo.segments.emplace_back(segment);
    return true;
}

// Decodes %XX escapes (the plugins escape each segment again for the API URL);
// nullopt on a malformed escape.
inline std::optional<std::string> percent_decoded(std::string_view s) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size() || nibble(s[i + 1]) < 0 || nibble(s[i + 2]) < 0) return std::nullopt;
        out.push_back(char(nibble(s[i + 1]) * 16 + nibble(s[i + 2])));
        i += 2;
    }
    return out;
}

inline ParsedRepository parse_url_form(std::string_view address) {
    auto url = sdk::parse_url(address);
    if (!url) return repository_error("\"" + std::string(address) + "\" is not a valid URL");
    if (!url->query.empty() || !url->fragment.empty())
        return repository_error("a repository address has no query or fragment");
    auto path = percent_decoded(url->path);
    if (!path) return repository_error("the path has a malformed %-escape");
    Repository repo{url->scheme, sdk::to_lower(url->host), url->port, {}, {}};
    if (!set_repository_path(repo, *path)) return repository_error("the address has no repository path");
    return ParsedRepository{std::move(repo), {}};
}

// user@host:path, as git accepts it.
inline ParsedRepository parse_scp_form(std::string_view address) {
    auto colon = address.find(':');
    if (colon == std::string_view::npos)
        return repository_error("\"" + std::string(address) + "\" is neither a URL nor user@host:path");
    std::string_view user_host = address.substr(0, colon);
    if (user_host.find('/') != std::string_view::npos)
        return repository_error("\"" + std::string(address) + "\" is neither a URL nor user@host:path");
    auto at = user_host.rfind('@');
    std::string_view host = at == std::string_view::npos ? user_host : user_host.substr(at + 1);
    if (host.empty()) return repository_error("the address has no host");
    Repository repo{"https", sdk::to_lower(host), "", {}, {}};
    if (!set_repository_path(repo, address.substr(colon + 1)))
        return repository_error("the address has no repository path");
    return ParsedRepository{std::move(repo), {}};
}
}  // namespace detail

inline ParsedRepository parse_repository(std::string_view address) {
    address = sdk::trim(address);
    if (address.empty()) return detail::repository_error("the address is empty");
    auto sep = address.find("://");
    if (sep == std::string_view::npos) return detail::parse_scp_form(address);
    std::string scheme = sdk::to_lower(address.substr(0, sep));
    if (scheme == "ssh") return detail::parse_url_form("https://" + std::string(address.substr(sep + 3)));
    if (scheme == "https" || scheme == "http") return detail::parse_url_form(address);
    return detail::repository_error("unsupported scheme \"" + scheme + "\" (use https://, http://, ssh:// or user@host:path)");
}

// Reads spec.address as a repository with exactly `segments` non-empty path
// segments (0: any number), reporting problems on "spec.address" with
// `shape` (e.g. "https://github.com/<owner>/<repo>") as the expected form.
inline std::optional<Repository> repository_from_config(const sdk::Config& cfg, sdk::Diagnostics& diag,
                                                        size_t segments, std::string_view shape) {
    const std::string expected = "expected " + std::string(shape) + " (or the ssh:// / git@host:path form)";
    if (sdk::trim(cfg.address()).empty()) {
        diag.error("spec.address", "a repository address is required: " + expected);
        return std::nullopt;
    }
    auto parsed = parse_repository(cfg.address());
    if (!parsed.repository) {
        diag.error("spec.address", "invalid repository address: " + parsed.error + "; " + expected);
        return std::nullopt;
    }
    const Repository& repo = *parsed.repository;
    bool has_empty = false;
    for (const auto& s : repo.segments) has_empty = has_empty || s.empty();
    if (has_empty || (segments != 0 && repo.segments.size() != segments)) {
        diag.error("spec.address", "invalid repository id \"" + repo.id + "\": " + expected);
        return std::nullopt;
    }
    return parsed.repository;
}

// The API token: secret key `token`, else `password` when `password_fallback`
// (Flux head does this for github and gitlab). Reports `missing` on
// "secret.token" when neither is set. The value never appears in a message.
inline std::optional<std::string> token_from_config(const sdk::Config& cfg, sdk::Diagnostics& diag,
                                                    bool password_fallback, std::string_view missing) {
    if (auto token = cfg.secret("token"); token && !token->empty()) return std::string(*token);
    if (password_fallback) {
        if (auto password = cfg.secret("password"); password && !password->empty()) return std::string(*password);
    }
    diag.error("secret.token", missing);
    return std::nullopt;
}

}  // namespace herald::gitcommon

#endif  // HERALD_GITCOMMON_REPOSITORY_HPP
