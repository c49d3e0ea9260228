// One loaded configuration: the manifests, a plugin instance per Provider and
// the Alert router. The daemon swaps whole Runtimes on reload, so an exchange
// keeps the instance it started with.
#pragma once

#include <herald/config/config.hpp>
#include <herald/delivery/engine.hpp>
#include <herald/plugin_host/registry.hpp>
#include <herald/routing/router.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::app {

struct Runtime {
    config::Config config;
    std::unique_ptr<routing::Router> router;  // refers to `config`
    // Provider key ("ns/name") -> what the engine delivers through.
    std::unordered_map<std::string, std::shared_ptr<const delivery::ProviderTarget>> targets;
    std::vector<std::string> secrets;  // every sensitive value, for masking

    std::shared_ptr<const delivery::ProviderTarget> target(const std::string& key) const;
};

struct RuntimeSource {
    std::filesystem::path config_dir;
    std::optional<std::filesystem::path> secrets_dir;
};

struct LoadedRuntime {
    std::shared_ptr<Runtime> runtime;         // null when there are errors
    std::vector<config::Diagnostic> problems;  // errors and warnings, config and plugin checks
    bool ok() const { return runtime != nullptr; }
};

// Loads and validates everything. With `create_instances` false only the
// plugins' validate runs (for `check`); the runtime then has no targets.
LoadedRuntime load_runtime(const RuntimeSource& source, const plugin_host::PluginRegistry& registry,
                           bool create_instances);

// The settings a plugin sees for a Provider (secret `headers` as a JSON object).
plugin_host::ProviderSettings settings_for(const config::Provider& p);

// "file:doc: field: message", prefixed "warning: " for warnings.
std::string format_problem(const config::Diagnostic& d);

// The directory of the running executable's ../lib/herald/plugins, unless
// HERALD_PLUGINS or the flag says otherwise.
std::filesystem::path default_plugins_dir();

}  // namespace herald::app
