// Provider validation and instance lifetime.
#include <herald/plugin_host/provider_instance.hpp>

#include "loaded_plugin.hpp"
#include "schema_check.hpp"

#include <herald/plugin_host/masking.hpp>

namespace herald::plugin_host {

namespace {

// Registers secrets with the plugin's log masking for as long as it lives.
class SecretRegistration {
public:
    SecretRegistration(SecretBook& book, std::vector<std::string> values) : book_(book), values_(std::move(values)) {
        book_.add(values_);
    }
    ~SecretRegistration() { book_.remove(values_); }
    SecretRegistration(const SecretRegistration&) = delete;
    SecretRegistration& operator=(const SecretRegistration&) = delete;

private:
    SecretBook& book_;
    std::vector<std::string> values_;
};

Diag unknown_type(const std::string& type) {
    return Diag{Level::Error, "spec.type", "no loaded plugin serves type \"" + type + "\""};
}

// A plugin said no without saying why: still tell the operator something.
void ensure_error(std::vector<Diag>& diags, const std::string& what, herald_status st) {
    if (has_errors(diags)) return;
    diags.push_back(Diag{Level::Error, "", what + " (status " + std::to_string(st) + ")"});
}

}  // namespace

std::vector<Diag> PluginRegistry::validate(const ProviderSettings& settings) const {
    size_t index = 0;
    const LoadedPlugin* p = plugin_for(settings.type, &index);
    if (!p) return {unknown_type(settings.type)};
    const herald_type_info& type = p->type_at(index);
    std::vector<Diag> diags = check_schema(type, settings);
    // Schema errors first: the plugin would only repeat them.
    if (has_errors(diags)) return diags;

    std::vector<std::string> secrets = sensitive_values(type, settings);
    SecretRegistration registration(p->host->secrets, secrets);
    ConfigBlock config(type, settings);
    DiagCollector collector(diags, secrets);
    const herald_plugin& d = *p->descriptor;
    herald_status st = HERALD_E_INTERNAL;
    try {
        if (d.validate) {
            st = d.validate(index, config.get(), collector.get());
        } else {
            void* handle = nullptr;
            st = d.create(index, config.get(), collector.get(), &handle);
            if (handle) d.destroy(handle);
        }
    } catch (...) {
        st = HERALD_E_INTERNAL;
    }
    if (st != HERALD_OK) ensure_error(diags, "plugin " + p->info.id + " rejected the configuration", st);
    return diags;
}

CreateResult PluginRegistry::create(const ProviderSettings& settings, std::vector<std::string> extra_sensitive) const {
    CreateResult result;
    size_t index = 0;
    const LoadedPlugin* p = plugin_for(settings.type, &index);
    if (!p) {
        result.diags.push_back(unknown_type(settings.type));
        return result;
    }
    const herald_type_info& type = p->type_at(index);
    result.diags = check_schema(type, settings);
    if (has_errors(result.diags)) return result;

    std::vector<std::string> secrets = sensitive_values(type, settings);
    secrets.insert(secrets.end(), extra_sensitive.begin(), extra_sensitive.end());
    secrets = normalise_secrets(std::move(secrets));
    SecretRegistration during_create(p->host->secrets, secrets);
    ConfigBlock config(type, settings);
    DiagCollector collector(result.diags, secrets);
    void* handle = nullptr;
    herald_status st = HERALD_E_INTERNAL;
    try {
        st = p->descriptor->create(index, config.get(), collector.get(), &handle);
    } catch (...) {
        st = HERALD_E_INTERNAL;
    }
    if (st != HERALD_OK || !handle || has_errors(result.diags)) {
        if (handle) p->descriptor->destroy(handle);
        ensure_error(result.diags, "plugin " + p->info.id + " could not create the provider", st);
        return result;
    }
    // plugins_ holds the shared_ptr; find ours to share ownership.
    for (const auto& owned : plugins_) {
        if (owned.get() == p) {
            result.instance = ProviderInstance::make(owned, index, handle, settings, std::move(secrets));
            break;
        }
    }
    return result;
}

ProviderInstance::ProviderInstance(Passkey, std::shared_ptr<LoadedPlugin> plugin, size_t type_index, void* handle,
                                   const ProviderSettings& settings, std::vector<std::string> sensitive)
    : plugin_(std::move(plugin)),
      type_index_(type_index),
      handle_(handle),
      type_(settings.type),
      ns_(settings.ns),
      name_(settings.name),
      uid_(settings.uid),
      timeout_ms_(settings.timeout_ms ? settings.timeout_ms : 15000),
      sensitive_(normalise_secrets(std::move(sensitive))) {
    plugin_->host->secrets.add(sensitive_);
}

std::shared_ptr<ProviderInstance> ProviderInstance::make(std::shared_ptr<LoadedPlugin> plugin, size_t type_index,
                                                         void* handle, const ProviderSettings& settings,
                                                         std::vector<std::string> sensitive) {
    return std::make_shared<ProviderInstance>(Passkey{}, std::move(plugin), type_index, handle, settings,
                                              std::move(sensitive));
}

ProviderInstance::~ProviderInstance() {
    try {
        plugin_->descriptor->destroy(handle_);
    } catch (...) {
    }
    plugin_->host->secrets.remove(sensitive_);
}

const std::string& ProviderInstance::plugin_id() const { return plugin_->info.id; }

uint32_t ProviderInstance::type_flags() const { return plugin_->type_at(type_index_).flags; }

std::string ProviderInstance::mask(std::string_view text) const { return mask_secrets(text, sensitive_); }

bool ProviderInstance::contains_secret(std::string_view value) const {
    for (const auto& s : sensitive_)
        if (value.find(s) != std::string_view::npos) return true;
    return false;
}

}  // namespace herald::plugin_host
