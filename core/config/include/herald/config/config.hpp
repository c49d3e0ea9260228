// herald::config: Flux Provider / Alert / Secret manifests (and mounted secrets)
// turned into a validated, immutable model.
//
// `load()` reads every manifest under --config DIR, every mounted secret under
// --secrets DIR, checks each field against the Flux notification API rules
// (reference/providers.md §1.6, §1.7, §2, §4), resolves the secrets each
// Provider references, and returns the model together with every problem
// found. Nothing here throws for bad input: problems are Diagnostics that name
// the file, the YAML document, the field and the reason, and never contain a
// secret value. The manifest reference is core/config/README.md.
#ifndef HERALD_CONFIG_CONFIG_HPP
#define HERALD_CONFIG_CONFIG_HPP

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::config {

// Where a manifest came from. `file` is the path as found under the config
// dir (config_dir / relative path); `document` is 1-based within the file
// (empty documents count, so the number matches the `---` separators a
// reader counts). document == 0 means the whole file (or a mounted secret
// directory).
struct Origin {
    std::string file;
    int document = 0;
};

// One problem found while loading. Warnings do not make the load fail.
struct Diagnostic {
    Origin origin;
    std::string field;    // path like "spec.address", "spec.eventSources[1].kind", "secret.token"; may be empty
    std::string message;  // never contains a secret value
    bool warning = false;

    // "file:document: field: message"; the document part is left out when it
    // is 0 and the field part when the field is empty. Severity is not
    // included (callers print "error:" / "warning:" as they like).
    std::string str() const;
};

// Secret key -> value (decoded bytes, as a string).
using SecretData = std::map<std::string, std::string>;

struct Provider {
    Origin origin;
    std::string api_version;
    std::string ns = "default";
    std::string name;
    // metadata.uid when given; otherwise derive_uid(ns, name) and uid_derived = true.
    std::string uid;
    bool uid_derived = false;

    // spec, as written
    std::string type;
    std::string address;
    std::string channel;
    std::string username;
    std::string proxy;
    uint32_t timeout_ms = 15000;
    bool suspend = false;
    std::optional<std::string> secret_ref;        // spec.secretRef.name
    std::optional<std::string> cert_secret_ref;   // spec.certSecretRef.name
    std::optional<std::string> proxy_secret_ref;  // spec.proxySecretRef.name (v1beta3)
    // Every other scalar spec field, as written (e.g. "interval",
    // "serviceAccountName", "commitStatusExpr", or fields only a plugin
    // knows). The plugin's config schema validates these; this stage does not.
    std::map<std::string, std::string> extra;
    // Retry budget of this Provider's deliveries, from the annotation
    // kRetryForAnnotation; nullopt = the daemon's --retry-for.
    std::optional<uint32_t> retry_for_ms;

    // resolved at load
    SecretData secret;               // contents of the secretRef secret (empty when none)
    std::string effective_address;   // secret "address" (trimmed) wins over spec.address
    // proxySecretRef "address" > secretRef "proxy" > spec.proxy; "" = use the
    // process environment (HTTPS_PROXY/HTTP_PROXY/NO_PROXY).
    std::string effective_proxy;
    // Proxy credentials from proxySecretRef "username"/"password" (empty when
    // none; a proxy URL may also carry user info itself).
    std::string proxy_username;
    std::string proxy_password;
    std::string effective_username;  // secret "username" wins over spec.username
    std::map<std::string, std::string> headers;  // secret key "headers" (a YAML map)
    // PEM CA bundle: certSecretRef ca.crt (or legacy caFile); from the
    // secretRef secret when there is no certSecretRef. It replaces the system
    // roots for this Provider. Empty = system roots.
    std::string ca_pem;
    std::string client_cert_pem;  // tls.crt (legacy certFile), same sources as ca_pem
    std::string client_key_pem;   // tls.key (legacy keyFile)

    // "ns/name"
    std::string key() const;
    // The secretRef value for `key`, or nullptr.
    const std::string* secret_value(std::string_view key) const;
};

// Provider annotation that sets its own retry budget, e.g. "30m" or "2h".
inline constexpr std::string_view kRetryForAnnotation = "herald.io/retry-for";

struct EventSource {
    std::string kind;
    std::string name;  // "*" = any name
    std::string ns;    // defaults to the Alert's namespace
    std::map<std::string, std::string> match_labels;
};

struct Alert {
    Origin origin;
    std::string api_version;
    std::string ns = "default";
    std::string name;
    std::string provider_ref;  // a Provider in the Alert's namespace
    std::vector<EventSource> event_sources;
    std::string event_severity = "info";  // "info" (any event) or "error"
    std::vector<std::string> inclusion_list;  // regexes (unanchored search), all known to compile
    std::vector<std::string> exclusion_list;
    std::map<std::string, std::string> event_metadata;
    std::string summary;
    bool suspend = false;

    std::string key() const;  // "ns/name"
};

struct Config {
    std::vector<Provider> providers;  // in file order (files sorted by path, then document order)
    std::vector<Alert> alerts;

    const Provider* find_provider(std::string_view ns, std::string_view name) const;
    const Alert* find_alert(std::string_view ns, std::string_view name) const;
};

struct LoadOptions {
    std::filesystem::path config_dir;
    // When not empty: the manifest files as (name, text), used instead of
    // reading config_dir (tests and fuzzing; names appear in diagnostics).
    std::vector<std::pair<std::string, std::string>> manifest_texts;
    std::optional<std::filesystem::path> secrets_dir;
    // Is a provider type served by a loaded plugin? Empty = accept every type.
    std::function<bool(std::string_view)> known_type;
};

struct LoadResult {
    Config config;
    std::vector<Diagnostic> problems;  // errors and warnings, in the order found
    bool ok() const;                   // no error-level problem
    std::vector<Diagnostic> errors() const;
    std::vector<Diagnostic> warnings() const;
};

// Limits (errors when exceeded).
inline constexpr std::uintmax_t kMaxManifestBytes = 4u * 1024u * 1024u;
inline constexpr std::size_t kMaxDocumentsPerFile = 10000;
inline constexpr std::uintmax_t kMaxMountedSecretBytes = 1024u * 1024u;  // per key, as Kubernetes
inline constexpr std::size_t kMaxFieldLength = 2048;  // address, proxy, channel, username

// Read and validate everything. Never throws for bad input.
LoadResult load(const LoadOptions& options);

// A stable UID for an object without metadata.uid: the first 16 bytes of
// SHA-256("herald:" + ns + "/" + name), with the RFC 4122 version nibble set
// to 5 (byte 6 = 0x5X) and the variant bits to 10xx (byte 8), formatted as
// 8-4-4-4-12 lowercase hex. Same input, same UID, on every machine.
std::string derive_uid(std::string_view ns, std::string_view name);

// Parse a Flux duration ("15s", "500ms", "1m30s", "1.5s"; pattern
// ^([0-9]+(\.[0-9]+)?(ms|s|m))+$) into milliseconds. nullopt when it does not
// match, is 0, or does not fit in 32 bits.
std::optional<uint32_t> parse_timeout_ms(std::string_view text);

// Every value of a Provider that must be masked in logs and outputs: each
// value of its secretRef secret, the secret address, the proxy credentials,
// the password inside proxy/address URLs, each header value, the client key.
// Non-empty, deduplicated, longest first (so a masker replaces the longest
// match first).
std::vector<std::string> sensitive_values(const Provider& provider);

}  // namespace herald::config

#endif  // HERALD_CONFIG_CONFIG_HPP
