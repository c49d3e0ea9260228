// Alert matching and fan-out (reference/providers.md §1.6–§1.8): which Alerts
// an event matches, and the notification each matching Alert's Provider gets.
#pragma once

#include <herald/config/config.hpp>
#include <herald/events/event.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace herald::routing {

// One delivery to make: the Provider (index into Config::providers), the
// Alert that asked for it, and the event with that Alert's metadata merged.
struct Routed {
    size_t provider_index = 0;
    std::string alert_key;  // "ns/name"
    events::Event notification;
};

// Why an Alert did or did not take an event (for `herald render`).
struct AlertDecision {
    std::string alert_key;
    std::string provider_key;
    bool matched = false;
    std::string reason;  // why not, or what matched
};

class Router {
public:
    // `type_flags(type)` returns the HERALD_TYPE_* flags of a provider type.
    // The config must outlive the router.
    Router(const config::Config& config, std::function<uint32_t(const std::string&)> type_flags);
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // The deliveries for one cleaned event. Thread-safe.
    std::vector<Routed> route(const events::Event& cleaned) const;
    // route() with the decision about every Alert.
    std::vector<Routed> route(const events::Event& cleaned, std::vector<AlertDecision>* decisions) const;

private:
    struct CompiledAlert;
    std::vector<std::unique_ptr<CompiledAlert>> alerts_;
    const config::Config& config_;
};

// The value of controller metadata `key`: "<group>/<key>", else the
// unprefixed v1beta1-era key; nullptr when absent.
const std::string* controller_metadata(const events::Event& cleaned, const std::string& key);

}  // namespace herald::routing
