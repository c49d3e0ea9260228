// The admin listener: health, readiness, Prometheus metrics and the JSON
// status API. The server only parses HTTP; the app decides every answer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace herald::admin {

struct AdminRequest {
    std::string method;
    std::string path;   // without the query
    std::string query;  // raw, without '?'
    std::string body;
};

struct AdminReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

using AdminHandler = std::function<AdminReply(const AdminRequest&)>;

class AdminServer {
public:
    // `listen` is host:port (port 0 = any free port).
    AdminServer(const std::string& listen, AdminHandler handler);
    ~AdminServer();
    void start();
    void stop();
    uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Value of `key` in a raw query string ("a=1&b=2"), percent-decoded; "" when absent.
std::string query_param(const std::string& query, const std::string& key);

}  // namespace herald::admin
