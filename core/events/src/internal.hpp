// Pieces shared by the events sources; not installed.
#ifndef HERALD_EVENTS_INTERNAL_HPP
#define HERALD_EVENTS_INTERNAL_HPP

#include <cstdint>
#include <string>
#include <string_view>

namespace herald::events::detail {

// The group part of an apiVersion, borrowed from it (see api_group).
std::string_view group_of(std::string_view api_version);

// Go's case folding compare of UTF-8 `s` against ASCII `ascii`: ASCII letters
// fold, and so do the two non-ASCII runes whose fold set holds an ASCII letter
// (U+212A KELVIN SIGN ~ k, U+017F LATIN SMALL LETTER LONG S ~ s).
bool fold_equal(std::string_view s, std::string_view ascii);

// Unix seconds of 0001-01-01T00:00:00Z, Go's zero time.
constexpr int64_t kZeroTimeUnix = -62135596800;

// Go's time.Parse(time.RFC3339, s). On success sets `unix_seconds` (fraction
// dropped) and `has_fraction` (a non-zero nanosecond part); on failure sets
// `why` and returns false.
bool parse_go_rfc3339(std::string_view s, int64_t& unix_seconds, bool& has_fraction, std::string& why);

// Appends the UTF-8 encoding of code point `cp` to `out`.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace herald::events::detail

#endif
