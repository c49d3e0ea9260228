#include <herald/delivery/engine.hpp>

#include <herald/log/log.hpp>

#include <algorithm>
#include <chrono>
#include <random>

namespace herald::delivery {
namespace {

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

double random01() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

plugin_host::EventData event_data_for(const PreparedEvent& p, const ProviderTarget& t) {
    const events::Event& e = p.notification;
    plugin_host::EventData d;
    d.kind = e.object.kind;
    d.ns = e.object.ns;
    d.name = e.object.name;
    d.uid = e.object.uid;
    d.api_version = e.object.api_version;
    d.resource_version = e.object.resource_version;
    d.severity = e.severity;
    if (e.timestamp) {
        d.timestamp = events::format_rfc3339(*e.timestamp);
        d.timestamp_unix_ms = *e.timestamp * 1000;
    }
    d.message = e.message;
    d.reason = e.reason;
    d.reporting_controller = e.reporting_controller;
    d.reporting_instance = e.reporting_instance;
    d.metadata.assign(e.metadata.begin(), e.metadata.end());
    d.revision = std::string(events::revision_of(e.metadata));
    d.commit_status_id = events::commit_status_id(e.object.kind, e.object.name, t.instance->uid());
    d.canonical_json = p.canonical_json;
    return d;
}

// Transport failures that retrying cannot fix: a rejected certificate (as
// Flux), a destination the egress policy denies, an invalid URL or request.
bool is_permanent(http::FailureKind kind) {
    switch (kind) {
        case http::FailureKind::Certificate:
        case http::FailureKind::Denied:
        case http::FailureKind::BadUrl:
        case http::FailureKind::BadRequest: return true;
        default: return false;
    }
}

plugin_host::Reply send_request(http::Client& client, const ProviderTarget& t, const plugin_host::OutgoingRequest& r) {
    http::Request req;
    req.method = r.method;
    req.url = r.url;
    req.body = r.body;
    req.timeout_ms = r.timeout_ms ? r.timeout_ms : t.timeout_ms;
    req.headers.reserve(r.headers.size());
    for (const auto& h : r.headers) req.headers.push_back({h.name, h.value, h.sensitive});
    http::Result res = client.send(req, t.route);
    plugin_host::Reply reply;
    if (!res.response) {
        reply.delivered = false;
        reply.transport_error = std::string(http::to_string(res.failure->kind)) + ": " + res.failure->message;
        reply.permanent = is_permanent(res.failure->kind);
        return reply;
    }
    reply.delivered = true;
    reply.status = res.response->status;
    reply.body = std::move(res.response->body);
    reply.headers.reserve(res.response->headers.size());
    for (auto& h : res.response->headers) reply.headers.emplace_back(std::move(h.name), std::move(h.value));
    return reply;
}

namespace {

// Index into ProviderTarget::attempt_counters and its label.
size_t result_index(plugin_host::Outcome o) {
    switch (o) {
        case plugin_host::Outcome::Delivered: return 0;
        case plugin_host::Outcome::Skipped: return 1;
        case plugin_host::Outcome::Retry: return 2;
        default: return 3;
    }
}
constexpr const char* kResultLabels[4] = {"delivered", "skipped", "retry", "failed"};

}  // namespace

Engine::Engine(EngineOptions options, DeliveryStore& store, http::Client& client, admin::Registry& metrics,
               TargetLookup lookup)
    : options_(options),
      store_(store),
      client_(client),
      metrics_(metrics),
      lookup_(std::move(lookup)),
      attempt_seconds_(metrics.histogram("herald_delivery_attempt_duration_seconds",
                                         "Duration of one delivery attempt (a whole plugin exchange).", {},
                                         {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})) {}

Engine::~Engine() { stop(0); }

void Engine::start() {
    std::lock_guard lock(mutex_);
    if (!workers_.empty()) return;
    stopping_ = false;
    for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

std::shared_ptr<const PreparedEvent> Engine::prepare(const std::string& event_json, std::string& error) {
    auto decoded = events::decode_event(event_json);
    if (!decoded.ok()) {
        error = decoded.error;
        return nullptr;
    }
    auto p = std::make_shared<PreparedEvent>();
    p->notification = std::move(*decoded.event);
    p->canonical_json = event_json;
    return p;
}

bool Engine::dispatchable(const Lane& lane, int64_t now) const {
    return !lane.queue.empty() && lane.inflight < lane.limit && lane.blocked_until <= now;
}

void Engine::mark_ready(const std::string& key, Lane& lane, int64_t now) {
    if (lane.in_ready || !dispatchable(lane, now)) return;
    lane.in_ready = true;
    ready_.push_back(key);
    wake_.notify_one();
}

void Engine::submit(Job job) {
    std::lock_guard lock(mutex_);
    pending_.fetch_add(1, std::memory_order_relaxed);
    created_.insert(job.created_ms);
    reschedule(std::move(job), false);
}

// Puts a job back into its lane now or at its next_ms. Caller holds mutex_.
void Engine::reschedule(Job job, bool ordered_retry) {
    int64_t now = now_ms();
    auto [it, inserted] = lanes_.try_emplace(job.provider);
    Lane& lane = it->second;
    if (inserted) {
        auto target = lookup_(job.provider);
        lane.limit = (target && target->ordered) ? 1 : options_.per_provider_limit;
    }
    if (ordered_retry) {
        // The head waits; everything behind it keeps its place.
        lane.blocked_until = job.next_ms;
        std::string key = job.provider;
        lane.queue.push_front(std::move(job));
        timers_.push(Timer{lane.blocked_until, key, std::nullopt});
        wake_.notify_one();
        return;
    }
    if (job.next_ms > now) {
        std::string key = job.provider;
        int64_t due = job.next_ms;
        timers_.push(Timer{due, key, std::move(job)});
        wake_.notify_one();
        return;
    }
    const std::string key = job.provider;
    lane.queue.push_back(std::move(job));
    mark_ready(key, lane, now);
}

void Engine::release_timers(int64_t now) {
    while (!timers_.empty() && timers_.top().due_ms <= now) {
        Timer t = timers_.top();
        timers_.pop();
        Lane& lane = lanes_[t.lane];
        if (t.job) lane.queue.push_back(std::move(*t.job));
        if (lane.blocked_until <= now) lane.blocked_until = 0;
        mark_ready(t.lane, lane, now);
    }
}

void Engine::worker_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) return;
        int64_t now = now_ms();
        release_timers(now);
        if (ready_.empty()) {
            if (timers_.empty()) {
                wake_.wait(lock);
            } else {
                auto due = std::chrono::system_clock::time_point(std::chrono::milliseconds(timers_.top().due_ms));
                wake_.wait_until(lock, due);
            }
            continue;
        }
        std::string key = std::move(ready_.front());
        ready_.pop_front();
        Lane& lane = lanes_[key];
        lane.in_ready = false;
        if (!dispatchable(lane, now)) continue;
        Job job = std::move(lane.queue.front());
        lane.queue.pop_front();
        ++lane.inflight;
        ++inflight_;
        mark_ready(key, lane, now);
        const int64_t created_ms = job.created_ms;
        lock.unlock();
        const bool finished = run(std::move(job));
        lock.lock();
        if (finished) {
            pending_.fetch_sub(1, std::memory_order_relaxed);
            auto it = created_.find(created_ms);
            if (it != created_.end()) created_.erase(it);
        }
        --inflight_;
        Lane& after = lanes_[key];
        --after.inflight;
        mark_ready(key, after, now_ms());
        if (inflight_ == 0) idle_.notify_all();
    }
}

