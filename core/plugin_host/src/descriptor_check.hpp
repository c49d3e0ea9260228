// Checks a plugin's static descriptor before anything in it is called.
#ifndef HERALD_PLUGIN_HOST_DESCRIPTOR_CHECK_HPP
#define HERALD_PLUGIN_HOST_DESCRIPTOR_CHECK_HPP

#include <herald/plugin.h>
#include <herald/plugin_host/registry.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace herald::plugin_host {

// nullopt when the descriptor is usable; else why not (one sentence).
std::optional<std::string> check_descriptor(const herald_plugin& d);

// ^[a-z0-9][a-z0-9-]*$
bool valid_type_name(std::string_view name);

// Copies what `herald plugins` shows (the descriptor passed check_descriptor).
PluginInfo describe_descriptor(const herald_plugin& d, std::string file);

}  // namespace herald::plugin_host

#endif
