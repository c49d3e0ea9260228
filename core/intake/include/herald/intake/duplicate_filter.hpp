// Duplicate-event suppression (reference/providers.md §1.5): one event per key
// per fixed window, anchored at the first time the key is seen.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace herald::intake {

class DuplicateFilter {
public:
    explicit DuplicateFilter(int64_t window_ms = 5 * 60 * 1000) : window_ms_(window_ms) {}

    struct Decision {
        bool allowed = true;
        int64_t window_end_ms = 0;  // when the key may pass again
    };
    // Thread-safe; sharded so concurrent intake threads rarely meet on a lock.
    Decision check(const std::string& key, int64_t now_ms);
    // Forgets a key that passed (the event it let through was not accepted).
    void forget(const std::string& key);
    int64_t window_ms() const { return window_ms_; }

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, int64_t> window_start;
        int64_t last_prune_ms = 0;
    };
    Shard& shard(const std::string& key);

    int64_t window_ms_;
    std::array<Shard, 16> shards_;
};

}  // namespace herald::intake
