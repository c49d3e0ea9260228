// The plain parts of the model: keys, look-ups, UIDs, durations, masking.
#include <herald/config/config.hpp>

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <set>

namespace herald::config {

std::string Diagnostic::str() const {
    std::string out = origin.file;
    if (origin.document > 0) out += ":" + std::to_string(origin.document);
    out += ": ";
    if (!field.empty()) out += field + ": ";
    out += message;
    return out;
}

std::string Provider::key() const { return ns + "/" + name; }
std::string Alert::key() const { return ns + "/" + name; }

const std::string* Provider::secret_value(std::string_view k) const {
    auto it = secret.find(std::string(k));
    return it == secret.end() ? nullptr : &it->second;
}

const Provider* Config::find_provider(std::string_view ns, std::string_view name) const {
    for (const auto& p : providers)
        if (p.ns == ns && p.name == name) return &p;
    return nullptr;
}

const Alert* Config::find_alert(std::string_view ns, std::string_view name) const {
    for (const auto& a : alerts)
        if (a.ns == ns && a.name == name) return &a;
    return nullptr;
}

bool LoadResult::ok() const {
    return std::none_of(problems.begin(), problems.end(), [](const Diagnostic& d) { return !d.warning; });
}

std::vector<Diagnostic> LoadResult::errors() const {
    std::vector<Diagnostic> out;
    for (const auto& d : problems)
        if (!d.warning) out.push_back(d);
    return out;
}

std::vector<Diagnostic> LoadResult::warnings() const {
    std::vector<Diagnostic> out;
    for (const auto& d : problems)
        if (d.warning) out.push_back(d);
    return out;
}

std::string derive_uid(std::string_view ns, std::string_view name) {
    std::string input = "herald:";
    input.append(ns).append("/").append(name);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    // RFC 4122: version 5 (name-based, SHA) in the high nibble of byte 6,
    // variant 10xx in the high bits of byte 8.
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

// Go's pattern ^([0-9]+(\.[0-9]+)?(ms|s|m))+$ : a sum of number+unit parts.
std::optional<uint32_t> parse_timeout_ms(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total = 0;
    size_t i = 0;
    auto is_digit = [&](size_t at) { return at < text.size() && text[at] >= '0' && text[at] <= '9'; };
    while (i < text.size()) {
        size_t start = i;
        if (!is_digit(i)) return std::nullopt;
        while (is_digit(i)) ++i;
        if (i < text.size() && text[i] == '.') {
            ++i;
            if (!is_digit(i)) return std::nullopt;
            while (is_digit(i)) ++i;
        }
        if (i - start > 15) return std::nullopt;  // no sane timeout needs this many digits
        double value = std::stod(std::string(text.substr(start, i - start)));
        if (text.substr(i, 2) == "ms") {
            total += value;
            i += 2;
        } else if (text.substr(i, 1) == "s") {
            total += value * 1000.0;
            i += 1;
        } else if (text.substr(i, 1) == "m") {
            total += value * 60000.0;
            i += 1;
        } else {
            return std::nullopt;
        }
    }
    double ms = std::round(total);
    if (ms < 1 || ms > 4294967295.0) return std::nullopt;
    return static_cast<uint32_t>(ms);
}

namespace {
// The user info of a URL ("user:pass" of "scheme://user:pass@host"), if any.
std::optional<std::string_view> url_userinfo(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    auto authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    return authority.substr(0, at);
}

// The password part of a URL's user info ("" when none).
std::string url_password(std::string_view url) {
    auto userinfo = url_userinfo(url);
    auto colon = userinfo ? userinfo->find(':') : std::string_view::npos;
    if (colon == std::string_view::npos) return {};
    return std::string(userinfo->substr(colon + 1));
}

// The user name of a URL's user info ("" when none).
std::string url_username(std::string_view url) {
    auto userinfo = url_userinfo(url);
    return userinfo ? std::string(userinfo->substr(0, userinfo->find(':'))) : std::string();
}

// The credential of an "<auth-scheme> <credential>" header value ("Bearer
// abc", "Basic dXNlcg=="): receivers often echo the credential alone, so it
// is a secret value of its own. Empty when the value has no such shape.
std::string scheme_credential(std::string_view value) {
    auto space = value.find(' ');
    if (space == 0 || space == std::string_view::npos) return {};
    for (char c : value.substr(0, space))
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return {};
    auto credential = value.substr(space + 1);
    while (!credential.empty() && credential.front() == ' ') credential.remove_prefix(1);
    if (credential.size() < 4 || credential.find(' ') != std::string_view::npos) return {};
    return std::string(credential);
}

// Parts of a secret webhook address a receiver may echo back on their own
// (an error body quoting "POST /services/T0/B0/XYZ?token=..."): the path with
// its query, the path, the query, and each query value. Short parts ("/",
// "/hook") are left out: they name nothing secret and would mask common text.
std::vector<std::string> address_parts(std::string_view url) {
    std::vector<std::string> out;
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return out;
    auto rest = url.substr(scheme_end + 3);
    auto slash = rest.find_first_of("/?");
    if (slash == std::string_view::npos) return out;
    auto target = rest.substr(slash);
    target = target.substr(0, target.find('#'));
    auto q = target.find('?');
    auto path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    auto keep = [&](std::string_view part) {
        if (part.size() >= 6) out.emplace_back(part);
    };
    keep(target);
    keep(path);
    keep(query);
    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        if (auto eq = pair.find('='); eq != std::string_view::npos) keep(pair.substr(eq + 1));
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    return out;
}

}  // namespace

std::vector<std::string> sensitive_values(const Provider& p) {
    std::set<std::string> values;
    auto add = [&](const std::string& v) {
        if (!v.empty()) values.insert(v);
    };
    for (const auto& [key, value] : p.secret) add(value);
    if (auto it = p.secret.find("address"); it != p.secret.end()) {
        add(p.effective_address);
        for (const auto& part : address_parts(p.effective_address)) add(part);
    }
    // A proxy URL from a Secret: its user name is a credential too.
    if (p.secret.count("proxy") || p.proxy_secret_ref) add(url_username(p.effective_proxy));
    add(p.proxy_username);
    add(p.proxy_password);
    add(url_password(p.effective_proxy));
    add(url_password(p.effective_address));
    add(url_password(p.proxy));
    add(url_password(p.address));
    for (const auto& [name, value] : p.headers) {
        add(value);
        add(scheme_credential(value));
    }
    add(p.client_key_pem);
    std::vector<std::string> out(values.begin(), values.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return out;
}

}  // namespace herald::config
