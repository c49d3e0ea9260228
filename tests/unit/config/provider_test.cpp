// Provider spec fields and the secrets they reference.
#include "config_fixture.hpp"

using herald::config::LoadResult;

namespace {

std::string provider_doc(const std::string& spec_lines, const std::string& name = "p") {
    return "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\nmetadata:\n  name: " + name +
           "\nspec:\n" + spec_lines;
}

std::string secret_doc(const std::string& name, const std::string& string_data_lines) {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name + "\nstringData:\n" + string_data_lines;
}

// Loads one file "p.yaml" holding `docs`.
LoadResult load_one(TempDir& config, const std::string& docs, std::function<bool(std::string_view)> known = {}) {
    config.write("p.yaml", docs);
    return load_config(config, nullptr, std::move(known));
}

}  // namespace

TEST_CASE("Provider type is required and must be served by a loaded plugin") {
    TempDir config;
    auto r = load_one(config,
                      provider_doc("  address: https://x.example\n") + "---\n" +
                          provider_doc("  type: carrier-pigeon\n  address: https://x.example\n", "q") + "---\n" +
                          provider_doc("  type: slack\n  address: https://x.example\n", "s"),
                      [](std::string_view t) { return t == "slack"; });
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(r, f + ":1: spec.type: is required",
                   f + ":2: spec.type: unknown provider type \"carrier-pigeon\" (no loaded plugin serves it)");
}

TEST_CASE("Provider address and proxy must be http(s) URLs within 2048 characters") {
    TempDir config;
    std::string long_url = "https://x.example/" + std::string(2040, 'a');
    auto r = load_one(config, provider_doc("  type: generic\n  address: ftp://x.example/\n") + "---\n" +
                                  provider_doc("  type: generic\n  address: https://x.example\n  proxy: "
                                               "proxy.local:3128\n",
                                               "b") +
                                  "---\n" + provider_doc("  type: generic\n  address: " + long_url + "\n", "c") +
                                  "---\n" + provider_doc("  type: generic\n  address: 'https://'\n", "d") + "---\n" +
                                  provider_doc("  type: generic\n  address: https://x.example\n  channel: '" +
                                                   std::string(2049, 'c') + "'\n",
                                               "e"));
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(r, f + ":1: spec.address: must start with http:// or https://",
                   f + ":2: spec.proxy: must start with http:// or https://",
                   f + ":3: spec.address: is 2058 characters, above the limit of 2048",
                   f + ":4: spec.address: is not a valid URL (no host)",
                   f + ":5: spec.channel: is 2049 characters, above the limit of 2048");
}

TEST_CASE("Provider timeout follows the Flux duration pattern") {
    TempDir config;
    auto r = load_one(config, provider_doc("  type: slack\n  address: https://x.example\n  timeout: 500ms\n") +
                                  "---\n" +
                                  provider_doc("  type: slack\n  address: https://x.example\n  timeout: 1h\n", "b") +
                                  "---\n" +
                                  provider_doc("  type: slack\n  address: https://x.example\n  timeout: 0s\n", "c") +
                                  "---\n" +
                                  provider_doc("  type: slack\n  address: https://x.example\n  suspend: maybe\n", "d"));
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(
        r, f + ":2: spec.timeout: \"1h\" is not a duration like 15s, 500ms or 1m30s (units ms, s, m; above 0)",
        f + ":3: spec.timeout: \"0s\" is not a duration like 15s, 500ms or 1m30s (units ms, s, m; above 0)",
        f + ":4: spec.suspend: must be true or false");
    CHECK(r.config.find_provider("default", "p")->timeout_ms == 500);
}

