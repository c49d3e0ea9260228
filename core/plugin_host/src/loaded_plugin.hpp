// What the host keeps about one plugin that passed every check.
#ifndef HERALD_PLUGIN_HOST_LOADED_PLUGIN_HPP
#define HERALD_PLUGIN_HOST_LOADED_PLUGIN_HPP

#include <herald/plugin.h>
#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/registry.hpp>

#include "circuit_breaker.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace herald::plugin_host {

// Secret values of the plugin's live instances, so log lines the plugin
// writes through the host can be masked whichever instance wrote them.
class SecretBook {
public:
    void add(const std::vector<std::string>& values);
    void remove(const std::vector<std::string>& values);
    std::string mask(std::string_view text) const;

private:
    mutable std::mutex mutex_;
    std::multiset<std::string> values_;
};

// The herald_host handed to one plugin, with what its callbacks need.
// `host.host_data` points back at this object; it is never freed (the
// plugin may keep the pointer until process exit).
struct HostContext {
    herald_host host{};
    std::string host_version;
    std::string plugin_id;
    LogSink log;
    SecretBook secrets;
};

struct LoadedPlugin {
    PluginInfo info;
    const herald_plugin* descriptor = nullptr;
    HostContext* host = nullptr;  // leaked on purpose, see HostContext
    CircuitBreaker breaker{kBreakerThreshold, kBreakerOpenMs};
    bool initialised = false;

    const herald_type_info& type_at(size_t index) const;
};

// Element `index` of a descriptor table whose elements start with
// struct_size. A newer plugin's structs may be larger than ours, so the
// stride is the first element's struct_size, not our sizeof.
template <typename T>
const T& table_at(const T* table, size_t index) {
    const size_t stride = table[0].struct_size;
    return *reinterpret_cast<const T*>(reinterpret_cast<const char*>(table) + index * stride);
}

// Creates the host services for a plugin (see host_services.cpp).
HostContext* make_host_context(std::string plugin_id, std::string host_version, LogSink log);

}  // namespace herald::plugin_host

#endif
