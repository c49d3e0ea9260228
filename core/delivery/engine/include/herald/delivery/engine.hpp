// The delivery engine: a fixed pool of workers runs due deliveries as
// exchanges with their Provider's plugin instance, sends the requests on the
// shared HTTP client, and writes each outcome to the store.
//
// Scheduling: one lane per Provider with its own concurrency limit, so a slow
// receiver holds at most its lane's slots; lanes of ordered types (commit
// statuses) run one delivery at a time and a retrying delivery blocks the ones
// behind it, so statuses land in event order.
#pragma once

#include <herald/admin/metrics.hpp>
#include <herald/delivery/backoff.hpp>
#include <herald/delivery/store.hpp>
#include <herald/events/event.hpp>
#include <herald/http/client.hpp>
#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/provider_instance.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace herald::delivery {

// Everything needed to deliver to one Provider, built once per config load.
struct ProviderTarget {
    std::string key;  // "ns/name"
    std::string ns, name, type;
    std::shared_ptr<plugin_host::ProviderInstance> instance;
    http::Route route;
    uint32_t timeout_ms = 15000;
    bool ordered = false;
    int64_t retry_for_ms = 0;  // 0: the engine default
    // herald_delivery_attempts_total by result, found in the registry on first
    // use (the registry keeps its counters for good): no lookup per attempt.
    mutable std::array<std::atomic<admin::Counter*>, 4> attempt_counters{};
};

// The notification of one delivery, decoded once and shared by its retries.
struct PreparedEvent {
    events::Event notification;
    std::string canonical_json;
};

struct Job {
    int64_t id = 0;
    std::string provider;  // "ns/name"
    std::string alert;
    int attempts = 0;
    int64_t next_ms = 0;
    int64_t created_ms = 0;
    std::shared_ptr<const PreparedEvent> event;
};

// What the last attempts to one Provider did, for its status in the API.
struct ProviderHealth {
    int64_t last_attempt_ms = 0;
    int64_t last_success_ms = 0;
    int consecutive_failures = 0;  // attempts that did not deliver, since the last that did
    std::string last_error;         // secrets masked
};

struct EngineOptions {
    int workers = 32;
    int per_provider_limit = 16;  // concurrent exchanges per Provider (ordered types: 1)
    int64_t retry_for_ms = 60 * 60 * 1000;
    BackoffPolicy backoff;
};

// The event view a plugin gets for one delivery to `target`.
plugin_host::EventData event_data_for(const PreparedEvent& event, const ProviderTarget& target);
// True for transport failures that are not retried (Reply::permanent).
bool is_permanent(http::FailureKind kind);
// Sends one plugin request on `client` with the target's proxy, TLS and timeout.
plugin_host::Reply send_request(http::Client& client, const ProviderTarget& target,
                                const plugin_host::OutgoingRequest& request);

using TargetLookup = std::function<std::shared_ptr<const ProviderTarget>(const std::string& provider_key)>;

class Engine {
public:
    Engine(EngineOptions options, DeliveryStore& store, http::Client& client, admin::Registry& metrics,
           TargetLookup lookup);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void start();
    // Queues a new, resumed or replayed delivery.
    void submit(Job job);
    // Deliveries accepted and not yet finished (queued, waiting or in flight).
    int64_t pending() const { return pending_.load(std::memory_order_relaxed); }
    // Age of the oldest unfinished delivery in ms (0 when none).
    int64_t oldest_pending_age_ms(int64_t now_ms) const;
    // Health of one Provider ("ns/name"); nullopt before its first attempt.
    std::optional<ProviderHealth> health(const std::string& provider_key) const;
    // Stops taking new work and waits up to `grace_ms` for in-flight
    // exchanges. Returns true when none is left; false means some are still
    // running (their deliveries are Pending in the store until they finish).
    bool drain(int64_t grace_ms);
    // drain(grace_ms), then joins the workers: a worker still inside an
    // exchange is waited for (bounded by its request timeout). A caller that
    // must not wait past the grace checks drain() first.
    void stop(int64_t grace_ms);

    // Decodes a stored notification (after a restart or a replay).
    static std::shared_ptr<const PreparedEvent> prepare(const std::string& event_json, std::string& error);

private:
    struct Lane {
        std::deque<Job> queue;
        int inflight = 0;
        int limit = 1;
        int64_t blocked_until = 0;  // ordered lanes: the head is waiting for its retry
        bool in_ready = false;
    };
    struct Timer {
        int64_t due_ms;
        std::string lane;
        std::optional<Job> job;  // nullopt: just wake the lane
        bool operator>(const Timer& o) const { return due_ms > o.due_ms; }
    };

    void worker_loop();
    bool dispatchable(const Lane& lane, int64_t now) const;
    void mark_ready(const std::string& key, Lane& lane, int64_t now);
    void release_timers(int64_t now);
    // Both return true when the job reached its final state (done or dead).
    bool run(Job job);
    bool finish(const Job& job, const ProviderTarget* target, const plugin_host::ExchangeResult& result,
                int64_t now);
    admin::Counter& attempts_counter(const ProviderTarget* target, const std::string& provider,
                                     plugin_host::Outcome outcome);
    void reschedule(Job job, bool ordered);

    EngineOptions options_;
    DeliveryStore& store_;
    http::Client& client_;
    admin::Registry& metrics_;
    TargetLookup lookup_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::unordered_map<std::string, Lane> lanes_;
    std::deque<std::string> ready_;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
    std::multiset<int64_t> created_;  // created_ms of unfinished jobs, for the oldest-pending gauge
    bool stopping_ = false;
    int inflight_ = 0;
    std::atomic<int64_t> pending_{0};
    mutable std::mutex health_mutex_;
    std::unordered_map<std::string, ProviderHealth> health_;
    std::vector<std::thread> workers_;

    admin::Histogram& attempt_seconds_;
};

}  // namespace herald::delivery
