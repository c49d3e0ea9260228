#include <herald/intake/event_server.hpp>

#include <herald/log/log.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <istream>
#include <mutex>
#include <set>
#include <stdexcept>

namespace herald::intake {
namespace {

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
public:
    RequestHandler(EventHandler& handler, size_t max_body) : handler_(handler), max_body_(max_body) {}

    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        std::string body;
        int status = read_body(req, body);
        if (status != 0) {
            handler_.count(status);
            resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTPStatus(status));
            // The rest of an oversized body is not read: close the connection.
            resp.setKeepAlive(false);
            resp.setContentLength(0);
            resp.send();
            return;
        }
        Reply reply = handler_.handle(std::move(body));
        resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTPStatus(reply.status));
        for (const auto& [k, v] : reply.headers) resp.set(k, v);
        resp.setContentLength(std::streamsize(reply.body.size()));
        if (!reply.body.empty()) resp.setContentType("text/plain; charset=utf-8");
        resp.send() << reply.body;
    }

private:
    // 0 when the body was read, else the status to answer.
    int read_body(Poco::Net::HTTPServerRequest& req, std::string& body) {
        if (req.hasContentLength() && req.getContentLength64() > Poco::Int64(max_body_)) return 413;
        std::istream& in = req.stream();
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

public:
    void count(int status) { handler_.count(status); }
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
        text = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now), Poco::DateTimeFormat::HTTP_FORMAT);
    }
    return text;
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
                Poco::Net::HTTPServerResponseImpl response(session);
                Poco::Net::HTTPServerRequestImpl request(response, session, params_);
                response.setVersion(request.getVersion());
                response.set("Date", http_date_now());
                response.setKeepAlive(request.getKeepAlive());
                if (request.getExpectContinue()) response.sendContinue();
                handler_.handleRequest(request, response);
                session.setKeepAlive(response.getKeepAlive());
            } catch (const Poco::Net::NoMessageException&) {
                break;  // the peer closed between requests
            } catch (const Poco::Net::MessageException&) {
                send_error(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            } catch (const Poco::Exception&) {
                break;  // I/O error or timeout: nothing more can be said on this connection
            }
        }
    }

    void send_error(Poco::Net::HTTPServerSession& session, Poco::Net::HTTPResponse::HTTPStatus status) {
        handler_.count(int(status));
        try {
            Poco::Net::HTTPServerResponseImpl response(session);
            response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            response.setStatusAndReason(status);
            response.setKeepAlive(false);
            response.send();
        } catch (const Poco::Exception&) {
        }
        session.setKeepAlive(false);
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
