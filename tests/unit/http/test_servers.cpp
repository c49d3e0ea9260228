#include "test_servers.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace herald::http::testing {

// ---- SocketServer -------------------------------------------------------

SocketServer::SocketServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0)
        throw std::runtime_error("test server: cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
}

SocketServer::~SocketServer() { stop(); }

void SocketServer::start() { acceptor_ = std::thread([this] { accept_loop(); }); }

void SocketServer::stop() {
    if (stopping_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> workers;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
        workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
}

void SocketServer::accept_loop() {
    while (!stopping_) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        accepted_.fetch_add(1);
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        open_fds_.push_back(fd);
        workers_.emplace_back([this, fd] {
            serve(fd);
            std::lock_guard<std::mutex> guard(mutex_);
            open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
            ::close(fd);
        });
    }
}

// ---- request reading ----------------------------------------------------

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// Value of a header in a raw head, case-insensitive name; "" when absent.
std::string header_value(const std::string& head, const std::string& name) {
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        if (lower(line.substr(0, colon)) != lower(name)) continue;
        auto start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    }
    return {};
}

bool fill(int fd, std::string& buffer) {
    char chunk[16384];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
}

}  // namespace

bool read_request(int fd, std::string& buffer, RecordedRequest& out) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!fill(fd, buffer)) return false;
    }
    out.head = buffer.substr(0, end + 4);
    buffer.erase(0, end + 4);
    std::string length_text = header_value(out.head, "Content-Length");
    size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    while (buffer.size() < length) {
        if (!fill(fd, buffer)) return false;
    }
    out.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
}

bool write_all(int fd, const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<size_t>(n);
    }
    return true;
}

std::string http_response(int status, const std::string& body, const std::string& extra_headers) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           extra_headers + "\r\n" + body;
}

// ---- ScriptedServer -----------------------------------------------------

ScriptedServer::ScriptedServer(Script script) : script_(std::move(script)) { start(); }

ScriptedServer::~ScriptedServer() { stop(); }

std::vector<RecordedRequest> ScriptedServer::requests() const {
    std::lock_guard<std::mutex> lock(record_mutex_);
    return requests_;
}

void ScriptedServer::serve(int fd) {
    std::string buffer;
    for (int index = 0;; ++index) {
        RecordedRequest request;
        if (!read_request(fd, buffer, request)) return;
        {
            std::lock_guard<std::mutex> lock(record_mutex_);
            requests_.push_back(request);
        }
        Reply reply = script_(request, index);
        switch (reply.action) {
            case Action::Respond:
                if (!write_all(fd, reply.bytes)) return;
                break;
            case Action::RespondThenClose:
                write_all(fd, reply.bytes);
                return;
            case Action::Hang: {
                char sink[256];
                while (::recv(fd, sink, sizeof sink, 0) > 0) {
                }
                return;
            }
            case Action::CloseWithoutAnswer:
                return;
        }
    }
}

// ---- ForwardProxy -------------------------------------------------------

ForwardProxy::ForwardProxy(std::string required_authorization) : required_(std::move(required_authorization)) {
    start();
}

ForwardProxy::~ForwardProxy() { stop(); }

std::vector<std::string> ForwardProxy::request_lines() const {
    std::lock_guard<std::mutex> lock(record_mutex_);
    return lines_;
}

std::vector<std::string> ForwardProxy::authorizations() const {
    std::lock_guard<std::mutex> lock(record_mutex_);
    return auths_;
}

