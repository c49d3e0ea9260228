// One configured Provider bound to its plugin's instance.
#ifndef HERALD_PLUGIN_HOST_PROVIDER_INSTANCE_HPP
#define HERALD_PLUGIN_HOST_PROVIDER_INSTANCE_HPP

#include <herald/plugin_host/registry.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald::plugin_host {

// Owns the plugin's instance handle: the destructor calls the plugin's
// destroy exactly once. Hold it by shared_ptr while an exchange runs, so
// destroy never overlaps a step.
class ProviderInstance {
    struct Passkey {};

public:
    ProviderInstance(Passkey, std::shared_ptr<LoadedPlugin> plugin, size_t type_index, void* handle,
                     const ProviderSettings& settings, std::vector<std::string> sensitive);
    ~ProviderInstance();
    ProviderInstance(const ProviderInstance&) = delete;
    ProviderInstance& operator=(const ProviderInstance&) = delete;

    const std::string& plugin_id() const;
    const std::string& type() const { return type_; }
    size_t type_index() const { return type_index_; }
    uint32_t type_flags() const;
    bool ordered() const { return (type_flags() & HERALD_TYPE_ORDERED) != 0; }
    const std::string& ns() const { return ns_; }
    const std::string& name() const { return name_; }
    const std::string& uid() const { return uid_; }
    uint32_t timeout_ms() const { return timeout_ms_; }

    // `text` with every secret value of this Provider replaced by "*****".
    std::string mask(std::string_view text) const;
    // True when `value` contains any secret value of this Provider.
    bool contains_secret(std::string_view value) const;

    // For the exchange runner.
    LoadedPlugin& plugin() const { return *plugin_; }
    void* handle() const { return handle_; }

private:
    friend class PluginRegistry;
    static std::shared_ptr<ProviderInstance> make(std::shared_ptr<LoadedPlugin> plugin, size_t type_index,
                                                  void* handle, const ProviderSettings& settings,
                                                  std::vector<std::string> sensitive);

    std::shared_ptr<LoadedPlugin> plugin_;
    size_t type_index_;
    void* handle_;
    std::string type_, ns_, name_, uid_;
    uint32_t timeout_ms_;
    std::vector<std::string> sensitive_;  // longest first
};

}  // namespace herald::plugin_host

#endif
