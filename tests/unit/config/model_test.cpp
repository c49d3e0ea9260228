// UIDs, durations, diagnostics and the values to mask.
#include "config_fixture.hpp"


using namespace herald::config;

namespace {
// 8-4-4-4-12 lowercase hex, version nibble 5, variant 10xx.
bool is_uuid_v5_shape(const std::string& s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
        if (dash ? s[i] != '-' : !hex) return false;
    }
    return s[14] == '5' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}
}  // namespace

TEST_CASE("Derived UIDs are stable, UUID-shaped, version 5 and differ per object") {
    auto uid = derive_uid("default", "slack");
    CHECK(uid == derive_uid("default", "slack"));
    CHECK(is_uuid_v5_shape(uid));
    CHECK_FALSE(is_uuid_v5_shape("0d4a1d8e-1111-4222-8333-444455556666"));
    CHECK(uid != derive_uid("default", "slack2"));
    CHECK(uid != derive_uid("other", "slack"));
    // "a/b"+"c" and "a"+"b/c" must not collide through the separator either.
    CHECK(derive_uid("a", "b.c") != derive_uid("a.b", "c"));
    // Pinned: SHA-256("herald:default/slack"), so the UID never changes between releases.
    CHECK(uid == "b70669dc-45fd-576d-80f3-6793fab3c497");  // computed independently
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
