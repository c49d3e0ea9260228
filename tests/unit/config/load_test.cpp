// Manifest files and documents: discovery, versions, kinds, metadata, limits.
#include "config_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

using herald::config::LoadResult;

TEST_CASE("Valid multi-document files load for all three notification apiVersions") {
    TempDir config;
    config.write("all.yaml", R"(---
apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Provider
metadata:
  name: old
  namespace: flux-system
spec:
  type: generic
  address: http://sink.local:8080/hook
---
apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Alert
metadata:
  name: old-alert
  namespace: flux-system
spec:
  providerRef:
    name: old
  eventSeverity: error
  eventSources:
    - kind: Kustomization
      name: '*'
  exclusionList: ["^skip"]
  summary: cluster one
---
apiVersion: notification.toolkit.fluxcd.io/v1beta2
kind: Provider
metadata:
  name: teams
spec:
  type: msteams
  address: https://teams.example.com/webhook
  interval: 10m
  timeout: 1m30s
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: gh
  uid: 0d4a1d8e-1111-4222-8333-444455556666
spec:
  type: github
  address: https://github.com/org/repo
  suspend: true
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: new-alert
spec:
  providerRef:
    name: teams
  eventSources:
    - kind: HelmRelease
      name: podinfo
      namespace: apps
      matchLabels:
        team: a
  inclusionList: [".*succeeded.*"]
  eventMetadata:
    cluster: prod
)");
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r);
    REQUIRE(r.ok());
    REQUIRE(r.config.providers.size() == 3);
    REQUIRE(r.config.alerts.size() == 2);

    const auto* old = r.config.find_provider("flux-system", "old");
    REQUIRE(old != nullptr);
    CHECK(old->api_version == "notification.toolkit.fluxcd.io/v1beta1");
    CHECK(old->origin.file == config.file("all.yaml"));
    CHECK(old->origin.document == 1);
    CHECK(old->type == "generic");
    CHECK(old->effective_address == "http://sink.local:8080/hook");
    CHECK(old->timeout_ms == 15000);
    CHECK(old->key() == "flux-system/old");

    const auto* teams = r.config.find_provider("default", "teams");
    REQUIRE(teams != nullptr);
    CHECK(teams->origin.document == 3);
    CHECK(teams->timeout_ms == 90000);
    CHECK(teams->extra.at("interval") == "10m");
    CHECK(teams->uid_derived);
    CHECK(teams->uid == herald::config::derive_uid("default", "teams"));

    const auto* gh = r.config.find_provider("default", "gh");
    REQUIRE(gh != nullptr);
    CHECK(gh->suspend);
    CHECK_FALSE(gh->uid_derived);
    CHECK(gh->uid == "0d4a1d8e-1111-4222-8333-444455556666");

    const auto* old_alert = r.config.find_alert("flux-system", "old-alert");
    REQUIRE(old_alert != nullptr);
    CHECK(old_alert->provider_ref == "old");
    CHECK(old_alert->event_severity == "error");
    REQUIRE(old_alert->event_sources.size() == 1);
    CHECK(old_alert->event_sources[0].name == "*");
    CHECK(old_alert->event_sources[0].ns == "flux-system");
    CHECK(old_alert->exclusion_list == std::vector<std::string>{"^skip"});
    CHECK(old_alert->summary == "cluster one");

    const auto* new_alert = r.config.find_alert("default", "new-alert");
    REQUIRE(new_alert != nullptr);
    CHECK(new_alert->event_severity == "info");
    CHECK(new_alert->event_sources[0].ns == "apps");
    CHECK(new_alert->event_sources[0].match_labels.at("team") == "a");
    CHECK(new_alert->event_metadata.at("cluster") == "prod");
    CHECK(new_alert->origin.document == 5);
}

