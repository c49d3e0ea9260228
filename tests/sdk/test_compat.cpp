// Compatibility within ABI major 1: a plugin built by an older or a newer 1.x
// SDK loads and runs; one that needs a newer host is refused with a reason;
// one plugin's internal errors trip only its own circuit breaker.
#define CATCH_CONFIG_MAIN
#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/provider_instance.hpp>
#include <herald/plugin_host/registry.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace herald::plugin_host;

namespace {

fs::path built(const std::string& file) { return fs::path(SDK_TEST_PLUGIN_DIR) / file; }

// The registry loads each file by path; permissions do not matter here.
std::unique_ptr<PluginRegistry> load(const std::vector<std::string>& files) {
    RegistryOptions options;
    options.allow_insecure = true;
    auto registry = std::make_unique<PluginRegistry>(options);
    for (const auto& f : files) registry->load_file(built(f));
    return registry;
}

std::string refusal_of(const PluginRegistry& r, const std::string& file) {
    for (const auto& refusal : r.refusals())
        if (fs::path(refusal.file).filename() == file) return refusal.reason;
    return "";
}

ProviderSettings settings(std::string type, std::string address = "https://hooks.example.invalid/in") {
    ProviderSettings s;
    s.type = std::move(type);
    s.ns = "flux-system";
    s.name = "compat";
    s.uid = "0c9c2e41-d2f9";
    s.address = std::move(address);
    return s;
}

EventData sample_event() {
    EventData e;
    e.kind = "Kustomization";
    e.ns = "flux-system";
    e.name = "apps";
    e.severity = "info";
    e.timestamp = "2024-05-01T10:00:00Z";
    e.message = "Reconciliation finished";
    e.reason = "ReconciliationSucceeded";
    e.reporting_controller = "kustomize-controller";
    e.canonical_json = R"({"involvedObject":{"kind":"Kustomization"}})";
    return e;
}

Sender ok_sender(std::vector<OutgoingRequest>& seen) {
    return [&seen](const OutgoingRequest& r) {
        seen.push_back(r);
        Reply reply;
        reply.delivered = true;
        reply.status = 200;
        return reply;
    };
}

}  // namespace

TEST_CASE("A plugin whose descriptor predates the last member loads and runs an exchange") {
    auto registry = load({"old_minor.so"});
    INFO(refusal_of(*registry, "old_minor.so"));
    REQUIRE(registry->refusals().empty());
    REQUIRE(registry->serves("compat-old-minor"));
    CHECK(registry->plugins().front()->abi_minor == 0);

    auto created = registry->create(settings("compat-old-minor"));
    REQUIRE(created.instance);
    std::vector<OutgoingRequest> seen;
    auto result = run_exchange(*created.instance, sample_event(), 0, 1000, ok_sender(seen));
    CHECK(result.outcome == Outcome::Delivered);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].url == "https://hooks.example.invalid/in");
    CHECK(seen[0].body == sample_event().canonical_json);
    REQUIRE_FALSE(seen[0].headers.empty());
    CHECK(seen[0].headers[0].name == "X-Compat");
}

TEST_CASE("A plugin built by a newer minor with larger structs loads with its tables read at its stride") {
    auto registry = load({"newer_minor.so"});
    INFO(refusal_of(*registry, "newer_minor.so"));
    REQUIRE(registry->refusals().empty());
    const PluginInfo& info = *registry->plugins().front();
    CHECK(info.abi_minor == HERALD_ABI_MINOR + 1);
    REQUIRE(info.types.size() == 2);
    CHECK(info.types[0].type == "compat-newer-a");
    CHECK(info.types[1].type == "compat-newer-b");
    CHECK(info.types[1].flags == HERALD_TYPE_ORDERED);
    REQUIRE(info.types[0].fields.size() == 2);
    CHECK(info.types[0].fields[1].name == "token");
    CHECK(info.types[0].fields[1].flags == (HERALD_FIELD_SECRET | HERALD_FIELD_SENSITIVE));
    REQUIRE(info.types[1].fields.size() == 2);
    CHECK(info.types[1].fields[1].name == "timeout");
    CHECK(info.types[1].fields[1].kind == HERALD_FIELD_DURATION);

    auto created = registry->create(settings("compat-newer-b"));
    REQUIRE(created.instance);
    CHECK(created.instance->ordered());
    std::vector<OutgoingRequest> seen;
    CHECK(run_exchange(*created.instance, sample_event(), 0, 1000, ok_sender(seen)).outcome == Outcome::Skipped);
}

TEST_CASE("A plugin that needs a newer host minor is refused with a reason saying so") {
    auto registry = load({"needs_minor_1.so", "old_minor.so"});
    CHECK(refusal_of(*registry, "needs_minor_1.so") == "entry returned NULL (plugin needs a newer herald?)");
    CHECK_FALSE(registry->serves("compat-needs-minor-1"));
}

TEST_CASE("One plugin's internal errors fail only its own deliveries") {
    auto registry = load({"misbehaving.so", "newer_minor.so"});
    REQUIRE(registry->serves("check-throws"));
    auto thrower = registry->create(settings("check-throws")).instance;
    auto healthy = registry->create(settings("compat-newer-a")).instance;
    REQUIRE(thrower);
    REQUIRE(healthy);
    std::vector<OutgoingRequest> seen;
    for (uint32_t i = 0; i < kBreakerThreshold; ++i)
        CHECK(run_exchange(*thrower, sample_event(), 0, 1000, ok_sender(seen)).outcome == Outcome::Internal);
    auto refused = run_exchange(*thrower, sample_event(), 0, 2000, ok_sender(seen));
    CHECK(refused.steps == 0);
    CHECK_THAT(refused.error, Catch::StartsWith("circuit open: plugin io.herald.test.misbehaving"));
    // The other plugin keeps delivering while the misbehaving one is cut off.
    CHECK(run_exchange(*healthy, sample_event(), 0, 2000, ok_sender(seen)).outcome == Outcome::Skipped);
    for (const auto& state : registry->breaker_states())
        CHECK(state.open == (state.plugin_id == "io.herald.test.misbehaving"));
}
