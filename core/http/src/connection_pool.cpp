#include "connection_pool.hpp"

namespace herald::http {
namespace {
// How often checkin looks through every endpoint for connections idle too long,
// so endpoints nobody calls any more do not keep sockets open forever.
constexpr auto kSweepInterval = std::chrono::seconds(5);
}  // namespace

ConnectionPool::ConnectionPool(size_t max_idle_per_endpoint, std::chrono::milliseconds idle_timeout)
    : max_idle_(max_idle_per_endpoint), idle_timeout_(idle_timeout), last_sweep_(Clock::now()) {}

ConnectionPool::~ConnectionPool() = default;

std::optional<PooledConnection> ConnectionPool::checkout(const std::string& key) {
    const auto now = Clock::now();
    std::vector<PooledConnection> expired;  // closed after unlocking
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(key);
    if (it == idle_.end() || it->second.empty()) return std::nullopt;
    auto& list = it->second;
    // The list is ordered by idle_since; the newest is at the back.
    if (now - list.back().idle_since > idle_timeout_) {
        expired.swap(list);
        return std::nullopt;
    }
    PooledConnection conn = std::move(list.back());
    list.pop_back();
    return conn;
}

void ConnectionPool::checkin(const std::string& key, PooledConnection conn) {
    const auto now = Clock::now();
    conn.idle_since = now;
    std::vector<PooledConnection> dropped;  // closed after unlocking
    std::lock_guard<std::mutex> lock(mutex_);
    if (max_idle_ == 0) {
        dropped.push_back(std::move(conn));
        return;
    }
    auto& list = idle_[key];
    if (list.size() >= max_idle_) {
        dropped.push_back(std::move(list.front()));
        list.erase(list.begin());
    }
    list.push_back(std::move(conn));
    if (now - last_sweep_ >= kSweepInterval) {
        last_sweep_ = now;
        collect_expired(now, dropped);
    }
}

void ConnectionPool::collect_expired(Clock::time_point now, std::vector<PooledConnection>& out) {
    for (auto it = idle_.begin(); it != idle_.end();) {
        auto& list = it->second;
        size_t keep_from = 0;
        while (keep_from < list.size() && now - list[keep_from].idle_since > idle_timeout_) ++keep_from;
        for (size_t i = 0; i < keep_from; ++i) out.push_back(std::move(list[i]));
        list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(keep_from));
        it = list.empty() ? idle_.erase(it) : std::next(it);
    }
}

size_t ConnectionPool::idle_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& [key, list] : idle_) n += list.size();
    return n;
}

}  // namespace herald::http