TEST_CASE("Manifest files are read sorted and recursively, hidden entries skipped, each file once") {
    TempDir config;
    auto provider = [](const std::string& name) {
        return "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: " + name +
               "\nspec:\n  type: generic\n  address: https://example.com/" + name + "\n";
    };
    config.write("b.yaml", provider("b"));
    config.write("a.yml", provider("a"));
    config.write("sub/c.yaml", provider("c"));
    config.write("notes.txt", provider("ignored-txt"));
    config.write(".hidden.yaml", provider("ignored-hidden"));
    config.write(".git/x.yaml", provider("ignored-git"));
    // The ConfigMap volume layout: real files in ..2024/, linked through ..data.
    config.write("..2024_01_01/d.yaml", provider("d"));
    fs::create_directory_symlink("..2024_01_01", config.path() / "..data");
    fs::create_symlink("..data/d.yaml", config.path() / "d.yaml");
    // The same directory linked twice is read once.
    fs::create_directory_symlink("sub", config.path() / "sub-link");

    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r);
    std::vector<std::string> names;
    for (const auto& p : r.config.providers) names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"a", "b", "d", "c"});
    CHECK(r.config.find_provider("default", "d")->origin.file == config.file("d.yaml"));
}

TEST_CASE("Empty documents are skipped but keep their place in the document count") {
    TempDir config;
    config.write("p.yaml", std::string("---\n---\n# only a comment\n---\n") + kSlackProvider +
                               "---\napiVersion: v1\nkind: Secret\n");
    LoadResult r = load_config(config);
    REQUIRE(r.config.providers.size() == 1);
    CHECK(r.config.providers[0].origin.document == 3);
    REQUIRE_ERRORS(r, config.file("p.yaml") + ":4: metadata.name: is required");
}

TEST_CASE("Invalid YAML names the file, the document and the line") {
    TempDir config;
    config.write("bad.yaml", std::string(kSlackProvider) + "---\napiVersion: v1\nkind: [Secret\n");
    LoadResult r = load_config(config);
    auto errors = error_lines(r);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith(config.file("bad.yaml") + ":2: invalid YAML at line 11"));
}

namespace {
// A generic Provider document named p<i>, 7 lines with its marker.
std::string numbered_provider(int i) {
    return "---\napiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: p" +
           std::to_string(i) + "\nspec:\n  type: generic\n  address: http://127.0.0.1:9/\n";
}
}  // namespace

TEST_CASE("A file with hundreds of documents loads with the same document numbers as a small one") {
    // Large files are parsed in parts on two threads; numbering must not notice.
    TempDir config;
    std::string text = "# a comment before the first marker is not a document\n";
    for (int i = 0; i < 300; ++i) text += (i == 100 ? "---\n" : "") + numbered_provider(i);
    config.write("many.yaml", text);
    LoadResult r = load_config(config);
    REQUIRE(r.config.providers.size() == 300);
    CHECK(r.config.find_provider("default", "p0")->origin.document == 1);
    CHECK(r.config.find_provider("default", "p99")->origin.document == 100);
    CHECK(r.config.find_provider("default", "p100")->origin.document == 102);  // after the empty one
    CHECK(r.config.find_provider("default", "p299")->origin.document == 301);
}

TEST_CASE("Invalid YAML deep in a large file names its document and line") {
    TempDir config;
    std::string text;
    for (int i = 0; i < 200; ++i) text += i == 150 ? std::string("---\nkind: [Provider\n") : numbered_provider(i);
    config.write("many.yaml", text);
    LoadResult r = load_config(config);
    auto errors = error_lines(r);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith(config.file("many.yaml") + ":151: invalid YAML at line 1203"));
}

TEST_CASE("Manifests given as texts load as files of those names would") {
    herald::config::LoadOptions options;
    options.manifest_texts.emplace_back("given.yaml", std::string(kSlackProvider) + "---\nkind: [Secret\n");
    LoadResult r = herald::config::load(options);
    auto errors = error_lines(r);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("given.yaml:2: invalid YAML"));
    options.manifest_texts = {{"ok.yaml", kSlackProvider}};
    LoadResult ok = herald::config::load(options);
    REQUIRE(ok.config.providers.size() == 1);
    CHECK(ok.config.providers[0].origin.file == "ok.yaml");
}

