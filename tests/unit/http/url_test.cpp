#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

using herald::http::redact_url;

TEST_CASE("Redaction masks the userinfo password and every query value", "[http][url]") {
    CHECK(redact_url("https://user:hunter2@example.com/path?token=abc&flag&b=2") ==
          "https://user:xxxxx@example.com/path?token=xxxxx&flag&b=xxxxx");
    CHECK(redact_url("http://user@example.com:8080/a") == "http://user@example.com:8080/a");
    CHECK(redact_url("https://example.com") == "https://example.com/");
    CHECK(redact_url("https://[::1]:8443/x?y=z#frag") == "https://[::1]:8443/x?y=xxxxx");
    CHECK(redact_url("not a url") == "<invalid url>");
}

TEST_CASE("Redaction never keeps a password even in odd URLs", "[http][url]") {
    for (const char* url : {"https://a:hunter2@b:hunter2@host/", "http://:hunter2@host/", "https://u:hunter2@host:1/?q=hunter2"}) {
        CHECK(redact_url(url).find("hunter2") == std::string::npos);
    }
}
