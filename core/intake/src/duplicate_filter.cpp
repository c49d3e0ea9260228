#include <herald/intake/duplicate_filter.hpp>

#include <functional>

namespace herald::intake {

DuplicateFilter::Shard& DuplicateFilter::shard(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

DuplicateFilter::Decision DuplicateFilter::check(const std::string& key, int64_t now_ms) {
    Shard& s = shard(key);
    std::lock_guard lock(s.mutex);
    // Idle keys older than two windows are dropped, at most once per window.
    if (now_ms - s.last_prune_ms > window_ms_) {
        for (auto it = s.window_start.begin(); it != s.window_start.end();)
            it = (now_ms - it->second >= 2 * window_ms_) ? s.window_start.erase(it) : std::next(it);
        s.last_prune_ms = now_ms;
    }
    auto [it, inserted] = s.window_start.try_emplace(key, now_ms);
    if (inserted) return {true, now_ms + window_ms_};
    int64_t elapsed = now_ms - it->second;
    if (elapsed >= window_ms_) {
        // A new fixed window starts at the last window boundary.
        it->second += (elapsed / window_ms_) * window_ms_;
        return {true, it->second + window_ms_};
    }
    return {false, it->second + window_ms_};
}

void DuplicateFilter::forget(const std::string& key) {
    Shard& s = shard(key);
    std::lock_guard lock(s.mutex);
    s.window_start.erase(key);
}

}  // namespace herald::intake
