#include <herald/intake/event_server.hpp>

#include <herald/log/log.hpp>

#include <Poco/Net/HTTPChunkedStream.h>
#include <Poco/Net/HTTPFixedLengthStream.h>
#include <Poco/Net/HTTPHeaderStream.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/HTTPStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>


#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <istream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>

namespace herald::intake {
namespace {

void send_all(Poco::Net::StreamSocket& socket, std::string_view data) {
    while (!data.empty()) {
        int n = socket.sendBytes(data.data(), int(data.size()));
        if (n <= 0) throw Poco::IOException("connection closed while answering");
        data.remove_prefix(size_t(n));
    }
}


// What the intake answers to one request, and whether the connection can
// carry another one after it.
struct Answer {
    Reply reply;
    bool keep_alive = true;
};

// Reads one request's body within the limit and asks the EventHandler.
class RequestHandler {
public:
    RequestHandler(EventHandler& handler, size_t max_body) : handler_(handler), max_body_(max_body) {}

    Answer handle(Poco::Net::HTTPServerSession& session, const Poco::Net::HTTPRequest& request) {
        if (request.hasContentLength() && request.getContentLength64() > Poco::Int64(max_body_))
            return refused(413);  // not read: the connection closes
        if (request.getExpectContinue()) send_all(session.socket(), "HTTP/1.1 100 Continue\r\n\r\n");
        auto in = body_stream(session, request);
        std::string body;
        if (int status = read_body(request, *in, body)) return refused(status);
        // A body that ends with the connection leaves nothing to keep alive.
        const bool delimited = request.getChunkedTransferEncoding() || request.hasContentLength() ||
                               dynamic_cast<Poco::Net::HTTPFixedLengthInputStream*>(in.get());
        return Answer{handler_.handle(std::move(body)), delimited};
    }

    void count(int status) { handler_.count(status); }

private:
    Answer refused(int status) {
        handler_.count(status);
        return Answer{Reply{status, {}, ""}, false};
    }

    // As Poco's server request: chunked wins over Content-Length; without
    // either a POST body runs to the end of the connection.
    static std::unique_ptr<std::istream> body_stream(Poco::Net::HTTPServerSession& session,
                                                     const Poco::Net::HTTPRequest& request) {
        if (request.getChunkedTransferEncoding()) return std::make_unique<Poco::Net::HTTPChunkedInputStream>(session);
        if (request.hasContentLength())
            return std::make_unique<Poco::Net::HTTPFixedLengthInputStream>(session, request.getContentLength64());
        const std::string& method = request.getMethod();
        if (method == Poco::Net::HTTPRequest::HTTP_GET || method == Poco::Net::HTTPRequest::HTTP_HEAD ||
            method == Poco::Net::HTTPRequest::HTTP_DELETE)
            return std::make_unique<Poco::Net::HTTPFixedLengthInputStream>(session, 0);
        return std::make_unique<Poco::Net::HTTPInputStream>(session);
    }

    // 0 when the body was read, else the status to answer.
    int read_body(const Poco::Net::HTTPRequest& req, std::istream& in, std::string& body) {
        if (req.hasContentLength()) body.reserve(size_t(req.getContentLength64()));
        char buf[16384];
        while (in) {
            in.read(buf, sizeof buf);
            std::streamsize n = in.gcount();
            if (n <= 0) break;
            if (body.size() + size_t(n) > max_body_) return 413;
            body.append(buf, size_t(n));
        }
        if (in.bad()) return 400;
        if (req.hasContentLength() && body.size() != size_t(req.getContentLength64())) return 400;
        return 0;
    }

    EventHandler& handler_;
    size_t max_body_;
};

// The server side of one kept-alive connection. Poco's HTTPServerSession
// waits for the next request with Socket::poll(), which on Linux creates,
// fills and closes an epoll set on every call (a quarter of the intake's CPU
// under load); one poll(2) on the socket does the same wait.
class IntakeSession final : public Poco::Net::HTTPServerSession {
public:
    IntakeSession(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params)
        : HTTPServerSession(socket, params), keep_alive_ms_(int(params->getKeepAliveTimeout().totalMilliseconds())),
          first_ms_(int(params->getTimeout().totalMilliseconds())) {}