bool Engine::run(Job job) {
    auto target = lookup_(job.provider);
    int64_t start = now_ms();
    plugin_host::ExchangeResult result;
    if (!target) {
        result.outcome = plugin_host::Outcome::ConfigError;
        result.error = "provider " + job.provider + " is no longer configured";
    } else {
        auto data = event_data_for(*job.event, *target);
        result = plugin_host::run_exchange(*target->instance, data, uint32_t(job.attempts), start,
                                           [&](const plugin_host::OutgoingRequest& r) { return send_request(client_, *target, r); });
        attempt_seconds_.observe(double(now_ms() - start) / 1000.0);
    }
    return finish(job, target.get(), result, now_ms());
}

admin::Counter& Engine::attempts_counter(const ProviderTarget* target, const std::string& provider,
                                         plugin_host::Outcome outcome) {
    const size_t i = result_index(outcome);
    if (target) {
        if (admin::Counter* cached = target->attempt_counters[i].load(std::memory_order_acquire)) return *cached;
    }
    admin::Counter& c = metrics_.counter("herald_delivery_attempts_total", "Delivery attempts by Provider and result.",
                                         {{"namespace", target ? target->ns : ""},
                                          {"name", target ? target->name : provider},
                                          {"type", target ? target->type : ""},
                                          {"result", kResultLabels[i]}});
    if (target) target->attempt_counters[i].store(&c, std::memory_order_release);
    return c;
}

