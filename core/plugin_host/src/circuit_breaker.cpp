#include "circuit_breaker.hpp"

namespace herald::plugin_host {

std::optional<std::string> CircuitBreaker::admit(const std::string& plugin_id, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (consecutive_ < threshold_) return std::nullopt;
    // Half-open after the wait: exactly one trial at a time.
    if (now_ms >= open_until_ms_ && !trial_running_) {
        trial_running_ = true;
        return std::nullopt;
    }
    return "circuit open: plugin " + plugin_id + " failed " + std::to_string(consecutive_) + " times in a row";
}

void CircuitBreaker::record(bool internal, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    trial_running_ = false;
    if (!internal) {
        consecutive_ = 0;
        open_until_ms_ = 0;
        return;
    }
    ++consecutive_;
    if (consecutive_ >= threshold_) open_until_ms_ = now_ms + open_ms_;
}

CircuitBreaker::Snapshot CircuitBreaker::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return Snapshot{consecutive_ >= threshold_, consecutive_, consecutive_ >= threshold_ ? open_until_ms_ : 0};
}

}  // namespace herald::plugin_host
