// Secrets from manifests (data / stringData) and from a mounted directory.
#include "config_fixture.hpp"

namespace {
std::string provider_with_secret(const std::string& secret, const std::string& ns = "default") {
    return "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: p\n  namespace: " +
           ns + "\nspec:\n  type: slack\n  secretRef:\n    name: " + secret + "\n";
}
}  // namespace

TEST_CASE("Secret data is base64-decoded and stringData wins for the same key") {
    TempDir config;
    // aHR0cHM6Ly9ob29rcy5leGFtcGxlLmNvbS9kYXRh = https://hooks.example.com/data
    config.write("s.yaml", provider_with_secret("hook") + R"(---
apiVersion: v1
kind: Secret
metadata: {name: hook}
type: Opaque
data:
  address: aHR0cHM6Ly9ob29rcy5leGFtcGxlLmNvbS9kYXRh
  token: dG9rZW4tZnJvbS1kYXRh
  blank: ""
stringData:
  token: token-from-stringData
)");
    auto r = load_config(config);
    REQUIRE_ERRORS(r);
    const auto& p = r.config.providers.at(0);
    CHECK(p.effective_address == "https://hooks.example.com/data");
    CHECK(p.secret.at("token") == "token-from-stringData");
    CHECK(p.secret.at("blank").empty());
}

TEST_CASE("Invalid base64 and bad key names in a Secret are errors naming the key") {
    TempDir config;
    config.write("s.yaml", R"(apiVersion: v1
kind: Secret
metadata: {name: hook}
data:
  token: "not base64!"
  short: YWJj=
  "bad/key": YWJj
  list: [a]
)");
    auto r = load_config(config);
    auto f = config.file("s.yaml");
    REQUIRE_ERRORS(r, f + ":1: data.token: invalid base64", f + ":1: data.short: invalid base64",
                   f + ":1: data.bad/key: invalid key name (letters, digits, '-', '_' and '.' only)",
                   f + ":1: data.list: must be a string");
}

TEST_CASE("Mounted secrets are read from DIR/namespace/name/key and override manifest keys") {
    TempDir config, secrets;
    config.write("p.yaml", provider_with_secret("hook", "flux-system") + R"(---
apiVersion: v1
kind: Secret
metadata: {name: hook, namespace: flux-system}
stringData:
  address: https://from-manifest.example
  channel: from-manifest
)");
    secrets.write("flux-system/hook/address", "https://from-mount.example/hook\n");
    secrets.write("flux-system/hook/token", "mounted-token");
    secrets.write("flux-system/hook/.hidden", "ignored");
    // The Kubernetes secret volume layout: keys linked into ..data.
    secrets.write("flux-system/other/..2024_01_01/token", "linked-token");
    fs::create_directory_symlink("..2024_01_01", secrets.path() / "flux-system/other/..data");
    fs::create_symlink("..data/token", secrets.path() / "flux-system/other/token");

    auto r = load_config(config, &secrets);
    REQUIRE_ERRORS(r);
    const auto& p = r.config.providers.at(0);
    CHECK(p.effective_address == "https://from-mount.example/hook");
    CHECK(p.secret.at("channel") == "from-manifest");
    CHECK(p.secret.at("token") == "mounted-token");
    CHECK(p.secret.count(".hidden") == 0);
    CHECK(p.secret.size() == 3);

    config.write("q.yaml", R"(apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: q, namespace: flux-system}
spec:
  type: slack
  address: https://x.example
  secretRef: {name: other}
)");
    auto r2 = load_config(config, &secrets);
    REQUIRE_ERRORS(r2);
    const auto* q = r2.config.find_provider("flux-system", "q");
    CHECK(q->secret == herald::config::SecretData{{"token", "linked-token"}});
}

TEST_CASE("A mounted credential ending in a newline is kept and warned about") {
    TempDir config, secrets;
    config.write("p.yaml", provider_with_secret("hook") + "  address: https://x.example\n");
    secrets.write("default/hook/token", "echoed-token\n");
    auto r = load_config(config, &secrets);
    REQUIRE_ERRORS(r);
    CHECK(r.config.providers.at(0).secret.at("token") == "echoed-token\n");
    CHECK(warning_lines(r) ==
          std::vector<std::string>{(secrets.path() / "default/hook").string() +
                                   ": secret.token: value ends with a newline, which is kept (mounted files are used "
                                   "byte for byte)"});
}

TEST_CASE("A missing secrets directory is an error") {
    TempDir config;
    config.write("p.yaml", kSlackProvider);
    herald::config::LoadOptions options;
    options.config_dir = config.path();
    options.secrets_dir = config.path() / "nope";
    auto r = herald::config::load(options);
    REQUIRE_ERRORS(r, (config.path() / "nope").string() + ": secrets directory does not exist or is not a directory");
}