    // True when a request has started to arrive; false on timeout, close or
    // when the previous answer ended keep-alive.
    bool next_request() {
        if (!first_) {
            if (!getKeepAlive()) return false;
            if (buffered() > 0) return true;
        }
        int wait_ms = first_ ? first_ms_ : keep_alive_ms_;
        first_ = false;
        pollfd p{socket().impl()->sockfd(), POLLIN, 0};
        for (;;) {
            int n = ::poll(&p, 1, wait_ms);
            if (n > 0) return true;  // readable, or hung up: the read tells which
            if (n == 0 || errno != EINTR) return false;
        }
    }

private:
    int keep_alive_ms_;
    int first_ms_;
    bool first_ = true;
};

// The live connections, so stop() can wake those waiting for a next request.
class ConnectionSet {
public:
    // False when the server is already stopping: the caller ends at once.
    bool add(Poco::Net::StreamSocket& socket) {
        std::lock_guard lock(mutex_);
        if (stopped_) return false;
        live_.insert(&socket);
        return true;
    }
    void remove(Poco::Net::StreamSocket& socket) {
        std::lock_guard lock(mutex_);
        live_.erase(&socket);
    }
    bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
    // Ends every keep-alive wait: a shut receive side reads as end of stream.
    // A request being answered still gets its answer.
    void stop() {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (auto* socket : live_) {
            try {
                socket->shutdownReceive();
            } catch (const Poco::Exception&) {
            }
        }
    }

private:
    std::mutex mutex_;
    std::set<Poco::Net::StreamSocket*> live_;
    std::atomic<bool> stopped_{false};
};

// The Date header, formatted once per second per thread.
const std::string& http_date_now() {
    thread_local std::time_t second = 0;
    thread_local std::string text;
    std::time_t now = std::time(nullptr);
    if (now != second) {
        second = now;
        text = http_date(now);
    }
    return text;
}

bool header_safe(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

// The whole answer, head and body, in one buffer and one send.
std::string format_reply(const std::string& version, const Reply& reply, bool keep_alive) {
    const auto status = Poco::Net::HTTPResponse::HTTPStatus(reply.status);
    std::string out;
    out.reserve(256 + reply.body.size());
    out.append(version == Poco::Net::HTTPMessage::HTTP_1_0 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out.append(std::to_string(reply.status)).append(" ").append(Poco::Net::HTTPResponse::getReasonForStatus(status));
    out.append("\r\nDate: ").append(http_date_now());
    out.append("\r\nContent-Length: ").append(std::to_string(reply.body.size()));
    if (!reply.body.empty()) out.append("\r\nContent-Type: text/plain; charset=utf-8");
    if (!keep_alive)
        out.append("\r\nConnection: close");
    else if (version == Poco::Net::HTTPMessage::HTTP_1_0)
        out.append("\r\nConnection: Keep-Alive");
    for (const auto& [name, value] : reply.headers)
        if (header_safe(name) && header_safe(value)) out.append("\r\n").append(name).append(": ").append(value);
    out.append("\r\n\r\n").append(reply.body);
    return out;
}

// One connection's request loop, as Poco's HTTPServerConnection runs it, with
// the cheaper wait above and no handler object per request.
class IntakeConnection final : public Poco::Net::TCPServerConnection {
public:
    IntakeConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                     EventHandler& handler, size_t max_body, ConnectionSet& connections)
        : TCPServerConnection(socket), params_(std::move(params)), handler_(handler, max_body), connections_(connections) {}

    void run() override {
        if (!connections_.add(socket())) return;
        serve();
        connections_.remove(socket());
    }

private:
    void serve() {
        IntakeSession session(socket(), params_);
        while (!connections_.stopped() && session.next_request()) {
            try {
                Poco::Net::HTTPRequest request;
                {
                    Poco::Net::HTTPHeaderInputStream head(session);
                    request.read(head);
                }
                Answer answer = handler_.handle(session, request);
                const bool keep_alive = answer.keep_alive && request.getKeepAlive();
                send_all(socket(), format_reply(request.getVersion(), answer.reply, keep_alive));
                session.setKeepAlive(keep_alive);
            } catch (const Poco::Net::NoMessageException&) {
                break;  // the peer closed between requests
            } catch (const Poco::Net::MessageException&) {
                send_error(400);  // a malformed request line or header: Poco's limits
                break;
            } catch (const Poco::Exception&) {
                break;  // I/O error or timeout: nothing more can be said on this connection
            }
        }
    }

    void send_error(int status) {
        handler_.count(status);
        try {
            send_all(socket(), format_reply(Poco::Net::HTTPMessage::HTTP_1_1, Reply{status, {}, ""}, false));
        } catch (const Poco::Exception&) {
        }
    }

    Poco::Net::HTTPServerParams::Ptr params_;
    RequestHandler handler_;
    ConnectionSet& connections_;
};

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, EventHandler& handler, size_t max_body,
                      ConnectionSet& connections)
        : params_(std::move(params)), handler_(handler), max_body_(max_body), connections_(connections) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new IntakeConnection(socket, params_, handler_, max_body_, connections_);  // Poco takes ownership
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    EventHandler& handler_;
    size_t max_body_;
    ConnectionSet& connections_;
};

}  // namespace

