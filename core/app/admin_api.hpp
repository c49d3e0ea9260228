// Answers of the admin listener: /healthz, /readyz, /metrics and the JSON
// status API under /api/v1 (deliveries, dead letters and their replay,
// providers, alerts).
#pragma once

#include "runtime.hpp"

#include <herald/admin/admin_server.hpp>
#include <herald/admin/metrics.hpp>
#include <herald/delivery/engine.hpp>
#include <herald/delivery/store.hpp>
#include <herald/plugin_host/registry.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace herald::app {

struct ServeState {
    std::atomic<bool> intake_up{false};
    std::atomic<bool> stopping{false};
    std::mutex mutex;             // guards the strings below
    std::string last_reload_error;  // shown on /readyz detail
};

class AdminApi {
public:
    AdminApi(std::function<std::shared_ptr<const Runtime>()> runtime, delivery::DeliveryStore& store,
             delivery::Engine& engine, admin::Registry& metrics, const plugin_host::PluginRegistry& plugins,
             ServeState& state);
    admin::AdminReply handle(const admin::AdminRequest& req);

private:
    admin::AdminReply readyz();
    admin::AdminReply providers();
    admin::AdminReply alerts();
    admin::AdminReply deliveries(const admin::AdminRequest& req);
    admin::AdminReply replay(std::vector<delivery::StoredDelivery> rows);

    std::function<std::shared_ptr<const Runtime>()> runtime_;
    delivery::DeliveryStore& store_;
    delivery::Engine& engine_;
    admin::Registry& metrics_;
    const plugin_host::PluginRegistry& plugins_;
    ServeState& state_;
};

// Submits stored deliveries (resumed at start or replayed) to the engine.
// Returns how many were queued; undecodable rows become dead letters.
size_t submit_stored(const std::vector<delivery::StoredDelivery>& rows, delivery::DeliveryStore& store,
                     delivery::Engine& engine);

}  // namespace herald::app
