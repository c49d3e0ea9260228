// Text rules the commit-status providers share (reference/providers.md §3.0):
// the status description derived from the event reason, the commit SHA taken
// from the revision, and small helpers for request bodies and error texts.
#ifndef HERALD_GITCOMMON_TEXT_HPP
#define HERALD_GITCOMMON_TEXT_HPP

#include <herald/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::gitcommon {

namespace detail {
enum class CharClass { Lower, Upper, Digit, Other };

// ASCII classes only: a multi-byte character counts as Other (Go's unicode
// classes differ only for non-ASCII letters, which Flux reasons never use).
inline CharClass char_class(unsigned char c) {
    if (c >= 'a' && c <= 'z') return CharClass::Lower;
    if (c >= 'A' && c <= 'Z') return CharClass::Upper;
    if (c >= '0' && c <= '9') return CharClass::Digit;
    return CharClass::Other;
}

inline bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        size_t len = sdk::JsonWriter::utf8_sequence_length(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

// Splits where the character class changes (the camel-case splitter Flux uses).
inline std::vector<std::string> class_runs(std::string_view s) {
    std::vector<std::string> runs;
    std::optional<CharClass> last;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : sdk::JsonWriter::utf8_sequence_length(s, i);
        CharClass cls = char_class(c);
        if (last && *last == cls) {
            runs.back().append(s.substr(i, len));
        } else {
            runs.emplace_back(s.substr(i, len));
        }
        last = cls;
        i += len;
    }
    return runs;
}
}  // namespace detail

// "ReconciliationSucceeded" -> "reconciliation succeeded". The last capital of
// an upper-case run starts the next word ("OCIArtifactPushed" -> "oci artifact
// pushed"), so acronyms stay whole. Text that is not valid UTF-8 is only lowercased.
inline std::string description_from_reason(std::string_view reason) {
    if (!detail::valid_utf8(reason)) return sdk::to_lower(reason);
    auto runs = detail::class_runs(reason);
    for (size_t i = 0; i + 1 < runs.size(); ++i) {
        if (runs[i].empty() || runs[i + 1].empty()) continue;
        bool upper_then_lower = detail::char_class(static_cast<unsigned char>(runs[i][0])) == detail::CharClass::Upper &&
                                detail::char_class(static_cast<unsigned char>(runs[i + 1][0])) == detail::CharClass::Lower;
        if (!upper_then_lower) continue;
        runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
        runs[i].pop_back();
    }
    std::string out;
    for (const auto& run : runs) {
        if (run.empty()) continue;
        if (!out.empty()) out.push_back(' ');
        out += run;
    }
    return sdk::to_lower(out);
}

// The commit SHA inside a revision: after the last ':' (`main@sha1:<sha>`),
// else after the last '/' (legacy `main/<sha>`), else the whole value. Only
// exactly 40 hex characters count as a SHA (SHA-1 repositories, as Flux).
inline std::optional<std::string_view> commit_sha(std::string_view revision) {
    std::string_view sha = revision;
    if (auto colon = revision.rfind(':'); colon != std::string_view::npos) {
        sha = revision.substr(colon + 1);
    } else if (auto slash = revision.rfind('/'); slash != std::string_view::npos) {
        sha = revision.substr(slash + 1);
    }
    if (sha.size() != 40) return std::nullopt;
    for (char c : sha) {
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) return std::nullopt;
    }
    return sha;
}

// Undoes JsonWriter's HTML escaping (\u003c \u003e \u0026) for clients that
// encode with SetEscapeHTML(false), e.g. go-github. Escapes are read pairwise,
// so an escaped backslash followed by "u003c" stays as it was.
inline std::string without_html_escapes(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    for (size_t i = 0; i < json.size(); ++i) {
        if (json[i] != '\\' || i + 1 >= json.size()) {
            out.push_back(json[i]);
            continue;
        }
        std::string_view esc = json.substr(i, 6);
        if (esc == "\\u003c" || esc == "\\u003e" || esc == "\\u0026") {
            out.push_back(esc == "\\u003c" ? '<' : esc == "\\u003e" ? '>' : '&');
            i += 5;
            continue;
        }
        out.push_back(json[i]);
        out.push_back(json[i + 1]);
        ++i;
    }
    return out;
}

// The start of a response body for an error text: enough to recognise the
// API's message, short enough for a log line.
inline std::string excerpt(std::string_view body) {
    return sdk::truncate_utf8(sdk::trim(body), 256);
}

}  // namespace herald::gitcommon

#endif  // HERALD_GITCOMMON_TEXT_HPP
