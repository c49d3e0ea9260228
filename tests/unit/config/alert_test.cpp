// Alert spec fields and the Provider they reference.
#include "config_fixture.hpp"

namespace {
std::string alert_doc(const std::string& spec_lines, const std::string& name = "a") {
    return "apiVersion: notification.toolkit.fluxcd.io/v1beta2\nkind: Alert\nmetadata:\n  name: " + name +
           "\nspec:\n" + spec_lines;
}
}  // namespace

TEST_CASE("An Alert must name an existing Provider in its own namespace") {
    TempDir config;
    config.write("a.yaml",
                 std::string(kSlackProvider) + "---\n" +
                     alert_doc("  eventSources: [{kind: Bucket, name: b}]\n") + "---\n" +
                     alert_doc("  providerRef: {name: teams}\n  eventSources: [{kind: Bucket, name: b}]\n", "b") +
                     "---\n" +
                     "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Alert\nmetadata: {name: c, "
                     "namespace: other}\nspec:\n  providerRef: {name: slack}\n  eventSources: [{kind: Bucket, name: "
                     "b}]\n" +
                     "---\n" + alert_doc("  providerRef: {name: slack}\n  eventSources: [{kind: Bucket, name: b}]\n",
                                         "ok"));
    auto r = load_config(config);
    auto f = config.file("a.yaml");
    REQUIRE_ERRORS(r, f + ":2: spec.providerRef.name: is required",
                   f + ":3: spec.providerRef.name: provider \"teams\" not found in namespace \"default\"",
                   f + ":4: spec.providerRef.name: provider \"slack\" not found in namespace \"other\"");
    CHECK(r.config.find_alert("default", "ok")->provider_ref == "slack");
}

TEST_CASE("Alert event sources need a kind and a name; namespace defaults to the Alert's") {
    TempDir config;
    config.write("a.yaml", std::string(kSlackProvider) + "---\n" +
                               alert_doc("  providerRef: {name: slack}\n  eventSources: []\n") + "---\n" +
                               alert_doc("  providerRef: {name: slack}\n", "b") + "---\n" +
                               alert_doc("  providerRef: {name: slack}\n  eventSources:\n    - name: x\n    - kind: "
                                         "GitRepository\n    - kind: Bucket\n      name: '*'\n      matchLabels: "
                                         "[1]\n    - just-a-string\n",
                                         "c"));
    auto r = load_config(config);
    auto f = config.file("a.yaml");
    REQUIRE_ERRORS(r,
                   f + ":2: spec.eventSources: must be a non-empty list of {kind, name[, namespace, matchLabels]}",
                   f + ":3: spec.eventSources: must be a non-empty list of {kind, name[, namespace, matchLabels]}",
                   f + ":4: spec.eventSources[0].kind: is required",
                   f + ":4: spec.eventSources[1].name: is required (\"*\" matches any name)",
                   f + ":4: spec.eventSources[2].matchLabels: must be a map of string to string",
                   f + ":4: spec.eventSources[3]: must be a map with kind and name");
}

TEST_CASE("Alert severity, regex lists, metadata, summary and suspend are checked") {
    TempDir config;
    config.write("a.yaml", std::string(kSlackProvider) + "---\n" +
                               alert_doc("  providerRef: {name: slack}\n  eventSources: [{kind: Bucket, name: b}]\n"
                                         "  eventSeverity: warning\n  inclusionList: ['ok', '(unclosed']\n"
                                         "  exclusionList: ['[z-a]']\n  eventMetadata: {a: [1]}\n"
                                         "  summary: {x: 1}\n  suspend: 3\n") +
                               "---\n" +
                               alert_doc("  providerRef: {name: slack}\n  eventSources: [{kind: Bucket, name: b}]\n"
                                         "  eventSeverity: error\n  inclusionList: ['^Reconciliation.*']\n"
                                         "  eventMetadata: {env: prod, region: eu}\n  summary: hello\n"
                                         "  suspend: true\n",
                                         "good"));
    auto r = load_config(config);
    auto f = config.file("a.yaml");
    auto errors = error_lines(r);
    INFO(all_lines(r));
    REQUIRE(errors.size() == 6);
    CHECK(errors[0] == f + ":2: spec.eventSeverity: must be info or error, not \"warning\"");
    CHECK_THAT(errors[1], Catch::StartsWith(f + ":2: spec.inclusionList[1]: invalid regular expression: "));
    CHECK_THAT(errors[2], Catch::StartsWith(f + ":2: spec.exclusionList[0]: invalid regular expression: "));
    CHECK(errors[3] == f + ":2: spec.eventMetadata: must be a map of string to string (the value of \"a\" is not a string)");
    CHECK(errors[4] == f + ":2: spec.summary: must be a string");
    CHECK(errors[5] == f + ":2: spec.suspend: must be true or false");
    const auto* good = r.config.find_alert("default", "good");
    REQUIRE(good != nullptr);
    CHECK(good->event_severity == "error");
    CHECK(good->inclusion_list == std::vector<std::string>{"^Reconciliation.*"});
    CHECK(good->event_metadata.size() == 2);
    CHECK(good->summary == "hello");
    CHECK(good->suspend);
    CHECK(good->key() == "default/good");
}
