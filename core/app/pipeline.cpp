#include "pipeline.hpp"

#include <herald/events/event.hpp>
#include <herald/log/log.hpp>

#include <chrono>
#include <unordered_map>

namespace herald::app {
namespace {

constexpr int kStatuses[6] = {202, 400, 413, 429, 500, 503};

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Pipeline::Pipeline(PipelineOptions options, RuntimeSource runtime, delivery::DeliveryStore& store,
                   delivery::Engine& engine, admin::Registry& metrics)
    : options_(options),
      runtime_(std::move(runtime)),
      store_(store),
      engine_(engine),
      metrics_(metrics),
      duplicates_(options.duplicate_window_ms) {
    for (int i = 0; i < 6; ++i)
        by_status_[i] = &metrics.counter("herald_events_received_total", "Intake requests by HTTP status answered.",
                                         {{"code", std::to_string(kStatuses[i])}});
}

void Pipeline::count(int status) {
    for (int i = 0; i < 6; ++i)
        if (kStatuses[i] == status) {
            by_status_[i]->inc();
            return;
        }
    metrics_.counter("herald_events_received_total", "Intake requests by HTTP status answered.",
                     {{"code", std::to_string(status)}})
        .inc();
}

intake::Reply Pipeline::reply(int status, intake::Reply r) {
    r.status = status;
    count(status);
    return r;
}

intake::Reply Pipeline::handle(std::string body) {
    if (closed_) return reply(503, {503, {{"Retry-After", "5"}}, "shutting down\n"});
    // Backpressure: bounded memory; Flux senders retry on 5xx.
    if (engine_.pending() >= options_.max_pending)
        return reply(503, {503, {{"Retry-After", "5"}}, "too many pending deliveries\n"});

    auto decoded = events::decode_event(body);
    if (!decoded.ok()) {
        log::debug("intake", "event refused", {{"error", decoded.error}});
        return reply(400);
    }
    events::Event& event = *decoded.event;
    if (event.metadata.size() > options_.max_metadata_entries) {
        std::string why = "metadata has " + std::to_string(event.metadata.size()) + " entries, more than the limit of " +
                          std::to_string(options_.max_metadata_entries);
        log::warning("intake", "event refused", {{"error", why}});
        return reply(400, {400, {}, why + "\n"});
    }
    events::clean_metadata(event);

    const int64_t now = now_ms();
    const std::string key = events::duplicate_key(event);
    auto d = duplicates_.check(key, now);
    intake::Reply ok{202, {{"X-RateLimit-Limit", "1"}, {"X-RateLimit-Remaining", "0"},
                           {"X-RateLimit-Reset", intake::http_date(d.window_end_ms / 1000)}}, ""};
    if (!d.allowed) {
        ok.headers.emplace_back("Retry-After", intake::http_date(d.window_end_ms / 1000));
        ok.body = "Too Many Requests";
        log::debug("intake", "duplicate event dropped",
                   {{"object", event.object.kind + "/" + event.object.ns + "/" + event.object.name}});
        return reply(429, std::move(ok));
    }

    std::shared_ptr<const Runtime> rt = runtime_();
    auto routed = rt->router->route(event);
    if (routed.empty()) return reply(202, std::move(ok));

    std::vector<delivery::NewDelivery> deliveries;
    std::vector<std::shared_ptr<delivery::PreparedEvent>> prepared;
    deliveries.reserve(routed.size());
    prepared.reserve(routed.size());
    std::unordered_map<std::string, std::shared_ptr<delivery::PreparedEvent>> unique;
    std::string encoded;
    for (auto& r : routed) {
        encoded.clear();
        events::encode_event(r.notification, encoded);
        // Alerts that add nothing of their own produce the same notification:
        // their deliveries share one copy, so a fan-out to many Providers
        // holds the event once in memory while it is pending.
        std::shared_ptr<delivery::PreparedEvent> fresh;
        std::shared_ptr<delivery::PreparedEvent>& p = routed.size() > 1 ? unique[encoded] : fresh;
        if (!p) {
            p = std::make_shared<delivery::PreparedEvent>();
            p->canonical_json = encoded;
            p->notification = std::move(r.notification);
        }
        deliveries.push_back({rt->config.providers[r.provider_index].key(), r.alert_key, p->canonical_json});
        prepared.push_back(p);
    }
    // The scheduler gets the deliveries from the store's writer thread the
    // moment they are durable; this thread then only answers 202.
    auto schedule = [&](const std::vector<int64_t>& ids) {
        for (size_t i = 0; i < ids.size(); ++i) {
            delivery::Job job;
            job.id = ids[i];
            job.provider = rt->config.providers[routed[i].provider_index].key();
            job.alert = routed[i].alert_key;
            job.created_ms = now;
            job.next_ms = now;
            job.event = prepared[i];
            engine_.submit(std::move(job));
        }
    };
    std::string error;
    auto ids = store_.commit_event(events::encode_event(event), std::move(deliveries), error, schedule);
    if (!ids) {
        // Not accepted: let the sender's retry through the duplicate filter.
        duplicates_.forget(key);
        log::error("intake", "event not stored", {{"error", error}});
        return reply(503, {503, {{"Retry-After", "5"}}, "store unavailable\n"});
    }
    return reply(202, std::move(ok));
}

}  // namespace herald::app
