#include <herald/http/client.hpp>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>

#include <cctype>

namespace herald::http {
namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::optional<int64_t> parse_seconds(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// The three date forms RFC 9110 §5.6.7 obliges recipients to accept. Poco's
// parser is lenient (it would read an RFC 850 date with the IMF pattern and get
// the year wrong), so the shape picks the pattern: "Sun, 06 Nov ..." is
// IMF-fixdate, "Sun Nov  6 ..." is asctime, "Sunday, 06-Nov-94 ..." is RFC 850.
std::optional<int64_t> parse_http_date(std::string_view text) {
    if (text.size() < 24 || !std::isalpha(static_cast<unsigned char>(text.front()))) return std::nullopt;
    const std::string* format = &Poco::DateTimeFormat::RFC850_FORMAT;
    if (text[3] == ',') format = &Poco::DateTimeFormat::HTTP_FORMAT;
    if (text[3] == ' ') format = &Poco::DateTimeFormat::ASCTIME_FORMAT;
    Poco::DateTime parsed;
    int tzd = 0;
    if (!Poco::DateTimeParser::tryParse(*format, std::string(text), parsed, tzd)) return std::nullopt;
    parsed.makeUTC(tzd);
    return parsed.timestamp().epochTime();
}

}  // namespace

std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_unix_s) {
    value = trimmed(value);
    if (auto seconds = parse_seconds(value)) return seconds;
    auto when = parse_http_date(value);
    if (!when) return std::nullopt;
    return *when > now_unix_s ? *when - now_unix_s : 0;
}

}  // namespace herald::http
