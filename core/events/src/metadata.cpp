// Metadata rules of the notification-controller: which keys survive intake
// (§1.2), the duplicate key (§1.5) and the per-Alert merge (§1.7).
#include <herald/events/event.hpp>
#include <herald/sdk.hpp>

#include "internal.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace herald::events {
namespace detail {

// Kubernetes' ParseGroupVersion: "" and "/" are empty, no '/' is a bare
// version, one '/' splits group and version, more is an error (empty group).
std::string_view group_of(std::string_view api_version) {
    size_t slash = api_version.find('/');
    if (slash == std::string_view::npos) return {};
    if (api_version.find('/', slash + 1) != std::string_view::npos) return {};
    return api_version.substr(0, slash);
}

bool fold_equal(std::string_view s, std::string_view ascii) {
    size_t i = 0, j = 0;
    while (i < s.size() && j < ascii.size()) {
        char want = herald::sdk::ascii_lower(ascii[j]);
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (herald::sdk::ascii_lower(char(c)) != want) return false;
            ++i;
        } else if (want == 'k' && s.substr(i, 3) == "\xE2\x84\xAA") {
            i += 3;
        } else if (want == 's' && s.substr(i, 2) == "\xC5\xBF") {
            i += 2;
        } else {
            return false;
        }
        ++j;
    }
    return i == s.size() && j == ascii.size();
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(char(cp));
    } else if (cp < 0x800) {
        out.push_back(char(0xC0 | (cp >> 6)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(char(0xE0 | (cp >> 12)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (cp >> 18)));
        out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    }
}

}  // namespace detail

namespace {

using herald::sdk::starts_with;

bool is_digest_key(std::string_view key) {
    return herald::sdk::iequals(key, "checksum") || herald::sdk::iequals(key, "digest");
}

// The metadata value for `key` as the controller set it: "<group>/<key>",
// else the unprefixed v1beta1-era "<key>".
const std::string* controller_value(const Event& e, std::string_view group, std::string_view key) {
    if (!group.empty()) {
        std::string prefixed;
        prefixed.reserve(group.size() + 1 + key.size());
        prefixed.append(group).push_back('/');
        prefixed.append(key);
        auto it = e.metadata.find(prefixed);
        if (it != e.metadata.end()) return &it->second;
    }
    auto it = e.metadata.find(std::string(key));
    return it == e.metadata.end() ? nullptr : &it->second;
}

// Fetched once: OpenSSL 3 looks EVP_sha256() up again on every use, which
// costs more than hashing a short key. The fetched object is shared read-only.
const EVP_MD* sha256_md() {
    static const EVP_MD* md = [] {
        const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        return fetched ? fetched : EVP_sha256();
    }();
    return md;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, sha256_md(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");  // only when OpenSSL itself is broken
    return herald::sdk::hex(digest, size);
}

}  // namespace

std::string api_group(std::string_view api_version) { return std::string(detail::group_of(api_version)); }

void clean_metadata(Event& e) {
    std::string_view group = detail::group_of(e.object.api_version);
    for (auto it = e.metadata.begin(); it != e.metadata.end();) {
        std::string_view key = it->first;
        bool keep = false;
        if (starts_with(key, kAnnotationPrefix)) {
            keep = true;
        } else if (!group.empty() && starts_with(key, group) && key.size() > group.size() && key[group.size()] == '/') {
            keep = !is_digest_key(key.substr(group.size() + 1));
        } else if (key.find('/') == std::string_view::npos) {
            keep = !is_digest_key(key);
        }
        it = keep ? std::next(it) : e.metadata.erase(it);
    }
}

std::string duplicate_key_text(const Event& cleaned) {
    std::string_view group = detail::group_of(cleaned.object.api_version);
    std::string text;
    text.reserve(64 + cleaned.object.name.size() + cleaned.object.ns.size() + cleaned.object.kind.size() +
                 cleaned.message.size());
    text += "event/name=";
    text += cleaned.object.name;
    text += "/namespace=";
    text += cleaned.object.ns;
    text += "/kind=";
    text += cleaned.object.kind;
    text += "/message=";
    text += cleaned.message;
    for (std::string_view key : {"originRevision", "revision", "token"}) {
        const std::string* value = controller_value(cleaned, group, key);
        if (!value) continue;
        text.push_back('/');
        text += key;
        text.push_back('=');
        text += *value;
    }
    return text;
}

std::string duplicate_key(const Event& cleaned) { return sha256_hex(duplicate_key_text(cleaned)); }

MergedMetadata notification_metadata(const Event& cleaned, const std::map<std::string, std::string>& event_metadata,
                                     std::string_view summary) {
    enum Source : unsigned { Annotations = 1, AlertMetadata = 2, Summary = 4, Controller = 8 };
    std::string_view group = detail::group_of(cleaned.object.api_version);
    MergedMetadata merged;
    std::map<std::string, unsigned, std::less<>> sources;
    auto put = [&](std::string_view key, std::string_view value, Source source) {
        merged.metadata[std::string(key)] = std::string(value);
        sources[std::string(key)] |= source;
    };

    for (const auto& [k, v] : cleaned.metadata)
        if (starts_with(k, kAnnotationPrefix)) put(std::string_view(k).substr(kAnnotationPrefix.size()), v, Annotations);
    for (const auto& [k, v] : event_metadata) put(k, v, AlertMetadata);
    if (!summary.empty()) put("summary", summary, Summary);
    // Unprefixed first so a prefixed key of the same name overwrites it.
    for (const auto& [k, v] : cleaned.metadata)
        if (k.find('/') == std::string::npos && k != "token") put(k, v, Controller);
    if (!group.empty()) {
        for (const auto& [k, v] : cleaned.metadata) {
            std::string_view key = k;
            if (!starts_with(key, group) || key.size() <= group.size() || key[group.size()] != '/') continue;
            key.remove_prefix(group.size() + 1);
            if (key != "token") put(key, v, Controller);
        }
    }

    for (const auto& [key, mask] : sources)
        if (mask & (mask - 1)) merged.conflicts.push_back(key);
    return merged;
}

}  // namespace herald::events
