// Per-plugin circuit breaker over consecutive Internal outcomes.
#ifndef HERALD_PLUGIN_HOST_CIRCUIT_BREAKER_HPP
#define HERALD_PLUGIN_HOST_CIRCUIT_BREAKER_HPP

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace herald::plugin_host {

// Closed while a plugin works; open for a while after it failed too often in
// a row, so a broken plugin stops burning work; then half-open: one trial
// exchange decides whether it closes again.
class CircuitBreaker {
public:
    CircuitBreaker(uint32_t threshold, int64_t open_ms) : threshold_(threshold), open_ms_(open_ms) {}

    // nullopt when an exchange may run now; else the refusal text.
    std::optional<std::string> admit(const std::string& plugin_id, int64_t now_ms);
    // Records the end of an admitted exchange.
    void record(bool internal, int64_t now_ms);

    struct Snapshot {
        bool open = false;
        uint32_t consecutive = 0;
        int64_t open_until_ms = 0;
    };
    Snapshot snapshot() const;

private:
    mutable std::mutex mutex_;
    const uint32_t threshold_;
    const int64_t open_ms_;
    uint32_t consecutive_ = 0;
    int64_t open_until_ms_ = 0;
    bool trial_running_ = false;
};

}  // namespace herald::plugin_host

#endif