TEST_CASE("Provider scalar spec fields unknown to the core are kept for the plugin schema") {
    TempDir config;
    auto r = load_one(config, provider_doc("  type: github\n  address: https://github.com/o/r\n"
                                           "  serviceAccountName: sa\n  commitStatusExpr: \"'x'\"\n  retries: 3\n"));
    REQUIRE_ERRORS(r);
    const auto& extra = r.config.providers.at(0).extra;
    CHECK(extra.size() == 3);
    CHECK(extra.at("serviceAccountName") == "sa");
    CHECK(extra.at("commitStatusExpr") == "'x'");
    CHECK(extra.at("retries") == "3");
    CHECK(r.warnings().empty());
}

TEST_CASE("A Provider needs an address from spec or from its secret") {
    TempDir config;
    auto r = load_one(config, provider_doc("  type: slack\n") + "---\n" +
                                  provider_doc("  type: slack\n  secretRef:\n    name: hook\n", "b") + "---\n" +
                                  secret_doc("hook", "  token: t0k3n-value\n") + "---\n" +
                                  provider_doc("  type: slack\n  secretRef:\n    name: missing\n", "c") + "---\n" +
                                  provider_doc("  type: slack\n  secretRef: {}\n", "d"));
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(r, f + ":5: spec.secretRef.name: is required",
                   f + ":1: spec.address: no address found in spec.address (and no spec.secretRef)",
                   f + ":2: spec.address: no address found in spec.address nor in secret hook",
                   f + ":4: spec.secretRef.name: secret \"missing\" not found in namespace \"default\"",
                   f + ":5: spec.address: no address found in spec.address (and no spec.secretRef)");
}

TEST_CASE("The secret's address, proxy and username win over spec, address trimmed") {
    TempDir config;
    auto r = load_one(config,
                      provider_doc("  type: slack\n  address: https://spec.example\n  proxy: http://spec-proxy:3128\n"
                                   "  username: spec-user\n  secretRef:\n    name: hook\n") +
                          "---\n" +
                          secret_doc("hook", "  address: \"  https://hooks.example.com/SECRETPATH \\n\"\n"
                                             "  proxy: http://secret-proxy:3128\n  username: bot\n"
                                             "  password: hunter22\n  token: xoxb-123\n") +
                          "---\n" + provider_doc("  type: slack\n  address: https://spec.example\n", "plain"));
    REQUIRE_ERRORS(r);
    const auto* p = r.config.find_provider("default", "p");
    CHECK(p->address == "https://spec.example");
    CHECK(p->effective_address == "https://hooks.example.com/SECRETPATH");
    CHECK(p->effective_proxy == "http://secret-proxy:3128");
    CHECK(p->effective_username == "bot");
    CHECK(*p->secret_value("token") == "xoxb-123");
    CHECK(p->secret_value("nope") == nullptr);
    const auto* plain = r.config.find_provider("default", "plain");
    CHECK(plain->effective_proxy.empty());  // "" = use the environment
    CHECK(plain->effective_username.empty());
    CHECK(plain->secret.empty());
}

TEST_CASE("proxySecretRef wins over the secret proxy and spec.proxy") {
    TempDir config;
    auto r = load_one(config,
                      provider_doc("  type: generic\n  address: https://x.example\n  proxy: http://spec-proxy:1\n"
                                   "  secretRef: {name: s}\n  proxySecretRef: {name: px}\n") +
                          "---\n" + secret_doc("s", "  proxy: http://secret-proxy:2\n") + "---\n" +
                          secret_doc("px", "  address: http://best-proxy:3\n  username: pu\n  password: proxypass9\n") +
                          "---\n" + provider_doc("  type: generic\n  address: https://x.example\n  proxySecretRef: "
                                                 "{name: empty}\n",
                                                 "b") +
                          "---\n" + secret_doc("empty", "  username: pu\n"));
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(r, f + ":4: spec.proxySecretRef: secret empty: the key address is required");
    const auto* p = r.config.find_provider("default", "p");
    CHECK(p->effective_proxy == "http://best-proxy:3");
    CHECK(p->proxy_username == "pu");
    CHECK(p->proxy_password == "proxypass9");
}