namespace {

int connect_loopback(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Port of "host:port" or "http://host:port/path".
uint16_t target_port(std::string target) {
    auto scheme = target.find("://");
    if (scheme != std::string::npos) target = target.substr(scheme + 3);
    target = target.substr(0, target.find('/'));
    auto colon = target.rfind(':');
    return colon == std::string::npos ? 80 : static_cast<uint16_t>(std::stoi(target.substr(colon + 1)));
}

void pipe_both_ways(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char chunk[16384];
    while (::poll(fds, 2, -1) > 0) {
        for (int i = 0; i < 2; ++i) {
            if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
            ssize_t n = ::recv(fds[i].fd, chunk, sizeof chunk, 0);
            if (n <= 0 || !write_all(fds[1 - i].fd, std::string(chunk, static_cast<size_t>(n)))) return;
        }
    }
}

}  // namespace

void ForwardProxy::serve(int fd) {
    std::string buffer;
    RecordedRequest request;
    if (!read_request(fd, buffer, request)) return;
    std::string line = request.head.substr(0, request.head.find("\r\n"));
    std::string auth = header_value(request.head, "Proxy-Authorization");
    {
        std::lock_guard<std::mutex> lock(record_mutex_);
        lines_.push_back(line);
        if (!auth.empty()) auths_.push_back(auth);
    }
    if (!required_.empty() && auth != required_) {
        write_all(fd, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    std::istringstream parts(line);
    std::string method, target;
    parts >> method >> target;
    int upstream = connect_loopback(target_port(target));
    if (upstream < 0) {
        write_all(fd, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    }
    if (method == "CONNECT") {
        write_all(fd, "HTTP/1.1 200 Connection established\r\n\r\n");
        if (!buffer.empty()) write_all(upstream, buffer);
    } else {
        write_all(upstream, request.head + request.body + buffer);
    }
    pipe_both_ways(fd, upstream);
    ::close(upstream);
}

// ---- TestPki ------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

namespace {

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("test PKI: command failed: " + command);
}

TestPki generate_pki() {
    char templ[] = "/tmp/herald-http-test-XXXXXX";
    if (::mkdtemp(templ) == nullptr) throw std::runtime_error("test PKI: mkdtemp failed");
    TestPki pki;
    pki.dir = templ;
    const std::string d = pki.dir + "/";
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto ca = [&](const std::string& name) {
        run("openssl req -x509 " + ec + " -keyout " + d + name + ".key -out " + d + name + ".pem -days 2 -subj '/CN=" +
            name + "' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    };
    auto leaf = [&](const std::string& name, const std::string& ext) {
        std::ofstream(d + name + ".ext") << ext;
        run("openssl req " + ec + " -keyout " + d + name + ".key -out " + d + name + ".csr -subj '/CN=" + name + "'");
        run("openssl x509 -req -in " + d + name + ".csr -CA " + d + "ca.pem -CAkey " + d + "ca.key -CAcreateserial -out " +
            d + name + ".pem -days 2 -extfile " + d + name + ".ext");
    };
    ca("ca");
    ca("other-ca");
    leaf("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    leaf("elsewhere", "subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth\n");
    // Poco's server side also matches the client certificate against the peer address.
    leaf("client", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=clientAuth\n");
    pki.ca_file = d + "ca.pem";
    pki.ca_pem = read_file(d + "ca.pem");
    pki.other_ca_pem = read_file(d + "other-ca.pem");
    pki.server_cert_file = d + "server.pem";
    pki.server_key_file = d + "server.key";
    pki.wrong_host_cert_file = d + "elsewhere.pem";
    pki.wrong_host_key_file = d + "elsewhere.key";
    pki.client_cert_pem = read_file(d + "client.pem");
    pki.client_key_pem = read_file(d + "client.key");
    return pki;
}

}  // namespace

const TestPki& TestPki::get() {
    // Removes the temporary directory when the test binary exits.
    struct Generated {
        TestPki pki = generate_pki();
        ~Generated() { std::filesystem::remove_all(pki.dir); }
    };
    static const Generated generated;
    return generated.pki;
}

// ---- HttpsServer --------------------------------------------------------

namespace {

class SecureHandler : public Poco::Net::HTTPRequestHandler {
 public:
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        std::string body = "secure " + request.getURI();
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send() << body;
    }
};

class SecureHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new SecureHandler;
    }
};

}  // namespace

struct HttpsServer::Impl {
    Poco::Net::Context::Ptr context;
    Poco::Net::SecureServerSocket socket;
    std::unique_ptr<Poco::Net::HTTPServer> server;
};

HttpsServer::HttpsServer(const std::string& cert_file, const std::string& key_file, const std::string& client_ca_file) {
    Poco::Net::initializeSSL();
    auto mode = client_ca_file.empty() ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_STRICT;
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, key_file, cert_file, client_ca_file, mode);
    impl_ = std::make_unique<Impl>(Impl{context, Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context), nullptr});
    auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
    params->setKeepAlive(true);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(new SecureHandlerFactory, impl_->socket, params);
    impl_->server->start();
}

HttpsServer::~HttpsServer() { impl_->server->stopAll(true); }

uint16_t HttpsServer::port() const { return impl_->socket.address().port(); }

int HttpsServer::connections_accepted() const { return impl_->server->totalConnections(); }

}  // namespace herald::http::testing
