// Runs one exchange: one event delivered to one Provider, as a sequence of
// plugin steps and HTTP requests (plugin-abi.md §3.4).
#ifndef HERALD_PLUGIN_HOST_EXCHANGE_HPP
#define HERALD_PLUGIN_HOST_EXCHANGE_HPP

#include <herald/plugin_host/provider_instance.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::plugin_host {

// One event as delivered to one Provider (metadata already cleaned and merged).
struct EventData {
    std::string kind, ns, name, uid, api_version, resource_version, severity, timestamp;
    int64_t timestamp_unix_ms = 0;
    std::string message, reason, reporting_controller, reporting_instance;
    std::vector<std::pair<std::string, std::string>> metadata;
    std::string revision, commit_status_id, canonical_json;
};

struct Header {
    std::string name, value;
    bool sensitive = false;  // mask in every output
};

struct OutgoingRequest {
    std::string method, url;
    std::vector<Header> headers;
    std::string body;
    uint32_t timeout_ms = 0;  // never 0: the Provider's timeout when the plugin gave none
    bool idempotent = false;
};

struct Reply {
    bool delivered = false;  // false = transport failure
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string transport_error;
    // A transport failure that will not get better by retrying: certificate
    // verification failed (as Flux), the egress policy denied the address,
    // or the request itself is invalid (bad URL, method or header).
    bool permanent = false;
};

using Sender = std::function<Reply(const OutgoingRequest&)>;

enum class Outcome { Delivered, Skipped, Retry, Permanent, ConfigError, EventError, Internal };
std::string_view outcome_name(Outcome outcome);

struct ExchangeResult {
    Outcome outcome = Outcome::Internal;
    std::string error;                      // secrets masked; empty on success
    std::optional<std::string> retry_after;  // raw Retry-After header of the failing response
    int steps = 0;
    int requests = 0;
    std::vector<OutgoingRequest> sent;  // every request handed to the Sender, in order
};

// Host limits on what a plugin may ask for.
inline constexpr int kMaxSteps = 8;
inline constexpr size_t kMaxRequestsPerStep = 16;
inline constexpr size_t kMaxBodyBytes = 1024 * 1024;
inline constexpr size_t kMaxStateBytes = 64 * 1024;
// Circuit breaker: this many Internal outcomes in a row open it for kBreakerOpenMs.
inline constexpr uint32_t kBreakerThreshold = 5;
inline constexpr int64_t kBreakerOpenMs = 60 * 1000;

// Runs the exchange. `now_unix_ms` is the clock handed to the plugin and used
// by the plugin's circuit breaker. Thread-safe; may run concurrently.
ExchangeResult run_exchange(const ProviderInstance& instance, const EventData& event, uint32_t attempt,
                            int64_t now_unix_ms, const Sender& send);

}  // namespace herald::plugin_host

#endif