TEST_CASE("Secret keys of a Provider are validated without printing their values") {
    TempDir config;
    auto r = load_one(config,
                      provider_doc("  type: generic\n  secretRef: {name: s1}\n", "a") + "---\n" +
                          secret_doc("s1", "  address: not-a-url-SECRET1\n") + "---\n" +
                          provider_doc("  type: generic\n  address: https://x.example\n  secretRef: {name: s2}\n",
                                       "b") +
                          "---\n" + secret_doc("s2", "  password: SECRET2pass\n") + "---\n" +
                          provider_doc("  type: generic\n  address: https://x.example\n  secretRef: {name: s3}\n",
                                       "c") +
                          "---\n" + secret_doc("s3", "  headers: \"[SECRET3, list]\"\n") + "---\n" +
                          provider_doc("  type: generic\n  address: https://x.example\n  secretRef: {name: s4}\n",
                                       "d") +
                          "---\n" + secret_doc("s4", "  headers: \"X-Token: {SECRET4\"\n") + "---\n" +
                          provider_doc("  type: generic\n  address: https://x.example\n  secretRef: {name: s5}\n",
                                       "e") +
                          "---\n" + secret_doc("s5", "  headers: \"X-Token: \\\"SECRET5\\\\r\\\\nX-Evil: 1\\\"\"\n") +
                          "---\n" + secret_doc("s6", "  headers: |\n    Authorization: Bearer SECRET6\n    X-A: b\n") +
                          "---\n" +
                          provider_doc("  type: generic\n  address: https://x.example\n  secretRef: {name: s6}\n",
                                       "f"));
    auto f = config.file("p.yaml");
    auto errors = error_lines(r);
    REQUIRE_ERRORS(
        r, f + ":1: secret.address: secret s1: address must start with http:// or https://",
        f + ":3: spec.secretRef: secret s2: username and password must be set together",
        f + ":5: secret.headers: secret s3: headers must be a map of string to string",
        f + ":7: secret.headers: secret s4: headers is not valid YAML (line 1: end of map flow not found)",
        f + ":9: secret.headers: secret s5: a header value contains a line break");
    for (const auto& d : r.problems) CHECK(d.str().find("SECRET") == std::string::npos);
    const auto* p = r.config.find_provider("default", "f");
    CHECK(p->headers == std::map<std::string, std::string>{{"Authorization", "Bearer SECRET6"}, {"X-A", "b"}});
}

TEST_CASE("certSecretRef needs a CA that parses and/or a matching client pair") {
    TempDir config;
    auto ca = read_test_data("ca.crt");
    auto cert = read_test_data("client.crt");
    auto key = read_test_data("client.key");
    auto other_key = read_test_data("other.key");
    REQUIRE(!ca.empty());
    auto provider = [](const std::string& name, const std::string& secret) {
        return provider_doc("  type: generic\n  address: https://x.example\n  certSecretRef: {name: " + secret + "}\n",
                            name);
    };
    auto r = load_one(
        config,
        provider("ok", "tls") + "---\n" +
            secret_doc("tls", "  ca.crt: |\n" + indent(ca, 4) + "  tls.crt: |\n" + indent(cert, 4) + "  tls.key: |\n" +
                                  indent(key, 4)) +
            "---\n" + provider("legacy", "legacy") + "---\n" + secret_doc("legacy", "  caFile: |\n" + indent(ca, 4)) +
            "---\n" + provider("empty", "empty") + "---\n" + secret_doc("empty", "  other: x\n") + "---\n" +
            provider("badca", "badca") + "---\n" + secret_doc("badca", "  ca.crt: not a pem\n") + "---\n" +
            provider("half", "half") + "---\n" + secret_doc("half", "  tls.crt: |\n" + indent(cert, 4)) + "---\n" +
            provider("mismatch", "mismatch") + "---\n" +
            secret_doc("mismatch", "  tls.crt: |\n" + indent(cert, 4) + "  tls.key: |\n" + indent(other_key, 4)) +
            "---\n" + provider("broken", "broken") + "---\n" +
            secret_doc("broken", "  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    AAAA\n    -----END CERTIFICATE-----\n") +
            "---\n" + provider("nosecret", "gone"));
    auto f = config.file("p.yaml");
    REQUIRE_ERRORS(
        r, f + ":5: certSecret: secret empty: no ca.crt (or caFile) nor tls.crt/tls.key found",
        f + ":7: certSecret.ca.crt: secret badca: ca.crt contains no PEM certificate (-----BEGIN CERTIFICATE-----)",
        f + ":9: certSecret: secret half: tls.crt and tls.key must be set together",
        f + ":11: certSecret.tls.crt: secret mismatch: the client key does not match the client certificate",
        f + ":13: certSecret.ca.crt: secret broken: ca.crt certificate 1 of 1 does not parse",
        f + ":15: spec.certSecretRef.name: secret \"gone\" not found in namespace \"default\"");
    const auto* ok = r.config.find_provider("default", "ok");
    CHECK(ok->ca_pem == ca);
    CHECK(ok->client_cert_pem == cert);
    CHECK(ok->client_key_pem == key);
    CHECK(r.config.find_provider("default", "legacy")->ca_pem == ca);
    for (const auto& line : error_lines(r)) { CHECK(line.find("MII") == std::string::npos); CHECK(line.find("MIG") == std::string::npos); }  // no PEM body
}

