// RFC 3339 times exactly as Go reads (time.Parse with time.RFC3339, which
// metav1.Time uses) and writes them (UTC, whole seconds, 'Z').
#include <herald/events/event.hpp>

#include "internal.hpp"

namespace herald::events {
namespace {

bool is_digit(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Go's getnum: one or two digits, exactly two when `fixed`.
bool take_number(std::string_view& s, bool fixed, int& out) {
    if (!is_digit(s, 0)) return false;
    if (!is_digit(s, 1)) {
        if (fixed) return false;
        out = s[0] - '0';
        s.remove_prefix(1);
        return true;
    }
    out = (s[0] - '0') * 10 + (s[1] - '0');
    s.remove_prefix(2);
    return true;
}

bool take_char(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in(int month, int64_t year) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year)) return 29;
    return days[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

void append_2(std::string& out, unsigned v) {
    out.push_back(char('0' + v / 10));
    out.push_back(char('0' + v % 10));
}

// Go's appendInt(b, year, 4): a sign, then at least four digits.
void append_year(std::string& out, int64_t y) {
    if (y < 0) {
        out.push_back('-');
        y = -y;
    }
    std::string digits = std::to_string(y);
    if (digits.size() < 4) out.append(4 - digits.size(), '0');
    out += digits;
}

}  // namespace

namespace detail {

// Follows Go's parse() for layout "2006-01-02T15:04:05Z07:00" step by step,
// including its leniencies (one-digit hour, ',' before a fraction, offsets up
// to 24:60) so the same strings are accepted and refused.
bool parse_go_rfc3339(std::string_view s, int64_t& unix_seconds, bool& has_fraction, std::string& why) {
    const std::string_view bad = "expected the form 2006-01-02T15:04:05Z07:00";
    has_fraction = false;
    if (s.size() < 4 || !is_digit(s, 0) || !is_digit(s, 1) || !is_digit(s, 2) || !is_digit(s, 3)) {
        why = bad;
        return false;
    }
    int64_t year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    s.remove_prefix(4);
    int month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!take_char(s, '-') || !take_number(s, true, month)) return why = bad, false;
    if (month < 1 || month > 12) return why = "month out of range", false;
    if (!take_char(s, '-') || !take_number(s, true, day)) return why = bad, false;
    if (!take_char(s, 'T') || !take_number(s, false, hour)) return why = bad, false;
    if (hour >= 24) return why = "hour out of range", false;
    if (!take_char(s, ':') || !take_number(s, true, minute)) return why = bad, false;
    if (minute >= 60) return why = "minute out of range", false;
    if (!take_char(s, ':') || !take_number(s, true, second)) return why = bad, false;
    if (second >= 60) return why = "second out of range", false;
    if (s.size() >= 2 && (s[0] == '.' || s[0] == ',') && is_digit(s, 1)) {
        size_t n = 1;
        while (is_digit(s, n)) {
            if (n <= 9 && s[n] != '0') has_fraction = true;  // Go keeps nine digits
            ++n;
        }
        s.remove_prefix(n);
    }
    int64_t offset = 0;
    if (!s.empty() && s.front() == 'Z') {
        s.remove_prefix(1);
    } else {
        if (s.size() < 6 || s[3] != ':') return why = bad, false;
        char sign = s[0];
        std::string_view hh = s.substr(1, 2), mm = s.substr(4, 2);
        int oh = 0, om = 0;
        if (!take_number(hh, true, oh) || !take_number(mm, true, om)) return why = bad, false;
        if (oh > 24) return why = "time zone offset hour out of range", false;
        if (om > 60) return why = "time zone offset minute out of range", false;
        if (sign != '+' && sign != '-') return why = bad, false;
        offset = (oh * 60 + om) * 60;
        if (sign == '-') offset = -offset;
        s.remove_prefix(6);
    }
    if (!s.empty()) return why = "extra text after the time", false;
    if (day < 1 || day > days_in(month, year)) return why = "day out of range", false;
    unix_seconds = days_from_civil(year, unsigned(month), unsigned(day)) * 86400 + hour * 3600 + minute * 60 + second -
                   offset;
    return true;
}

}  // namespace detail

std::optional<int64_t> parse_rfc3339(std::string_view s, std::string* error) {
    int64_t seconds = 0;
    bool has_fraction = false;
    std::string why;
    if (!detail::parse_go_rfc3339(s, seconds, has_fraction, why)) {
        if (error) *error = why;
        return std::nullopt;
    }
    return seconds;
}

std::string format_rfc3339(int64_t unix_seconds) {
    int64_t days = unix_seconds / 86400;
    int64_t rem = unix_seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    std::string out;
    out.reserve(20);
    append_year(out, y);
    out.push_back('-');
    append_2(out, m);
    out.push_back('-');
    append_2(out, d);
    out.push_back('T');
    append_2(out, unsigned(rem / 3600));
    out.push_back(':');
    append_2(out, unsigned(rem / 60 % 60));
    out.push_back(':');
    append_2(out, unsigned(rem % 60));
    out.push_back('Z');
    return out;
}

}  // namespace herald::events