std::string http_date(int64_t unix_seconds) {
    std::time_t t = std::time_t(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

bool split_host_port(const std::string& text, std::string& host, uint16_t& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 >= text.size()) return false;
    host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    unsigned long p = 0;
    for (char c : text.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;
        p = p * 10 + unsigned(c - '0');
        if (p > 65535) return false;
    }
    port = uint16_t(p);
    return true;
}

struct EventServer::Impl {
    ServerOptions options;
    EventHandler& handler;
    Poco::Net::ServerSocket socket;
    Poco::ThreadPool threads;
    ConnectionSet connections;
    std::unique_ptr<Poco::Net::TCPServer> server;
    Impl(ServerOptions o, EventHandler& h)
        : options(std::move(o)), handler(h), threads(2, std::max(2, options.max_threads)) {}
};

EventServer::EventServer(ServerOptions options, EventHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {
    std::string host;
    uint16_t port = 0;
    if (!split_host_port(impl_->options.listen, host, port))
        throw std::invalid_argument("listen address \"" + impl_->options.listen + "\" is not host:port");
    impl_->socket.bind(Poco::Net::SocketAddress(host, port), true);
    impl_->socket.listen(1024);
    auto params = new Poco::Net::HTTPServerParams;  // ref-counted by the server
    params->setMaxThreads(impl_->options.max_threads);
    params->setMaxQueued(impl_->options.max_queued);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);  // unlimited
    params->setKeepAliveTimeout(Poco::Timespan(60, 0));
    params->setTimeout(Poco::Timespan(Poco::Timespan::TimeDiff(impl_->options.read_timeout_ms) * 1000));
    Poco::Net::HTTPServerParams::Ptr shared(params);
    impl_->server = std::make_unique<Poco::Net::TCPServer>(
        new ConnectionFactory(shared, impl_->handler, impl_->options.max_body, impl_->connections), impl_->threads,
        impl_->socket, shared);
}

EventServer::~EventServer() { stop(); }

void EventServer::start() { impl_->server->start(); }

void EventServer::stop() {
    if (!impl_->server) return;
    // Stops accepting; connections finish the request they are in and end.
    impl_->server->stop();
    impl_->connections.stop();
    impl_->threads.joinAll();
}

uint16_t EventServer::port() const { return impl_->socket.address().port(); }

}  // namespace herald::intake
