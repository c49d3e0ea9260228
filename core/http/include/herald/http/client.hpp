// Outgoing HTTP/HTTPS for provider requests: keep-alive pools, proxies,
// per-route CA / client certificates, timeouts, and failure classification.
//
// One Client per process; send() is blocking and safe to call from many worker
// threads at once. Every status code is a Response; only transport problems are
// Failures, and a Failure's message never contains credentials or URL paths
// (webhook URLs are secrets), only host:port and the reason.
#pragma once

#include <herald/http/egress.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::http {

struct Header {
    std::string name;
    std::string value;
    bool sensitive = false;  // credentials: never logged
};

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string url;     // absolute http:// or https:// URL; userinfo becomes Basic auth
    std::vector<Header> headers;
    std::string body;
    uint32_t timeout_ms = 15000;  // connect + whole exchange
};

struct Response {
    int status = 0;
    std::vector<Header> headers;  // in received order, names as received
    std::string body;             // at most ClientOptions::response_body_limit bytes
    bool truncated = false;       // the server sent more than the limit
};

enum class FailureKind {
    Dns,          // host name did not resolve
    Connect,      // TCP connect failed (refused, unreachable)
    Timeout,      // connect or exchange exceeded Request::timeout_ms
    Tls,          // TLS handshake or TLS configuration problem
    Certificate,  // peer certificate rejected: "certificate verify failed: <reason>"
    Proxy,        // proxy unreachable, refused CONNECT, or bad proxy URL
    Protocol,     // the peer did not speak valid HTTP/1.1
    Denied,       // refused by the egress policy (ClientOptions::egress) before any byte was sent
    BadUrl,       // the request URL is not an absolute http(s) URL
    BadRequest,   // invalid method or header (e.g. CR/LF in a value)
    Io,           // an established connection broke mid-exchange (reset, closed)
};

std::string_view to_string(FailureKind kind);

struct Failure {
    FailureKind kind;
    std::string message;  // never contains credentials
};

struct Result {
    std::optional<Response> response;
    std::optional<Failure> failure;
    bool ok() const { return response.has_value(); }
};

struct TlsOptions {
    std::string ca_pem;           // non-empty: these CAs REPLACE the system roots
    std::string client_cert_pem;  // mTLS: leaf first, then chain
    std::string client_key_pem;
};

struct Route {
    // http://[user:pass@]host:port. Empty: take the proxy from the environment
    // snapshot (ClientOptions::proxy_environment).
    std::string proxy_url;
    TlsOptions tls;
};

// Proxy settings as Go's ProxyFromEnvironment reads them: HTTPS_PROXY for
// https URLs, HTTP_PROXY for http URLs, NO_PROXY exclusions; upper case wins
// over lower case. Like Go, "localhost" and loopback IPs never use the
// environment proxy.
struct ProxyEnvironment {
    std::string http_proxy;
    std::string https_proxy;
    std::string no_proxy;

    static ProxyEnvironment from_process();

    // The proxy URL to use for scheme://host:port, or "" to go direct.
    // host is without brackets for IPv6.
    std::string proxy_for(std::string_view scheme, std::string_view host, uint16_t port) const;
};

struct ClientOptions {
    size_t max_idle_per_endpoint = 16;
    size_t response_body_limit = 1 << 20;
    std::string user_agent = "herald/0.1";
    uint32_t idle_timeout_ms = 90000;  // idle pooled connections older than this are closed
    // nullopt: snapshot the process environment when the Client is built.
    std::optional<ProxyEnvironment> proxy_environment;
    // Which destinations may be reached (egress.hpp). Checked on the address
    // each new connection goes to, after DNS. Redirects are never followed:
    // a 3xx is returned as a Response like any other status.
    EgressPolicy egress;
};

struct ClientStats {
    uint64_t requests = 0;
    uint64_t failures = 0;
    uint64_t connections_opened = 0;
    uint64_t connections_reused = 0;
    uint64_t stale_retries = 0;  // reused connection found closed, request re-sent once
};

class Client {
 public:
    explicit Client(ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Blocking; thread-safe. Exactly one of Result::response / Result::failure is set.
    Result send(const Request& request, const Route& route);

    ClientStats stats() const;
    size_t idle_connections() const;

 private:
    struct State;
    std::unique_ptr<State> state_;
};

// The URL with the userinfo password and every query value replaced by "xxxxx"
// (query strings often carry tokens). Not a URL: returned as "<invalid url>".
std::string redact_url(std::string_view url);

// Retry-After: non-negative integer seconds, or an HTTP-date (IMF-fixdate,
// RFC 850, asctime) turned into a delay from now_unix_s (past dates give 0).
// nullopt when the value is neither.
std::optional<int64_t> parse_retry_after(std::string_view value, int64_t now_unix_s);

}  // namespace herald::http
