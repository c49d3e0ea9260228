// Idle keep-alive connections per endpoint. A connection is owned by exactly
// one sender between checkout and checkin, so no session is ever shared; the
// lock covers only the idle lists, never I/O.
#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace herald::http {

using Clock = std::chrono::steady_clock;

struct PooledConnection {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    Clock::time_point idle_since{};
    uint32_t socket_timeout_ms = 0;  // last timeout applied to the socket, to skip repeats
    int no_delay_fd = -1;            // the socket TCP_NODELAY was set on (a reconnect makes a new one)
};

class ConnectionPool {
 public:
    ConnectionPool(size_t max_idle_per_endpoint, std::chrono::milliseconds idle_timeout);
    ~ConnectionPool();

    // The most recently used idle connection for key, if any is young enough.
    std::optional<PooledConnection> checkout(const std::string& key);
    // Keeps conn for reuse; the oldest idle one goes when the endpoint is full.
    void checkin(const std::string& key, PooledConnection conn);
    size_t idle_count() const;

 private:
    void collect_expired(Clock::time_point now, std::vector<PooledConnection>& out);

    const size_t max_idle_;
    const Clock::duration idle_timeout_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<PooledConnection>> idle_;
    Clock::time_point last_sweep_;
};

}  // namespace herald::http
