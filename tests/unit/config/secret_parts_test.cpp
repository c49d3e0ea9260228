// Secret-leak audit regressions: parts of secret values a receiver can echo
// back on their own must be masked too.
#include <herald/config/config.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

using namespace herald::config;

namespace {
bool has(const std::vector<std::string>& values, const std::string& v) {
    return std::find(values.begin(), values.end(), v) != values.end();
}
}  // namespace

TEST_CASE("The path and query of a secret address are sensitive on their own") {
    Provider p;
    p.secret = {{"address", "https://hooks.example/services/T0/B0/secret-path?token=secret-query&x=1"}};
    p.effective_address = p.secret["address"];
    auto values = sensitive_values(p);
    CHECK(has(values, "/services/T0/B0/secret-path?token=secret-query&x=1"));
    CHECK(has(values, "/services/T0/B0/secret-path"));
    CHECK(has(values, "token=secret-query&x=1"));
    CHECK(has(values, "secret-query"));
    CHECK_FALSE(has(values, "1"));  // too short to name anything

    Provider spec_address;  // from spec.address: not a secret
    spec_address.effective_address = "https://hooks.example/services/public";
    CHECK(sensitive_values(spec_address).empty());
}

TEST_CASE("The user name of a proxy URL from a Secret is sensitive") {
    Provider p;
    p.secret = {{"proxy", "http://proxy-user:proxy-pass@proxy:3128"}};
    p.effective_proxy = p.secret["proxy"];
    auto values = sensitive_values(p);
    CHECK(has(values, "proxy-user"));
    CHECK(has(values, "proxy-pass"));
}

namespace {
// Loads one manifest file from a fresh temp dir.
LoadResult load_text(const std::string& yaml) {
    static std::atomic<int> counter{0};
    auto dir = std::filesystem::temp_directory_path() /
               ("herald-secret-parts-" + std::to_string(std::random_device{}()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "m.yaml", std::ios::binary) << yaml;
    LoadOptions options;
    options.config_dir = dir;
    auto result = load(options);
    std::filesystem::remove_all(dir);
    return result;
}

std::string headers_secret(const std::string& headers_yaml_scalar) {
    return "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
           "metadata: {name: p, namespace: default}\n"
           "spec: {type: generic, address: 'https://example.invalid/hook', secretRef: {name: s}}\n"
           "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\n"
           "stringData:\n  headers: " + headers_yaml_scalar + "\n";
}
}  // namespace

// Found by fuzz_secret_data: a header name from the Secret was quoted in the
// "contains a line break" diagnostic, so a malformed headers value leaked.
TEST_CASE("Header names from a Secret are never quoted in diagnostics") {
    auto line_break = load_text(headers_secret(
        "\"SECRET-CANARY-7f3e91Q\\xd2\\xbe\\x8fi)-<<<y\\x91: av\\ra\\xff\\x7f\\xfdv\\ra2]\\x01\\x01\\ncSecret f\\n\""));
    REQUIRE_FALSE(line_break.ok());
    auto duplicate = load_text(headers_secret("\"{SECRET-CANARY-dup: 1, SECRET-CANARY-dup: 2}\""));
    REQUIRE_FALSE(duplicate.ok());
    auto not_string = load_text(headers_secret("\"{SECRET-CANARY-map: {a: b}}\""));
    REQUIRE_FALSE(not_string.ok());
    for (const auto* r : {&line_break, &duplicate, &not_string})
        for (const auto& d : r->problems) CHECK(d.str().find("SECRET-CANARY") == std::string::npos);
}