TEST_CASE("Without certSecretRef the CA and client pair come from the secretRef secret") {
    TempDir config;
    auto ca = read_test_data("ca.crt");
    auto r = load_one(config, provider_doc("  type: gitlab\n  address: https://gitlab.local/g/r\n  secretRef: {name: "
                                           "s}\n") +
                                  "---\n" + secret_doc("s", "  token: abc\n  ca.crt: |\n" + indent(ca, 4)));
    REQUIRE_ERRORS(r);
    CHECK(r.config.providers.at(0).ca_pem == ca);
}

TEST_CASE("A blank address in the secret overrides spec.address and leaves no address") {
    TempDir config;
    auto r = load_one(config, provider_doc("  type: slack\n  address: https://spec.example\n  secretRef: {name: s}\n") +
                                  "---\n" + secret_doc("s", "  address: \"  \"\n"));
    REQUIRE_ERRORS(r, config.file("p.yaml") + ":1: spec.address: no address found in spec.address nor in secret s");
}

TEST_CASE("The v1beta1 examples of the Flux documentation load") {
    TempDir config;
    config.write("flux.yaml", R"(apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Provider
metadata:
  name: slack
  namespace: default
spec:
  type: slack
  channel: general
  # webhook address (ignored if secretRef is specified)
  address: https://hooks.slack.com/services/YOUR/SLACK/WEBHOOK
  # HTTP(S) proxy (optional)
  proxy: https://proxy.corp:8080
  # secret containing the webhook address (optional)
  secretRef:
    name: webhook-url
---
apiVersion: v1
kind: Secret
metadata:
  name: webhook-url
  namespace: default
stringData:
  address: https://hooks.slack.com/services/REAL/SLACK/WEBHOOK
---
apiVersion: notification.toolkit.fluxcd.io/v1beta1
kind: Alert
metadata:
  name: on-call-webapp
  namespace: default
spec:
  providerRef:
    name: slack
  eventSeverity: info
  eventSources:
    - kind: GitRepository
      name: '*'
    - kind: Kustomization
      name: webapp-backend
      namespace: default
  exclusionList:
    - "waiting.*socket"
  suspend: false
)");
    auto r = load_config(config);
    REQUIRE_ERRORS(r);
    CHECK(r.warnings().empty());
    const auto* p = r.config.find_provider("default", "slack");
    CHECK(p->effective_address == "https://hooks.slack.com/services/REAL/SLACK/WEBHOOK");
    CHECK(p->effective_proxy == "https://proxy.corp:8080");
    CHECK(p->channel == "general");
    CHECK(r.config.alerts.at(0).event_sources.size() == 2);
}
