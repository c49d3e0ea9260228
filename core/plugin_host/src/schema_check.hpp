// Generic checks of a Provider against the field schema a type declares, and
// the herald_provider_config built from it.
#ifndef HERALD_PLUGIN_HOST_SCHEMA_CHECK_HPP
#define HERALD_PLUGIN_HOST_SCHEMA_CHECK_HPP

#include <herald/plugin.h>
#include <herald/plugin_host/registry.hpp>

#include <string>
#include <vector>

namespace herald::plugin_host {

// Required fields and secret keys, value kinds, unknown and deprecated fields.
std::vector<Diag> check_schema(const herald_type_info& type, const ProviderSettings& settings);

// Every value that must never appear in output: all secret values and the
// values of spec fields the schema flags SENSITIVE.
std::vector<std::string> sensitive_values(const herald_type_info& type, const ProviderSettings& settings);

// A herald_provider_config pointing into `settings` (which must outlive it).
// Spec fields the schema does not know are left out.
class ConfigBlock {
public:
    ConfigBlock(const herald_type_info& type, const ProviderSettings& settings);
    ConfigBlock(const ConfigBlock&) = delete;
    ConfigBlock& operator=(const ConfigBlock&) = delete;
    const herald_provider_config* get() const { return &config_; }

private:
    std::vector<herald_kv> fields_;
    std::vector<herald_kv> secrets_;
    herald_provider_config config_{};
};

// A herald_diag that collects into `out`, masking `secrets` in every text.
class DiagCollector {
public:
    DiagCollector(std::vector<Diag>& out, const std::vector<std::string>& secrets);
    const herald_diag* get() const { return &diag_; }

private:
    static void report(void* ctx, herald_level level, herald_str field, herald_str text);
    std::vector<Diag>& out_;
    const std::vector<std::string>& secrets_;
    herald_diag diag_{};
};

}  // namespace herald::plugin_host

#endif
