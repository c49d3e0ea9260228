#include <herald/intake/event_server.hpp>

#include <herald/log/log.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <istream>
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
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    HandlerFactory(EventHandler& handler, size_t max_body) : handler_(handler), max_body_(max_body) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RequestHandler(handler_, max_body_);  // Poco takes ownership
    }

private:
    EventHandler& handler_;
    size_t max_body_;
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
    std::unique_ptr<Poco::Net::HTTPServer> server;
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
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(
        new HandlerFactory(impl_->handler, impl_->options.max_body), impl_->threads, impl_->socket, params);
}

EventServer::~EventServer() { stop(); }

void EventServer::start() { impl_->server->start(); }

void EventServer::stop() {
    if (impl_->server) impl_->server->stopAll(false);
}

uint16_t EventServer::port() const { return impl_->socket.address().port(); }

}  // namespace herald::intake
