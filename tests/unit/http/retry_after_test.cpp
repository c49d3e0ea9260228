#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

using herald::http::parse_retry_after;

namespace {
constexpr int64_t kDate = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
}

TEST_CASE("Retry-After in seconds is taken as is", "[http][retry-after]") {
    CHECK(parse_retry_after("120", kDate) == 120);
    CHECK(parse_retry_after("0", kDate) == 0);
    CHECK(parse_retry_after(" 5 ", kDate) == 5);
}

TEST_CASE("Retry-After as an HTTP date is a delay from now", "[http][retry-after]") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kDate - 30) == 30);
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", kDate - 60) == 60);
    CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", kDate - 1) == 1);
}

TEST_CASE("Retry-After dates in the past mean no delay", "[http][retry-after]") {
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kDate + 3600) == 0);
}

TEST_CASE("Invalid Retry-After values are rejected", "[http][retry-after]") {
    for (const char* value : {"", "-1", "1.5", "soon", "12abc", "Wed, 99 Foo 2015", "99999999999999999999"}) {
        INFO(value);
        CHECK_FALSE(parse_retry_after(value, kDate).has_value());
    }
}
