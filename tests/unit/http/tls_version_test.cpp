// Minimum protocol version: a server that speaks only TLS 1.1 is refused.
#include "test_servers.hpp"

#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

using namespace herald::http;
using herald::http::testing::TestPki;

namespace {

// One-connection TLS server capped at TLS 1.1 (security level 0, since
// OpenSSL 3 refuses TLS 1.1 at its default level).
class Tls11Server {
public:
    Tls11Server() {
        ctx_ = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_security_level(ctx_, 0);
        usable_ = SSL_CTX_set_min_proto_version(ctx_, TLS1_1_VERSION) == 1 &&
                  SSL_CTX_set_max_proto_version(ctx_, TLS1_1_VERSION) == 1 &&
                  SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0") == 1 &&
                  SSL_CTX_use_certificate_chain_file(ctx_, TestPki::get().server_cert_file.c_str()) == 1 &&
                  SSL_CTX_use_PrivateKey_file(ctx_, TestPki::get().server_key_file.c_str(), SSL_FILETYPE_PEM) == 1;
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 4);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~Tls11Server() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
        SSL_CTX_free(ctx_);
    }
    uint16_t port() const { return port_; }
    bool usable() const { return usable_; }

    // Whether OpenSSL here can still do a TLS 1.1 handshake at all (client side).
    bool handshake_possible() {
        SSL_CTX* c = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_security_level(c, 0);
        SSL_CTX_set_min_proto_version(c, TLS1_1_VERSION);
        SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
        SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0");
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port_);
        bool ok = false;
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            SSL* ssl = SSL_new(c);
            SSL_set_fd(ssl, fd);
            ok = SSL_connect(ssl) == 1 && SSL_version(ssl) == TLS1_1_VERSION;
            SSL_shutdown(ssl);
            SSL_free(ssl);
        }
        ::close(fd);
        SSL_CTX_free(c);
        return ok;
    }

private:
    void serve() {
        while (true) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            SSL* ssl = SSL_new(ctx_);
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) == 1) {
                static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                char buf[4096];
                SSL_read(ssl, buf, sizeof buf);
                SSL_write(ssl, reply, sizeof reply - 1);
                SSL_shutdown(ssl);
            }
            SSL_free(ssl);
            ::close(c);
        }
    }

    SSL_CTX* ctx_ = nullptr;
    int fd_ = -1;
    uint16_t port_ = 0;
    bool usable_ = false;
    std::thread thread_;
};

}  // namespace

TEST_CASE("A server offering only TLS 1.1 is refused (minimum TLS 1.2)", "[http][tls]") {
    Tls11Server server;
    if (!server.usable() || !server.handshake_possible()) {
        WARN("skipped: the local OpenSSL cannot do a TLS 1.1 handshake at all, so there is nothing to refuse");
        return;
    }
    ClientOptions options;
    options.proxy_environment = ProxyEnvironment{};
    Client client(options);
    Route route;
    route.tls.ca_pem = TestPki::get().ca_pem;
    Request r;
    r.method = "GET";
    r.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
    r.timeout_ms = 5000;
    Result result = client.send(r, route);
    INFO((result.failure ? result.failure->message : std::string("answered")));
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Tls);
}
