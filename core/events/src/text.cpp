// Text rules several providers share (§3.0): the description from a reason,
// the commit status id and the commit SHA of a revision.
#include <herald/events/event.hpp>
#include <herald/sdk.hpp>

#include <vector>

namespace herald::events {
namespace {

using herald::sdk::JsonWriter;

enum CharClass { Lower = 1, Upper = 2, Digit = 3, Other = 4 };

CharClass class_of(unsigned char c) {
    if (c >= 'a' && c <= 'z') return Lower;
    if (c >= 'A' && c <= 'Z') return Upper;
    if (c >= '0' && c <= '9') return Digit;
    return Other;
}

bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        size_t len = JsonWriter::utf8_sequence_length(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

// Lowercases ASCII and, like Go's strings.ToLower, turns invalid UTF-8 into U+FFFD.
std::string lower_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(herald::sdk::ascii_lower(char(c)));
            ++i;
            continue;
        }
        size_t len = JsonWriter::utf8_sequence_length(s, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
            continue;
        }
        out.append(s.data() + i, len);
        i += len;
    }
    return out;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// fatih/camelcase.Split, which Flux uses, over characters (a multi-byte
// UTF-8 sequence is one "other" character).
std::vector<std::string> camelcase_split(std::string_view s) {
    if (!valid_utf8(s)) return {std::string(s)};
    std::vector<std::string> runs;
    int last = 0;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : JsonWriter::utf8_sequence_length(s, i);
        int cls = class_of(c);
        if (cls != last) runs.emplace_back();
        runs.back().append(s.data() + i, len);
        last = cls;
        i += len;
    }
    // "PDFL" + "oader" -> "PDF" + "Loader"
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
        if (class_of(static_cast<unsigned char>(runs[i][0])) == Upper &&
            class_of(static_cast<unsigned char>(runs[i + 1][0])) == Lower) {
            runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
            runs[i].pop_back();
        }
    }
    std::vector<std::string> words;
    for (auto& r : runs)
        if (!r.empty()) words.push_back(std::move(r));
    return words;
}

}  // namespace

std::string reason_description(std::string_view reason) {
    std::string joined;
    for (const auto& word : camelcase_split(reason)) {
        if (!joined.empty()) joined.push_back(' ');
        joined += word;
    }
    return lower_text(joined);
}

std::string commit_status_id(std::string_view kind, std::string_view name, std::string_view provider_uid) {
    std::string id;
    id.reserve(kind.size() + name.size() + 10);
    id.append(kind).push_back('/');
    id.append(name).push_back('/');
    id.append(provider_uid.substr(0, provider_uid.find('-')));
    return lower_text(id);
}

std::optional<std::string_view> find_revision(const std::map<std::string, std::string>& md) {
    for (const char* key : {"commit", "originRevision", "revision"}) {
        auto it = md.find(key);
        if (it != md.end()) return std::string_view(it->second);
    }
    return std::nullopt;
}

std::string_view revision_of(const std::map<std::string, std::string>& unprefixed_md) {
    return find_revision(unprefixed_md).value_or(std::string_view());
}

std::optional<std::string> commit_sha(std::string_view revision) {
    std::string_view sha = revision;
    size_t colon = revision.rfind(':');
    size_t slash = revision.rfind('/');
    if (colon != std::string_view::npos) {
        sha = revision.substr(colon + 1);
    } else if (slash != std::string_view::npos) {
        sha = revision.substr(slash + 1);
    }
    if (sha.size() != 40) return std::nullopt;
    for (char c : sha)
        if (!is_hex(c)) return std::nullopt;
    return std::string(sha);
}

}  // namespace herald::events
