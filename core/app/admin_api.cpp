#include "admin_api.hpp"

#include <herald/log/log.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

namespace herald::app {
namespace {

using nlohmann::json;

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

admin::AdminReply json_reply(int status, const json& j) {
    return {status, "application/json", j.dump(2, ' ', false, json::error_handler_t::replace) + "\n", {}};
}

admin::AdminReply error_reply(int status, const std::string& message) {
    return json_reply(status, json{{"error", message}});
}

json delivery_json(const delivery::StoredDelivery& d, bool with_event) {
    json j{{"id", d.id},
           {"eventId", d.event_id},
           {"provider", d.provider},
           {"alert", d.alert},
           {"state", std::string(delivery::to_string(d.state))},
           {"attempts", d.attempts},
           {"createdMs", d.created_ms},
           {"updatedMs", d.updated_ms},
           {"nextAttemptMs", d.next_attempt_ms},
           {"lastError", log::mask(d.last_error)}};
    if (with_event) {
        auto e = json::parse(d.event_json, nullptr, false);
        j["event"] = e.is_discarded() ? json(log::mask(d.event_json)) : e;
    }
    return j;
}

}  // namespace

size_t submit_stored(const std::vector<delivery::StoredDelivery>& rows, delivery::DeliveryStore& store,
                     delivery::Engine& engine) {
    size_t queued = 0;
    for (const auto& row : rows) {
        std::string error;
        auto prepared = delivery::Engine::prepare(row.event_json, error);
        if (!prepared) {
            store.mark_dead(row.id, row.attempts, "stored event does not decode: " + error);
            continue;
        }
        delivery::Job job;
        job.id = row.id;
        job.provider = row.provider;
        job.alert = row.alert;
        job.attempts = row.attempts;
        job.next_ms = row.next_attempt_ms;
        job.created_ms = row.created_ms;
        job.event = std::move(prepared);
        engine.submit(std::move(job));
        ++queued;
    }
    return queued;
}

AdminApi::AdminApi(std::function<std::shared_ptr<const Runtime>()> runtime, delivery::DeliveryStore& store,
                   delivery::Engine& engine, admin::Registry& metrics, const plugin_host::PluginRegistry& plugins,
                   ServeState& state)
    : runtime_(std::move(runtime)), store_(store), engine_(engine), metrics_(metrics), plugins_(plugins), state_(state) {
    metrics_.gauge_callback("herald_deliveries_pending", "Deliveries accepted and not yet finished.",
                            [this] { return double(engine_.pending()); });
    metrics_.gauge_callback("herald_deliveries_oldest_pending_age_seconds",
                            "Age of the oldest unfinished delivery.",
                            [this] { return double(engine_.oldest_pending_age_ms(now_ms())) / 1000.0; });
    metrics_.gauge_callback("herald_dead_letters", "Dead letters kept in the store.",
                            [this] { return double(store_.counts().dead); });
    metrics_.gauge_callback("herald_plugin_load_failures", "Plugin files refused at startup.",
                            [this] { return double(plugins_.refusals().size()); });
    metrics_.gauge_callback("herald_plugin_circuit_open", "Plugins whose circuit breaker is open (repeated internal errors).",
                            [this] {
                                double open = 0;
                                for (const auto& b : plugins_.breaker_states()) open += b.open ? 1 : 0;
                                return open;
                            });
    // The store's writer: events per transaction is events_committed ÷
    // transactions; a growing queue means the disk does not keep up.
    metrics_.counter_callback("herald_store_transactions_total",
                              "Store transactions run by the writer (committed or rolled back).",
                              [this] { return double(store_.stats().transactions); });
    metrics_.counter_callback("herald_store_failed_transactions_total",
                              "Store transactions rolled back (each is retried; the log says why).",
                              [this] { return double(store_.stats().failed_transactions); });
    metrics_.counter_callback("herald_store_events_committed_total", "Events committed to the store.",
                              [this] { return double(store_.stats().events_committed); });
    metrics_.counter_callback("herald_store_dropped_updates_total",
                              "Delivery outcome updates given up after repeated store failures "
                              "(those deliveries are sent again after a restart).",
                              [this] { return double(store_.stats().dropped_updates); });
    metrics_.gauge_callback("herald_store_queue", "Items waiting for the store's writer.",
                            [this] { return double(store_.stats().queued); });
    metrics_.gauge("herald_build_info", "Build information.", {{"version", HERALD_VERSION}}).set(1);
}

admin::AdminReply AdminApi::handle(const admin::AdminRequest& req) {
    const std::string& p = req.path;
    if (p == "/healthz") return {200, "text/plain", "ok\n", {}};
    if (p == "/readyz") return readyz();
    if (p == "/metrics") return {200, "text/plain; version=0.0.4", log::mask(metrics_.render()), {}};
    if (p.rfind("/api/v1/deliveries", 0) == 0) return deliveries(req);
    if (p.rfind("/api/v1/providers/", 0) == 0 && req.method == "POST" && p.size() > 25 &&
        p.compare(p.size() - 7, 7, "/replay") == 0) {
        // /api/v1/providers/<ns>/<name>/replay
        std::string key = p.substr(18, p.size() - 18 - 7);
        return replay(store_.replay_provider(key));
    }
    if (p == "/api/v1/providers") return providers();
    if (p == "/api/v1/alerts") return alerts();
    return error_reply(404, "no such endpoint: " + req.method + " " + p);
}

// Conditions as Flux users know them: Ready, or Suspended, Degraded (the last
// attempt failed), Invalid (no instance: the plugin refused the config).
admin::AdminReply AdminApi::providers() {
    auto rt = runtime_();
    json items = json::array();
    for (const auto& pr : rt->config.providers) {
        json item{{"namespace", pr.ns}, {"name", pr.name}, {"type", pr.type}, {"uid", pr.uid}};
        auto health = engine_.health(pr.key());
        std::string condition = "Ready", message = "Initialized";
        if (pr.suspend) {
            condition = "Suspended";
            message = "spec.suspend is true";
        } else if (!rt->target(pr.key())) {
            condition = "Invalid";
            message = "no plugin instance";
        } else if (health && health->consecutive_failures > 0) {
            condition = "Degraded";
            message = std::to_string(health->consecutive_failures) + " failed attempt(s) since the last delivery";
        }
        item["conditions"] = json::array({json{{"type", condition}, {"message", message}}});
        if (health) {
            item["lastAttemptMs"] = health->last_attempt_ms;
            item["lastDeliveryMs"] = health->last_success_ms;
            item["lastError"] = log::mask(health->last_error);
        }
        items.push_back(std::move(item));
    }
    return json_reply(200, json{{"items", items}});
}

admin::AdminReply AdminApi::alerts() {
    auto rt = runtime_();
    json items = json::array();
    for (const auto& a : rt->config.alerts) {
        const config::Provider* pr = rt->config.find_provider(a.ns, a.provider_ref);
        std::string condition = a.suspend ? "Suspended" : "Ready";
        if (!a.suspend && pr && pr->suspend) condition = "Suspended";
        items.push_back({{"namespace", a.ns},
                         {"name", a.name},
                         {"providerRef", a.provider_ref},
                         {"eventSeverity", a.event_severity},
                         {"conditions", json::array({json{{"type", condition}}})}});
    }
    return json_reply(200, json{{"items", items}});
}

admin::AdminReply AdminApi::readyz() {
    json detail{{"configLoaded", runtime_() != nullptr}, {"storeOpen", true}, {"intakeListening", state_.intake_up.load()},
                {"stopping", state_.stopping.load()}};
    {
        std::lock_guard lock(state_.mutex);
        if (!state_.last_reload_error.empty()) detail["lastReloadError"] = state_.last_reload_error;
    }
    bool ready = runtime_() != nullptr && state_.intake_up && !state_.stopping;
    detail["ready"] = ready;
    return json_reply(ready ? 200 : 503, detail);
}

admin::AdminReply AdminApi::deliveries(const admin::AdminRequest& req) {
    const std::string base = "/api/v1/deliveries";
    std::string rest = req.path.substr(base.size());
    if (rest.empty() || rest == "/") {
        if (req.method != "GET") return error_reply(405, "use GET");
        std::optional<delivery::State> state;
        std::string s = admin::query_param(req.query, "state");
        if (!s.empty()) {
            state = delivery::parse_state(s);
            if (!state) return error_reply(400, "state must be pending, done or dead");
        }
        std::optional<std::string> provider;
        if (auto pr = admin::query_param(req.query, "provider"); !pr.empty()) provider = pr;
        size_t limit = 100;
        int64_t after = 0;
        try {
            if (auto l = admin::query_param(req.query, "limit"); !l.empty()) limit = std::min<size_t>(std::stoul(l), 1000);
            if (auto a = admin::query_param(req.query, "after"); !a.empty()) after = std::stoll(a);
        } catch (const std::exception&) {
            return error_reply(400, "limit and after must be numbers");
        }
        json items = json::array();
        for (const auto& d : store_.list(state, provider, limit, after)) items.push_back(delivery_json(d, false));
        return json_reply(200, json{{"items", items}});
    }
    // /<id> or /<id>/replay
    std::string id_text = rest.substr(1);
    bool is_replay = false;
    if (auto slash = id_text.find('/'); slash != std::string::npos) {
        if (id_text.substr(slash) != "/replay") return error_reply(404, "no such endpoint");
        is_replay = true;
        id_text = id_text.substr(0, slash);
    }
    int64_t id = 0;
    try {
        id = std::stoll(id_text);
    } catch (const std::exception&) {
        return error_reply(400, "delivery id must be a number");
    }
    if (is_replay) {
        if (req.method != "POST") return error_reply(405, "use POST to replay");
        if (!store_.get(id)) return error_reply(404, "no delivery " + id_text);
        return replay(store_.replay(id));
    }
    auto d = store_.get(id);
    if (!d) return error_reply(404, "no delivery " + id_text);
    return json_reply(200, delivery_json(*d, true));
}

admin::AdminReply AdminApi::replay(std::vector<delivery::StoredDelivery> rows) {
    size_t queued = submit_stored(rows, store_, engine_);
    json ids = json::array();
    for (const auto& r : rows) ids.push_back(r.id);
    log::info("admin", "replay", {{"deliveries", std::to_string(queued)}});
    return json_reply(200, json{{"replayed", queued}, {"ids", ids}});
}

}  // namespace herald::app
