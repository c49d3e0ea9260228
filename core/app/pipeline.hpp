// What happens to one intake request body after it was read: decode, clean,
// drop duplicates, route, commit to the store, queue for delivery, answer.
#pragma once

#include "runtime.hpp"

#include <herald/admin/metrics.hpp>
#include <herald/delivery/engine.hpp>
#include <herald/delivery/store.hpp>
#include <herald/intake/duplicate_filter.hpp>
#include <herald/intake/event_server.hpp>

#include <atomic>
#include <functional>
#include <memory>

namespace herald::app {

struct PipelineOptions {
    int64_t max_pending = 100000;    // above: 503 with Retry-After
    int64_t duplicate_window_ms = 5 * 60 * 1000;
    // Metadata entries one event may carry (Flux sends a handful): above, 400.
    size_t max_metadata_entries = 1000;
};

class Pipeline final : public intake::EventHandler {
public:
    using RuntimeSource = std::function<std::shared_ptr<const Runtime>()>;
    Pipeline(PipelineOptions options, RuntimeSource runtime, delivery::DeliveryStore& store,
             delivery::Engine& engine, admin::Registry& metrics);

    intake::Reply handle(std::string body) override;
    void count(int status) override;
    // From now on every request gets 503 (shutdown).
    void close() { closed_ = true; }

private:
    intake::Reply reply(int status, intake::Reply r = {});

    PipelineOptions options_;
    RuntimeSource runtime_;
    delivery::DeliveryStore& store_;
    delivery::Engine& engine_;
    admin::Registry& metrics_;
    intake::DuplicateFilter duplicates_;
    std::atomic<bool> closed_{false};
    admin::Counter* by_status_[6] = {};  // 202, 400, 413, 429, 500, 503
};

}  // namespace herald::app
