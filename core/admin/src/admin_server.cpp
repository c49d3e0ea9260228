#include <herald/admin/admin_server.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <sstream>
#include <stdexcept>

namespace herald::admin {
namespace {

constexpr size_t kMaxAdminBody = 64 * 1024;

class Handler final : public Poco::Net::HTTPRequestHandler {
public:
    explicit Handler(const AdminHandler& fn) : fn_(fn) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        AdminRequest r;
        r.method = req.getMethod();
        const std::string& uri = req.getURI();
        auto q = uri.find('?');
        r.path = uri.substr(0, q);
        if (q != std::string::npos) r.query = uri.substr(q + 1);
        AdminReply reply;
        if (req.hasContentLength() && req.getContentLength64() > Poco::Int64(kMaxAdminBody)) {
            reply = {413, "text/plain", "request body too large\n", {}};
        } else {
            std::ostringstream body;
            Poco::StreamCopier::copyStream(req.stream(), body, kMaxAdminBody);
            r.body = body.str();
            reply = fn_(r);
        }
        resp.setStatusAndReason(Poco::Net::HTTPResponse::HTTPStatus(reply.status));
        resp.setContentType(reply.content_type);
        for (const auto& [k, v] : reply.headers) resp.set(k, v);
        resp.setContentLength(std::streamsize(reply.body.size()));
        resp.send() << reply.body;
    }

private:
    const AdminHandler& fn_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(const AdminHandler& fn) : fn_(fn) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(fn_);
    }

private:
    const AdminHandler& fn_;
};

}  // namespace

std::string query_param(const std::string& query, const std::string& key) {
    std::istringstream in(query);
    std::string part;
    while (std::getline(in, part, '&')) {
        auto eq = part.find('=');
        std::string k = part.substr(0, eq);
        if (k != key) continue;
        std::string v = eq == std::string::npos ? "" : part.substr(eq + 1);
        std::string decoded;
        Poco::URI::decode(v, decoded, true);
        return decoded;
    }
    return "";
}

struct AdminServer::Impl {
    AdminHandler handler;
    Poco::Net::ServerSocket socket;
    Poco::ThreadPool threads{1, 4};
    std::unique_ptr<Poco::Net::HTTPServer> server;
};

AdminServer::AdminServer(const std::string& listen, AdminHandler handler) : impl_(std::make_unique<Impl>()) {
    impl_->handler = std::move(handler);
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("admin address \"" + listen + "\" is not host:port");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    impl_->socket.bind(Poco::Net::SocketAddress(host, listen.substr(colon + 1)), true);
    impl_->socket.listen(64);
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    params->setKeepAlive(true);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl_->handler), impl_->threads,
                                                            impl_->socket, params);
}

AdminServer::~AdminServer() { stop(); }
void AdminServer::start() { impl_->server->start(); }
void AdminServer::stop() {
    if (impl_->server) impl_->server->stopAll(false);
}
uint16_t AdminServer::port() const { return impl_->socket.address().port(); }

}  // namespace herald::admin
