// The plugin registry: loads provider plugins from a directory, refuses bad
// files one by one, and answers "which plugin serves type X".
#ifndef HERALD_PLUGIN_HOST_REGISTRY_HPP
#define HERALD_PLUGIN_HOST_REGISTRY_HPP

#include <herald/plugin.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::plugin_host {

class ProviderInstance;
struct LoadedPlugin;  // internal; defined in src/loaded_plugin.hpp

enum class Level { Debug = HERALD_LEVEL_DEBUG, Info = HERALD_LEVEL_INFO, Warning = HERALD_LEVEL_WARNING, Error = HERALD_LEVEL_ERROR };
std::string_view level_name(Level level);

// Receives every log record a plugin writes (secrets already masked).
// Called from any thread; must be thread-safe.
using LogSink = std::function<void(Level level, std::string_view plugin_id, std::string_view text)>;

struct RegistryOptions {
    bool allow_insecure = false;       // load files writable by group/others
    std::string host_version = "0.0.0";  // herald_host.host_version
    LogSink log;                        // empty: plugin log lines are dropped
};

// A copy of one field of a type's configuration schema.
struct FieldSchema {
    std::string name;
    herald_field_kind kind = HERALD_FIELD_STRING;
    uint32_t flags = 0;
    std::optional<std::string> default_value;
    std::string description;
};

struct TypeSchema {
    std::string type;
    std::string summary;
    uint32_t flags = 0;
    std::vector<FieldSchema> fields;
};

// What `herald plugins` shows about one loaded plugin.
struct PluginInfo {
    std::string file;
    std::string id, name, version, vendor, url, license, description;
    uint32_t abi_major = 0, abi_minor = 0;
    std::vector<TypeSchema> types;
};

// One file that was not loaded, and why.
struct Refusal {
    std::string file;
    std::string reason;
};

// Which plugin serves a type. `info` points into the plugin's static table.
struct TypeRef {
    const PluginInfo* plugin = nullptr;
    size_t type_index = 0;
    const herald_type_info* info = nullptr;
};

// One configuration problem: field is a path like "spec.address" or "secret.token".
struct Diag {
    Level level = Level::Error;
    std::string field;
    std::string message;
};

// A Provider as the config stage resolved it (secrets already read).
struct ProviderSettings {
    std::string type, ns, name, uid, address, channel, username;
    uint32_t timeout_ms = 15000;
    std::vector<std::pair<std::string, std::string>> fields;   // other spec fields
    std::vector<std::pair<std::string, std::string>> secrets;  // every key of the secretRef Secret
};

struct CreateResult {
    std::shared_ptr<ProviderInstance> instance;  // null when creation failed
    std::vector<Diag> diags;                     // warnings even on success
};

// Circuit breaker state of one plugin, for metrics.
struct BreakerState {
    std::string plugin_id;
    bool open = false;                 // exchanges are refused (until open_until_unix_ms)
    uint32_t consecutive_internal = 0;  // Internal outcomes in a row
    int64_t open_until_unix_ms = 0;
};

bool has_errors(const std::vector<Diag>& diags);

class PluginRegistry {
public:
    explicit PluginRegistry(RegistryOptions options = {});
    ~PluginRegistry();
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;

    // Loads every *.so in `dir`, sorted by name. Each failure becomes one
    // Refusal; the rest still load. Returns the number of plugins loaded.
    size_t load_dir(const std::filesystem::path& dir);
    // Loads one file; false (and one Refusal) when it is refused.
    bool load_file(const std::filesystem::path& file);

    std::optional<TypeRef> find(std::string_view type) const;
    bool serves(std::string_view type) const;
    std::vector<const PluginInfo*> plugins() const;
    const std::vector<Refusal>& refusals() const { return refusals_; }

    std::string describe_text() const;
    std::string describe_json() const;

    // Checks a Provider against the type's schema, then asks the plugin
    // (validate, or create + destroy). Messages never contain secret values.
    std::vector<Diag> validate(const ProviderSettings& settings) const;
    // Creates the instance a Provider delivers through. `extra_sensitive` are
    // further strings to mask (e.g. the address when it came from a secret).
    CreateResult create(const ProviderSettings& settings, std::vector<std::string> extra_sensitive = {}) const;

    std::vector<BreakerState> breaker_states() const;

    // Calls every plugin's deinit (once). Call after every instance was
    // destroyed; libraries stay mapped until the process exits.
    void deinit_all();

private:
    bool refuse(const std::filesystem::path& file, std::string reason);
    const LoadedPlugin* plugin_for(std::string_view type, size_t* type_index) const;

    RegistryOptions options_;
    std::vector<std::shared_ptr<LoadedPlugin>> plugins_;
    std::vector<Refusal> refusals_;
    bool deinitialised_ = false;
};

}  // namespace herald::plugin_host

#endif
