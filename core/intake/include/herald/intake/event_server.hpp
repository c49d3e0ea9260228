// The event intake: an HTTP server that takes Flux events on any path and
// method (reference/providers.md §1.4), reads the body within the limit, and
// hands it to an EventHandler for everything after that.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace herald::intake {

struct Reply {
    int status = 202;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

// Decides the fate of one request body. Called from the server's threads.
class EventHandler {
public:
    virtual ~EventHandler() = default;
    virtual Reply handle(std::string body) = 0;
    // Counts replies the server produced itself (413, 400 on a broken read).
    virtual void count(int status) { (void)status; }
};

struct ServerOptions {
    std::string listen = "127.0.0.1:9090";  // host:port; port 0 = any free port
    size_t max_body = 3 * 1024 * 1024;      // 413 above (exactly 3 MiB is accepted)
    int max_threads = 16;
    int max_queued = 4096;
    int read_timeout_ms = 30000;
};

class EventServer {
public:
    EventServer(ServerOptions options, EventHandler& handler);
    ~EventServer();
    void start();
    // Stops accepting connections and waits for running requests.
    void stop();
    uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// An HTTP date ("Thu, 26 Nov 2026 23:34:04 GMT") for `unix_seconds`: the
// Date header, and the times in Retry-After and X-RateLimit-Reset.
std::string http_date(int64_t unix_seconds);

// Splits "host:port" (IPv6 as "[::1]:9090"); false when malformed.
bool split_host_port(const std::string& text, std::string& host, uint16_t& port);

}  // namespace herald::intake