bool Engine::finish(const Job& job, const ProviderTarget* target, const plugin_host::ExchangeResult& result,
                    int64_t now) {
    using plugin_host::Outcome;
    const int attempts = job.attempts + 1;
    {
        std::lock_guard lock(health_mutex_);
        ProviderHealth& h = health_[job.provider];
        h.last_attempt_ms = now;
        if (result.outcome == Outcome::Delivered || result.outcome == Outcome::Skipped) {
            h.last_success_ms = now;
            h.consecutive_failures = 0;
        } else {
            ++h.consecutive_failures;
            h.last_error = result.error;
        }
    }
    attempts_counter(target, job.provider, result.outcome).inc();

    if (result.outcome == Outcome::Delivered || result.outcome == Outcome::Skipped) {
        store_.mark_done(job.id, attempts);
        if (log::enabled("delivery", log::Level::Debug))
            log::debug("delivery", "delivered", {{"id", std::to_string(job.id)}, {"provider", job.provider}});
        return true;
    }
    if (result.outcome == Outcome::Retry) {
        std::optional<int64_t> retry_after;
        if (result.retry_after) retry_after = http::parse_retry_after(*result.retry_after, now / 1000);
        int64_t delay = next_delay_ms(options_.backoff, attempts, random01(), retry_after);
        int64_t budget = (target && target->retry_for_ms) ? target->retry_for_ms : options_.retry_for_ms;
        if (now + delay <= job.created_ms + budget) {
            store_.mark_retry(job.id, attempts, now + delay, result.error);
            log::warning("delivery", "attempt failed, will retry",
                         {{"id", std::to_string(job.id)}, {"provider", job.provider},
                          {"attempt", std::to_string(attempts)}, {"retry_in_ms", std::to_string(delay)},
                          {"error", result.error}});
            Job next = job;
            next.attempts = attempts;
            next.next_ms = now + delay;
            std::lock_guard lock(mutex_);
            if (stopping_) return false;  // stays Pending in the store for the next start
            reschedule(std::move(next), target && target->ordered);
            return false;
        }
        std::string error = "retry budget exhausted after " + std::to_string(attempts) + " attempts: " + result.error;
        store_.mark_dead(job.id, attempts, error);
        metrics_.counter("herald_dead_letters_total", "Deliveries that became dead letters.",
                         {{"namespace", target ? target->ns : ""}, {"name", target ? target->name : job.provider}})
            .inc();
        log::error("delivery", "dead letter", {{"id", std::to_string(job.id)}, {"provider", job.provider}, {"error", error}});
        return true;
    }
    store_.mark_dead(job.id, attempts, result.error);
    metrics_.counter("herald_dead_letters_total", "Deliveries that became dead letters.",
                     {{"namespace", target ? target->ns : ""}, {"name", target ? target->name : job.provider}})
        .inc();
    log::error("delivery", "delivery failed",
               {{"id", std::to_string(job.id)}, {"provider", job.provider},
                {"outcome", plugin_host::outcome_name(result.outcome)}, {"error", result.error}});
    return true;
}

std::optional<ProviderHealth> Engine::health(const std::string& provider_key) const {
    std::lock_guard lock(health_mutex_);
    auto it = health_.find(provider_key);
    if (it == health_.end()) return std::nullopt;
    return it->second;
}

int64_t Engine::oldest_pending_age_ms(int64_t now) const {
    std::lock_guard lock(mutex_);
    if (created_.empty()) return 0;
    return std::max<int64_t>(0, now - *created_.begin());
}

bool Engine::drain(int64_t grace_ms) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    return idle_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(grace_ms, 0)),
                          [&] { return inflight_ == 0; });
}

void Engine::stop(int64_t grace_ms) {
    drain(grace_ms);
    std::unique_lock lock(mutex_);
    if (workers_.empty()) return;
    auto workers = std::move(workers_);
    lock.unlock();
    // Workers still inside an exchange finish it (bounded by the request
    // timeout); their outcome is recorded, nothing new starts.
    for (auto& w : workers) w.join();
    store_.flush();
}

}  // namespace herald::delivery