TEST_CASE("A stray flow indicator where a document starts is an error, not a stall") {
    // yaml-cpp 0.7's LoadAll loops for ever on these (found by fuzz_config_load).
    for (const char* text : {",\n", " , plain text\n", "---\n,\n"}) {
        herald::config::LoadOptions options;
        options.manifest_texts = {{"m.yaml", text}};
        auto errors = error_lines(herald::config::load(options));
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::Contains("no YAML node where the document starts"));
    }
    herald::config::LoadOptions options;
    options.manifest_texts = {{"m.yaml", std::string(kSlackProvider) + "---\n, x\n"}};
    auto errors = error_lines(herald::config::load(options));
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("m.yaml:2: invalid YAML at line 9"));
}

TEST_CASE("Streams with end markers and directives are split into documents too") {
    auto load_text = [](const std::string& text) {
        herald::config::LoadOptions options;
        options.manifest_texts = {{"m.yaml", text}};
        return herald::config::load(options);
    };
    // A stray ',' after an end marker looped yaml-cpp's LoadAll as well.
    auto errors = error_lines(load_text(std::string(kSlackProvider) + "...\n,\n"));
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("m.yaml:2: invalid YAML at line 9"));
    CHECK_THAT(errors[0], Catch::Contains("no YAML node where the document starts"));

    // Directives and comments before `---` stay with the document they
    // precede; `...` lines with nothing before them start no document.
    std::string provider(kSlackProvider);
    LoadResult r = load_text("# head\n%YAML 1.2\n---\n" + provider + "...\n\n...\n\n# between\n%YAML 1.2\n---\n" +
                             std::regex_replace(provider, std::regex("name: slack"), "name: second") +
                             "...\n# tail\n");
    CHECK(error_lines(r).empty());
    REQUIRE(r.config.providers.size() == 2);
    CHECK(r.config.providers[0].origin.document == 1);
    CHECK(r.config.providers[1].origin.document == 2);

    // A directive after a document's content ends that document, as
    // yaml-cpp's scanner reads it (YAML::Load alone would drop the rest).
    r = load_text(provider + "%YAML 1.2\n---\n" +
                  std::regex_replace(provider, std::regex("name: slack"), "name: second"));
    CHECK(error_lines(r).empty());
    REQUIRE(r.config.providers.size() == 2);
    CHECK(r.config.providers[1].origin.document == 2);
}

TEST_CASE("Every document yaml-cpp reads is kept, and a quote left open before `---` is an error") {
    auto load_text = [](const std::string& text) {
        herald::config::LoadOptions options;
        options.manifest_texts = {{"m.yaml", text}};
        return herald::config::load(options);
    };
    // yaml-cpp ends the sequence's document where the mapping starts: two
    // documents, the first one refused, none dropped.
    LoadResult r = load_text("- a\n" + std::string(kSlackProvider));
    auto errors = error_lines(r);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("m.yaml:1:"));
    REQUIRE(r.config.providers.size() == 1);
    CHECK(r.config.providers[0].origin.document == 2);

    errors = error_lines(load_text("kind: Provider\nmetadata:\n  name: \"open\n---\n" + std::string(kSlackProvider)));
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Catch::StartsWith("m.yaml:1: invalid YAML at line 4, column 1: illegal document indicator"));
}

TEST_CASE("Inputs the fuzzer found load to diagnostics, without stalling") {
    // Each once made yaml-cpp 0.7 loop for ever; ctest's timeout catches a
    // return of that.
    const std::filesystem::path dir = HERALD_FUZZ_REGRESSIONS "/fuzz_config_load";
    int replayed = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        herald::config::LoadOptions options;
        options.manifest_texts = {{entry.path().filename().string(), text}};
        INFO(entry.path());
        CHECK_FALSE(error_lines(herald::config::load(options)).empty());
        ++replayed;
    }
    CHECK(replayed >= 2);
}

TEST_CASE("A manifest file above 4 MiB is refused with a clear message") {
    TempDir config;
    config.write("big.yaml", "# " + std::string(4 * 1024 * 1024, 'x') + "\n");
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r, config.file("big.yaml") + ": file is 4194307 bytes, above the 4 MiB limit for a manifest file");
}

TEST_CASE("A file with more than 10000 documents is refused") {
    TempDir config;
    std::string text;
    for (int i = 0; i < 10001; ++i) text += "---\na: 1\n";
    config.write("many.yaml", text);
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r, config.file("many.yaml") + ": file has 10001 YAML documents, above the limit of 10000");
}

