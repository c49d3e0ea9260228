#include <herald/http/client.hpp>

#include "connection_pool.hpp"
#include "failure_classifier.hpp"
#include "proxy_environment.hpp"
#include "tls_contexts.hpp"
#include "url.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>

#include <Poco/Net/SocketAddress.h>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <utility>

namespace herald::http {
namespace {

constexpr uint32_t kDefaultTimeoutMs = 15000;
constexpr size_t kReadChunk = 16384;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// RFC 9110 token characters: what a method or header name may contain.
bool is_token(std::string_view text) {
    if (text.empty()) return false;
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
    });
}

bool is_field_value(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Framing and routing headers belong to the transport, not to plugins.
bool is_transport_header(std::string_view name) {
    static constexpr std::string_view names[] = {"Host",    "Connection", "Keep-Alive",    "Transfer-Encoding",
                                                 "TE",      "Trailer",    "Upgrade",       "Content-Length"};
    for (auto n : names) {
        if (iequals(name, n)) return true;
    }
    return istarts_with(name, "Proxy-");
}

bool has_header(const std::vector<Header>& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const Header& h) { return iequals(h.name, name); });
}

std::string base64(std::string_view raw) {
    std::string out(4 * ((raw.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

// Go's client turns URL userinfo into Basic auth; providers rely on it.
std::string basic_auth_from_userinfo(std::string_view userinfo) {
    auto colon = userinfo.find(':');
    std::string credentials = percent_decode(userinfo.substr(0, colon));
    credentials.push_back(':');
    if (colon != std::string_view::npos) credentials += percent_decode(userinfo.substr(colon + 1));
    return "Basic " + base64(credentials);
}

std::optional<Failure> validate(const Request& request) {
    if (!is_token(request.method)) return Failure{FailureKind::BadRequest, "request method is not a valid HTTP token"};
    for (const auto& h : request.headers) {
        if (!is_token(h.name))
            return Failure{FailureKind::BadRequest, "request header name is not a valid HTTP token"};
        if (!is_field_value(h.value))
            return Failure{FailureKind::BadRequest, "request header " + h.name + " has a CR, LF or NUL in its value"};
    }
    return std::nullopt;
}

struct ProxyChoice {
    bool direct = true;
    std::string host;
    uint16_t port = 0;
    std::string username;
    std::string password;
};

std::optional<Failure> parse_proxy(std::string_view proxy_url, ProxyChoice& out) {
    // Like Go, "host:port" without a scheme means an http:// proxy.
    std::string with_scheme;
    if (proxy_url.find("://") == std::string_view::npos) {
        with_scheme = "http://" + std::string(proxy_url);
        proxy_url = with_scheme;
    }
    auto parsed = parse_url(proxy_url);
    if (!parsed) return Failure{FailureKind::Proxy, "proxy URL is not a valid http://host:port URL"};
    if (parsed->https) return Failure{FailureKind::Proxy, "proxy URL scheme https is not supported (use http://)"};
    out.direct = false;
    out.host = std::string(parsed->host);
    out.port = parsed->port;
    if (!parsed->userinfo.empty()) {
        auto colon = parsed->userinfo.find(':');
        out.username = percent_decode(parsed->userinfo.substr(0, colon));
        if (colon != std::string_view::npos) out.password = percent_decode(parsed->userinfo.substr(colon + 1));
    }
    return std::nullopt;
}

// HTTPSession::peek() is protected; naming it through a derived class is the
// standard way to reach it on any session object. It blocks until the first
// response byte (or EOF) arrives without consuming it.
struct SessionPeek : Poco::Net::HTTPSession {
    static int first_byte(Poco::Net::HTTPSession& session) { return (session.*(&SessionPeek::peek))(); }
};

int64_t ms_left(Clock::time_point deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

// Keeps socket timeouts near the time left before the deadline. The socket is
// touched only when the applied value is more than 10% off, so a pooled
// connection serving one provider costs no extra system calls.
bool fit_timeout(PooledConnection& conn, Clock::time_point deadline) {
    int64_t left = ms_left(deadline);
    if (left <= 0) return false;
    int64_t applied = conn.socket_timeout_ms;
    if (applied != 0 && std::abs(applied - left) <= left / 10) return true;
    Poco::Timespan span(left * 1000);
    conn.session->setTimeout(span);
    if (conn.session->connected()) {
        conn.session->socket().setReceiveTimeout(span);
        conn.session->socket().setSendTimeout(span);
    }
    conn.socket_timeout_ms = static_cast<uint32_t>(left);
    return true;
}

bool response_has_no_body(const Request& request, int status) {
    return iequals(request.method, "HEAD") || status == 204 || status == 304 || (status >= 100 && status < 200);
}

// Thrown from a session's connect when the egress policy refuses the address.
class EgressDenied : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::array<uint8_t, 16> ip_bytes(const Poco::Net::IPAddress& ip) {
    std::array<uint8_t, 16> out{};
    const auto* raw = static_cast<const uint8_t*>(ip.addr());
    if (ip.family() == Poco::Net::IPAddress::IPv4) {
        out[10] = out[11] = 0xff;
        std::copy_n(raw, 4, out.begin() + 12);
    } else {
        std::copy_n(raw, 16, out.begin());
    }
    return out;
}

// Who a session connects to, for the egress check of every (re)connect.
struct EgressCheck {
    const EgressPolicy* policy = nullptr;
    std::string host;   // the URL host, or the proxy host when proxied
    bool via_proxy = false;
};

// Poco writes a request's head and its body with two sends. A session that
// holds its writes sends both as one: one segment (one TLS record) and one
// wake-up of the receiver per request.
class HeldWrites {
public:
    virtual ~HeldWrites() = default;
    virtual void hold_writes() = 0;
    virtual void release_writes() = 0;  // sends what was held; throws like a write
};

// A Poco session whose connect() checks the resolved address first: Poco
// resolves the host and hands the one address it will use to connect(), so
// the address checked is the address connected to (no DNS rebinding gap).
template <class Base>
class GuardedSession final : public Base, public HeldWrites {
public:
    template <class... Args>
    explicit GuardedSession(EgressCheck check, Args&&... args)
        : Base(std::forward<Args>(args)...), check_(std::move(check)) {}

    void hold_writes() override {
        held_.clear();
        holding_ = true;
    }
    void release_writes() override {
        holding_ = false;
        std::string_view rest(held_);
        while (!rest.empty()) {
            // Base::write is Poco's: it reconnects and resends when a kept-alive
            // connection turned out closed, now with the whole request.
            int n = Base::write(rest.data(), std::streamsize(rest.size()));
            if (n <= 0) throw Poco::IOException("connection closed while sending the request");
            rest.remove_prefix(size_t(n));
        }
        held_.clear();
    }

protected:
    void connect(const Poco::Net::SocketAddress& address) override {
        if (auto why = check_.policy->refusal(check_.host, ip_bytes(address.host()), !check_.via_proxy))
            throw EgressDenied(check_.via_proxy ? "proxy " + *why : *why);
        Base::connect(address);
    }

    int write(const char* buffer, std::streamsize length) override {
        if (!holding_) return Base::write(buffer, length);
        held_.append(buffer, size_t(length));
        return int(length);
    }

private:
    EgressCheck check_;
    bool holding_ = false;
    std::string held_;
};

struct Attempt {
    Result result;
    bool stale = false;      // a reused connection failed before any response byte
    bool reusable = false;   // the connection may go back to the pool
};

}  // namespace

std::string_view to_string(FailureKind kind) {
    switch (kind) {
        case FailureKind::Dns: return "dns";
        case FailureKind::Connect: return "connect";
        case FailureKind::Timeout: return "timeout";
        case FailureKind::Tls: return "tls";
        case FailureKind::Certificate: return "certificate";
        case FailureKind::Proxy: return "proxy";
        case FailureKind::Protocol: return "protocol";
        case FailureKind::Denied: return "denied";
        case FailureKind::BadUrl: return "bad_url";
        case FailureKind::BadRequest: return "bad_request";
        case FailureKind::Io: return "io";
    }
    return "unknown";
}

struct Client::State {
    explicit State(ClientOptions opts)
        : options(std::move(opts)),
          environment(options.proxy_environment ? *options.proxy_environment : ProxyEnvironment::from_process()),
          no_proxy(environment.no_proxy),
          pool(options.max_idle_per_endpoint, std::chrono::milliseconds(options.idle_timeout_ms)) {}

    std::optional<Failure> choose_proxy(const ParsedUrl& url, const Route& route, ProxyChoice& out) const;
    std::unique_ptr<Poco::Net::HTTPClientSession> new_session(const ParsedUrl& url, const ProxyChoice& proxy,
                                                              const Poco::Net::Context::Ptr& context) const;
    void build_request(Poco::Net::HTTPRequest& out, const Request& request, const ParsedUrl& url) const;
    Attempt exchange(PooledConnection& conn, bool reused, const Request& request, const ParsedUrl& url,
                     const ProxyChoice& proxy, uint32_t timeout_ms, Clock::time_point deadline) const;
    void read_response(Poco::Net::HTTPClientSession& session, PooledConnection& conn, const Request& request,
                       Clock::time_point deadline, Attempt& attempt) const;

    const ClientOptions options;
    const ProxyEnvironment environment;
    const NoProxyList no_proxy;
    TlsContexts tls;
    ConnectionPool pool;
    std::atomic<uint64_t> requests{0}, failures{0}, opened{0}, reused{0}, stale_retries{0};
};

std::optional<Failure> Client::State::choose_proxy(const ParsedUrl& url, const Route& route, ProxyChoice& out) const {
    if (!route.proxy_url.empty()) return parse_proxy(route.proxy_url, out);
    const std::string& from_env = url.https ? environment.https_proxy : environment.http_proxy;
    if (from_env.empty() || no_proxy.excludes(url.host, url.port)) return std::nullopt;
    return parse_proxy(from_env, out);
}

std::unique_ptr<Poco::Net::HTTPClientSession> Client::State::new_session(
    const ParsedUrl& url, const ProxyChoice& proxy, const Poco::Net::Context::Ptr& context) const {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    std::string host(url.host);
    EgressCheck check{&options.egress, proxy.direct ? host : proxy.host, !proxy.direct};
    if (url.https) {
        session = std::make_unique<GuardedSession<Poco::Net::HTTPSClientSession>>(check, host, url.port, context);
    } else {
        session = std::make_unique<GuardedSession<Poco::Net::HTTPClientSession>>(check, host, url.port);
    }
    Poco::Net::HTTPClientSession::ProxyConfig config;  // empty: no proxy (ignores Poco's global config)
    if (!proxy.direct) {
        config.host = proxy.host;
        config.port = proxy.port;
        config.username = proxy.username;
        config.password = proxy.password;
    }
    session->setProxyConfig(config);
    session->setKeepAlive(true);
    // Poco reconnects silently after its own keep-alive timeout; ours (the pool's) must decide first.
    session->setKeepAliveTimeout(Poco::Timespan(static_cast<int64_t>(options.idle_timeout_ms) * 1000 + 60 * 1000000LL));
    return session;
}

void Client::State::build_request(Poco::Net::HTTPRequest& out, const Request& request, const ParsedUrl& url) const {
    out.setMethod(request.method);
    out.setURI(std::string(url.target));
    out.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    out.set("Host", host_header(url));
    for (const auto& h : request.headers) {
        if (!is_transport_header(h.name)) out.add(h.name, h.value);
    }
    if (!options.user_agent.empty() && !has_header(request.headers, "User-Agent"))
        out.set("User-Agent", options.user_agent);
    if (!url.userinfo.empty() && !has_header(request.headers, "Authorization"))
        out.set("Authorization", basic_auth_from_userinfo(url.userinfo));
    bool sends_body = !request.body.empty() || iequals(request.method, "POST") || iequals(request.method, "PUT") ||
                      iequals(request.method, "PATCH");
    if (sends_body) out.setContentLength64(static_cast<Poco::Int64>(request.body.size()));
}

Attempt Client::State::exchange(PooledConnection& conn, bool reused, const Request& request, const ParsedUrl& url,
                                const ProxyChoice& proxy, uint32_t timeout_ms, Clock::time_point deadline) const {
    Attempt attempt;
    auto& session = *conn.session;
    FailureContext where{url.host, url.port, proxy.host, proxy.port, Phase::Connecting, timeout_ms};
    bool got_first_byte = false;
    clear_verify_error();
    try {
        if (session.connected()) where.phase = Phase::Sending;
        if (!fit_timeout(conn, deadline)) throw Poco::TimeoutException("deadline passed");
        Poco::Net::HTTPRequest out;
        build_request(out, request, url);
        auto* held = dynamic_cast<HeldWrites*>(&session);
        if (held) held->hold_writes();
        std::ostream& body_stream = session.sendRequest(out);  // connects first if needed
        where.phase = Phase::Sending;
        // A request/response exchange: nothing gains from Nagle's delay.
        if (int fd = session.socket().impl()->sockfd(); fd != conn.no_delay_fd) {
            session.socket().setNoDelay(true);
            conn.no_delay_fd = fd;
        }
        body_stream.exceptions(std::ios::badbit);  // rethrow the session's own exception
        if (!request.body.empty()) body_stream.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
        body_stream.flush();
        if (held) held->release_writes();
        where.phase = Phase::AwaitingResponse;
        if (!fit_timeout(conn, deadline)) throw Poco::TimeoutException("deadline passed");
        if (SessionPeek::first_byte(session) == std::char_traits<char>::eof()) {
            if (reused) {
                attempt.stale = true;
                return attempt;
            }
            throw Poco::Net::NoMessageException();
        }
        got_first_byte = true;
        where.phase = Phase::Reading;
        read_response(session, conn, request, deadline, attempt);
    } catch (const EgressDenied& denied) {
        attempt.result.failure = Failure{FailureKind::Denied, denied.what()};
        attempt.result.response.reset();
        attempt.reusable = false;
    } catch (const Poco::Exception& error) {
        Failure failure = classify(error, where);
        attempt.stale = reused && !got_first_byte && failure.kind != FailureKind::Timeout;
        attempt.result.failure = std::move(failure);
        attempt.result.response.reset();
        attempt.reusable = false;
    } catch (const std::exception& error) {
        attempt.result.failure = Failure{FailureKind::Io, std::string("HTTP client error: ") + error.what()};
        attempt.result.response.reset();
        attempt.reusable = false;
    }
    return attempt;
}

void Client::State::read_response(Poco::Net::HTTPClientSession& session, PooledConnection& conn,
                                  const Request& request, Clock::time_point deadline, Attempt& attempt) const {
    Poco::Net::HTTPResponse head;
    std::istream& body_stream = session.receiveResponse(head);
    body_stream.exceptions(std::ios::badbit);
    Response& response = attempt.result.response.emplace();
    response.status = static_cast<int>(head.getStatus());
    response.headers.reserve(head.size());
    for (const auto& [name, value] : head) response.headers.push_back(Header{name, value, false});

    const size_t limit = options.response_body_limit;
    const bool has_length = head.hasContentLength();
    const int64_t length = has_length ? head.getContentLength64() : -1;
    if (has_length && length > 0) response.body.reserve(static_cast<size_t>(std::min<int64_t>(length, limit)));
    char buffer[kReadChunk];
    while (true) {
        // Ask for one byte past the limit, so "exactly the limit" is not truncation.
        size_t want = std::min(kReadChunk, limit + 1 - response.body.size());
        body_stream.read(buffer, static_cast<std::streamsize>(want));
        response.body.append(buffer, static_cast<size_t>(body_stream.gcount()));
        if (response.body.size() > limit) {
            response.body.resize(limit);
            response.truncated = true;
            break;
        }
        if (!body_stream) break;  // end of body
        if (!fit_timeout(conn, deadline)) throw Poco::TimeoutException("deadline passed");
    }
    if (has_length && !response.truncated && static_cast<int64_t>(response.body.size()) < length)
        throw Poco::Net::MessageException("connection closed before the whole body arrived");
    const bool framed = has_length || head.getChunkedTransferEncoding() || response_has_no_body(request, response.status);
    attempt.reusable = !response.truncated && framed && head.getKeepAlive();
}

Client::Client(ClientOptions options) : state_(std::make_unique<State>(std::move(options))) {}

Client::~Client() = default;

Result Client::send(const Request& request, const Route& route) {
    State& s = *state_;
    s.requests.fetch_add(1, std::memory_order_relaxed);
    auto fail = [&s](Failure failure) {
        s.failures.fetch_add(1, std::memory_order_relaxed);
        Result result;
        result.failure = std::move(failure);
        return result;
    };

    auto url = parse_url(request.url);
    if (!url) return fail({FailureKind::BadUrl, "request URL is not an absolute http:// or https:// URL"});
    if (auto invalid = validate(request)) return fail(std::move(*invalid));
    ProxyChoice proxy;
    if (auto bad_proxy = s.choose_proxy(*url, route, proxy)) return fail(std::move(*bad_proxy));
    // Through a proxy only the proxy's address is connected to: the
    // destination is judged by its name (or literal IP) before any I/O.
    if (!proxy.direct) {
        if (auto why = s.options.egress.refusal(url->host, parse_ip(url->host)))
            return fail({FailureKind::Denied, std::move(*why)});
    }
    Poco::Net::Context::Ptr context;
    if (url->https) {
        std::string error;
        context = s.tls.get(route.tls, error);
        if (!context) return fail({FailureKind::Tls, std::move(error)});
    }

    // Pool identity: everything that makes two connections interchangeable.
    std::string key;
    key.reserve(url->host.size() + proxy.host.size() + 48);
    key.append(url->https ? "https|" : "http|").append(url->host).append("|").append(std::to_string(url->port));
    if (!proxy.direct) {
        key.append("|").append(proxy.host).append(":").append(std::to_string(proxy.port));
        key.append("|").append(proxy.username).append(":").append(proxy.password);
    }
    if (context) key.append("|").append(std::to_string(reinterpret_cast<uintptr_t>(context.get())));

    const uint32_t timeout_ms = request.timeout_ms != 0 ? request.timeout_ms : kDefaultTimeoutMs;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);

    for (int round = 0; round < 2; ++round) {
        std::optional<PooledConnection> conn = round == 0 ? s.pool.checkout(key) : std::nullopt;
        const bool reused = conn.has_value();
        if (reused) {
            s.reused.fetch_add(1, std::memory_order_relaxed);
        } else {
            conn.emplace();
            conn->session = s.new_session(*url, proxy, context);
            s.opened.fetch_add(1, std::memory_order_relaxed);
        }
        Attempt attempt = s.exchange(*conn, reused, request, *url, proxy, timeout_ms, deadline);
        if (attempt.stale && round == 0) {
            s.stale_retries.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (attempt.reusable) s.pool.checkin(key, std::move(*conn));
        if (attempt.result.failure) s.failures.fetch_add(1, std::memory_order_relaxed);
        return std::move(attempt.result);
    }
    return fail({FailureKind::Io, "connection closed without answering"});  // not reached: round 1 is never stale
}

ClientStats Client::stats() const {
    const State& s = *state_;
    ClientStats out;
    out.requests = s.requests.load(std::memory_order_relaxed);
    out.failures = s.failures.load(std::memory_order_relaxed);
    out.connections_opened = s.opened.load(std::memory_order_relaxed);
    out.connections_reused = s.reused.load(std::memory_order_relaxed);
    out.stale_retries = s.stale_retries.load(std::memory_order_relaxed);
    return out;
}

size_t Client::idle_connections() const { return state_->pool.idle_count(); }

}  // namespace herald::http
