// Private pieces shared by the loader's source files.
#ifndef HERALD_CONFIG_LOADER_HPP
#define HERALD_CONFIG_LOADER_HPP

#include <herald/config/config.hpp>

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::config::detail {

// Collects diagnostics; counts errors so callers can tell whether a piece failed.
class Reporter {
public:
    explicit Reporter(std::vector<Diagnostic>& out) : out_(out) {}
    void error(const Origin& origin, std::string field, std::string message);
    void warn(const Origin& origin, std::string field, std::string message);
    std::size_t error_count() const { return errors_; }

private:
    std::vector<Diagnostic>& out_;
    std::size_t errors_ = 0;
};

// One non-empty YAML document of a manifest file.
struct Document {
    Origin origin;
    YAML::Node node;
};

// ---- manifest_files.cpp
// Every *.yaml / *.yml under `dir` (sorted, recursive, hidden entries skipped,
// each real file once) split into its non-empty documents.
std::vector<Document> read_manifests(const std::filesystem::path& dir, Reporter& report);
// The documents of one manifest file already read: `name` labels its diagnostics.
void read_manifest_text(const std::string& name, const std::string& text, std::vector<Document>& docs,
                        Reporter& report);

// ---- yaml_stream.cpp
// The documents of a YAML stream as YAML::LoadAll reads them (empty ones as
// null nodes), or its first syntax error: line and column in the whole
// text, document 1-based. Never loops: a stray flow indicator where a
// document starts is an error.
struct YamlStream {
    std::vector<YAML::Node> nodes;
    std::optional<YAML::Mark> error_at;
    int error_document = 0;
    std::string error;
};
YamlStream parse_yaml_stream(std::string_view text);

// ---- map_reader.cpp
// Reads the fields of one YAML map, reporting type errors and duplicate keys
// with full field paths, and remembering which keys were used so the rest can
// be reported as unknown.
class MapReader {
public:
    MapReader(const YAML::Node& node, std::string path, const Origin& origin, Reporter& report);

    bool is_map() const { return is_map_; }
    std::string field(std::string_view key) const;

    // The value of `key`, nullopt when absent or null. Marks it used.
    std::optional<YAML::Node> take(std::string_view key);
    std::optional<std::string> take_string(std::string_view key);
    std::optional<bool> take_bool(std::string_view key);
    std::optional<std::map<std::string, std::string>> take_string_map(std::string_view key);
    std::optional<std::vector<std::string>> take_string_list(std::string_view key);
    // A `{name: x}` reference (LocalObjectReference); reports a missing name.
    std::optional<std::string> take_name_ref(std::string_view key);

    // Unused keys, in document order.
    std::vector<std::pair<std::string, YAML::Node>> rest() const;
    // Report every unused key as a warning ("unknown field, ignored").
    void warn_unknown() const;

    const Origin& origin() const { return origin_; }
    Reporter& report() const { return report_; }

private:
    std::vector<std::pair<std::string, YAML::Node>> entries_;
    std::set<std::string, std::less<>> used_;
    std::string path_;
    Origin origin_;
    Reporter& report_;
    bool is_map_ = false;
};

// A YAML map of string -> string (shared by take_string_map and the secret
// "headers" key). Returns an error message (without values) on failure.
std::optional<std::string> to_string_map(const YAML::Node& node, std::map<std::string, std::string>& out);

// ---- secrets.cpp
struct StoredSecret {
    Origin origin;  // manifest, or the mounted directory
    SecretData data;
};
// "ns/name" -> secret
using SecretStore = std::map<std::string, StoredSecret, std::less<>>;

// Base64 (standard alphabet, padded; CR/LF ignored like Go's decoder).
std::optional<std::string> decode_base64(std::string_view text);

// The data/stringData/type/immutable fields of a `kind: Secret` document
// (apiVersion, kind and metadata already taken from `top`).
SecretData parse_secret_fields(MapReader& top);

// Overlay DIR/<namespace>/<name>/<key> files onto `store` (mounted keys win).
void read_mounted_secrets(const std::filesystem::path& dir, SecretStore& store, Reporter& report);

// ---- pem.cpp
// nullopt when fine, else why not (never quoting the PEM).
std::optional<std::string> check_ca_bundle(std::string_view pem);
std::optional<std::string> check_client_pair(std::string_view cert_pem, std::string_view key_pem);

// ---- providers.cpp
// Spec fields only; secrets are resolved later.
Provider parse_provider(const YAML::Node& spec, Provider base, const Origin& origin, Reporter& report);
void resolve_provider(Provider& provider, const SecretStore& secrets, const LoadOptions& options,
                      Reporter& report);
// "" when `url` is an acceptable http(s) URL, else why not (never quoting it).
std::string url_problem(std::string_view url);

// ---- alerts.cpp
Alert parse_alert(const YAML::Node& spec, Alert base, const Origin& origin, Reporter& report);

// ---- metadata names
bool is_dns1123_subdomain(std::string_view name);
bool is_dns1123_label(std::string_view name);

}  // namespace herald::config::detail

#endif  // HERALD_CONFIG_LOADER_HPP