TEST_CASE("Unsupported kinds and apiVersions are errors") {
    TempDir config;
    config.write("k.yaml", R"(apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: x}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Provider
metadata: {name: x}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
kind: Provider
---
- a list
)");
    LoadResult r = load_config(config);
    auto f = config.file("k.yaml");
    std::string supported =
        " (supported: Provider and Alert notification.toolkit.fluxcd.io/v1beta1|v1beta2|v1beta3, Secret v1)";
    REQUIRE_ERRORS(r,
                   f + ":1: kind: unsupported kind/apiVersion \"Kustomization\"/\"kustomize.toolkit.fluxcd.io/v1\"" +
                       supported,
                   f + ":2: kind: unsupported kind/apiVersion \"Provider\"/\"notification.toolkit.fluxcd.io/v1\"" +
                       supported,
                   f + ":3: kind: unsupported kind/apiVersion \"ConfigMap\"/\"v1\"" + supported,
                   f + ":4: apiVersion: is required",
                   f + ":5: document must be a YAML map (a Kubernetes object)");
}

TEST_CASE("metadata.name is required and must be a DNS-1123 name; namespace defaults to default") {
    TempDir config;
    config.write("m.yaml", R"(apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  namespace: ops
spec: {type: slack, address: "https://x.example"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: Bad_Name
spec: {type: slack, address: "https://x.example"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: ok.name-1
  namespace: Bad.NS
spec: {type: slack, address: "https://x.example"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: fine
  resourceVersion: "12"
  labels: {a: b}
spec: {type: slack, address: "https://x.example"}
)");
    LoadResult r = load_config(config);
    auto f = config.file("m.yaml");
    REQUIRE_ERRORS(
        r, f + ":1: metadata.name: is required",
        f + ":2: metadata.name: \"Bad_Name\" is not a valid name (lowercase letters, digits, '-' and '.', at most 253)",
        f + ":3: metadata.namespace: \"Bad.NS\" is not a valid namespace (lowercase letters, digits, '-', at most 63)");
    REQUIRE(r.config.providers.size() == 1);
    CHECK(r.config.providers[0].ns == "default");
}

TEST_CASE("A second object with the same kind, namespace and name names the first one") {
    TempDir config;
    config.write("a.yaml", kSlackProvider);
    config.write("b.yaml", std::string("apiVersion: v1\nkind: Secret\nmetadata: {name: slack}\n---\n") + kSlackProvider);
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r, config.file("b.yaml") + ":2: metadata.name: Provider default/slack is already defined at " +
                          config.file("a.yaml") + ":1");
    CHECK(r.config.providers.size() == 1);
}

TEST_CASE("Unknown fields are warnings, not errors") {
    TempDir config;
    config.write("w.yaml", R"(apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: p}
spec:
  type: slack
  address: https://x.example
  nested: {a: b}
extra: 1
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: a}
spec:
  providerRef: {name: p}
  eventSources: [{kind: Bucket, name: b, colour: red}]
  severity: error
status: {conditions: []}
)");
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r);
    auto f = config.file("w.yaml");
    CHECK(warning_lines(r) == std::vector<std::string>{
                                  f + ":1: extra: unknown field, ignored",
                                  f + ":1: spec.nested: unknown field (not a scalar), ignored",
                                  f + ":2: spec.eventSources[0].colour: unknown field, ignored",
                                  f + ":2: spec.severity: unknown field, ignored",
                              });
}

TEST_CASE("Duplicate keys in a map are errors") {
    TempDir config;
    config.write("d.yaml", std::string(kSlackProvider) + "  address: https://other.example\n");
    LoadResult r = load_config(config);
    REQUIRE_ERRORS(r, config.file("d.yaml") + ":1: spec.address: duplicate key");
}

TEST_CASE("A missing config directory is an error") {
    herald::config::LoadOptions options;
    options.config_dir = "/nonexistent/herald-config";
    auto r = herald::config::load(options);
    REQUIRE_ERRORS(r, "/nonexistent/herald-config: config directory does not exist or is not a directory");
}
