#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace herald::plugin_host;
using namespace herald::plugin_host::test;

namespace {

bool has_diag(const std::vector<Diag>& diags, Level level, const std::string& field, const std::string& message) {
    for (const auto& d : diags)
        if (d.level == level && d.field == field && d.message == message) return true;
    return false;
}

const Diag* diag_for(const std::vector<Diag>& diags, const std::string& field) {
    for (const auto& d : diags)
        if (d.field == field) return &d;
    return nullptr;
}

}  // namespace

TEST_CASE("Validation reports required spec fields and secret keys missing from the schema") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.address.clear();
    s.secrets.clear();
    auto diags = env.registry->validate(s);
    CHECK(has_errors(diags));
    CHECK(has_diag(diags, Level::Error, "spec.address", "required"));
    CHECK(has_diag(diags, Level::Error, "secret.token", "required"));
    CHECK(diags.size() == 2);
}

TEST_CASE("Validation of a complete Provider has no diagnostics") {
    Loaded env({"good.so"});
    CHECK(env.registry->validate(echo_settings()).empty());
}

TEST_CASE("Validation checks int, bool, duration and url kinds") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.address = "hooks.example.com/no-scheme";
    s.fields = {{"count", "twelve"}, {"verbose", "yes"}, {"interval", "1h"}};
    auto diags = env.registry->validate(s);
    REQUIRE(diag_for(diags, "spec.address"));
    CHECK_THAT(diag_for(diags, "spec.address")->message, Catch::StartsWith("must be an absolute http:// or https:// URL"));
    REQUIRE(diag_for(diags, "spec.count"));
    CHECK(diag_for(diags, "spec.count")->message == "must be an integer, got \"twelve\"");
    REQUIRE(diag_for(diags, "spec.verbose"));
    CHECK_THAT(diag_for(diags, "spec.verbose")->message, Catch::StartsWith("must be true or false"));
    REQUIRE(diag_for(diags, "spec.interval"));
    CHECK_THAT(diag_for(diags, "spec.interval")->message, Catch::StartsWith("must be a duration"));

    s = echo_settings();
    s.fields = {{"count", "-3"}, {"verbose", "True"}, {"interval", "1.5m30s500ms"}};
    CHECK_FALSE(has_errors(env.registry->validate(s)));
}

TEST_CASE("Validation warns about unknown and deprecated fields without failing") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.fields = {{"colour", "blue"}, {"old", "x"}};
    auto diags = env.registry->validate(s);
    CHECK_FALSE(has_errors(diags));
    CHECK(has_diag(diags, Level::Warning, "spec.colour", "unknown field for type \"test-echo\"; ignored"));
    CHECK(has_diag(diags, Level::Warning, "spec.old", "deprecated; still accepted"));
}

TEST_CASE("A type whose secret key is optional validates without the Secret") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.type = "test-two-step";
    s.address = "https://api.example.com";
    s.secrets.clear();
    auto diags = env.registry->validate(s);
    CHECK(diags.empty());
}

TEST_CASE("The plugin's own diagnostics come back with secret values masked") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings("tok-123456");
    s.channel = "reject";
    auto diags = env.registry->validate(s);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].level == Level::Error);
    CHECK(diags[0].field == "spec.channel");
    CHECK(diags[0].message == "channel rejected; token is *****");

    auto created = env.registry->create(s);
    CHECK_FALSE(created.instance);
    REQUIRE(created.diags.size() == 1);
    CHECK(created.diags[0].message == "channel rejected; token is *****");
}

TEST_CASE("Plugin warnings during create are returned with the instance") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.channel = "warn";
    auto created = env.registry->create(s);
    REQUIRE(created.instance);
    CHECK(has_diag(created.diags, Level::Warning, "spec.channel", "channel is odd"));
}

TEST_CASE("A plugin without validate is validated by create and destroy") {
    Loaded env({"c_plugin.so"});
    ProviderSettings s;
    s.type = "test-c";
    s.address = "https://c.example.com";
    s.channel = "reject";
    auto diags = env.registry->validate(s);
    CHECK(has_diag(diags, Level::Error, "spec.channel", "rejected by create"));

    s.channel = "fine";
    CHECK(env.registry->validate(s).empty());
    CHECK(env.log.count("io.herald.test.c: create") == 1);
    CHECK(env.log.count("io.herald.test.c: destroy") == 1);
}

TEST_CASE("An instance's destructor calls the plugin's destroy exactly once") {
    Loaded env({"c_plugin.so"});
    ProviderSettings s;
    s.type = "test-c";
    s.address = "https://c.example.com";
    auto created = env.registry->create(s);
    REQUIRE(created.instance);
    CHECK(created.instance->plugin_id() == "io.herald.test.c");
    CHECK(created.instance->ordered());
    auto second_owner = created.instance;
    created.instance.reset();
    CHECK(env.log.count("destroy") == 0);
    second_owner.reset();
    CHECK(env.log.count("destroy") == 1);
}

TEST_CASE("Creating a Provider of a type nobody serves fails with a spec.type diagnostic") {
    Loaded env({"good.so"});
    ProviderSettings s = echo_settings();
    s.type = "slack";
    auto created = env.registry->create(s);
    CHECK_FALSE(created.instance);
    CHECK(has_diag(created.diags, Level::Error, "spec.type", "no loaded plugin serves type \"slack\""));
    CHECK(has_diag(env.registry->validate(s), Level::Error, "spec.type", "no loaded plugin serves type \"slack\""));
}

TEST_CASE("Schema errors stop creation before the plugin is called") {
    Loaded env({"c_plugin.so"});
    ProviderSettings s;
    s.type = "test-c";
    auto created = env.registry->create(s);
    CHECK_FALSE(created.instance);
    CHECK(has_diag(created.diags, Level::Error, "spec.address", "required"));
    CHECK(env.log.count("create") == 0);
}
