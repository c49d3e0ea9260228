#include "test_servers.hpp"

#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

using namespace herald::http;
using herald::http::testing::HttpsServer;
using herald::http::testing::TestPki;

namespace {

Request get(uint16_t port, const std::string& path = "/") {
    Request r;
    r.method = "GET";
    r.url = "https://127.0.0.1:" + std::to_string(port) + path;
    r.timeout_ms = 5000;
    return r;
}

ClientOptions no_env_proxy() {
    ClientOptions options;
    options.proxy_environment = ProxyEnvironment{};
    return options;
}

bool is_certificate_failure(const Result& result) {
    return result.failure && result.failure->kind == FailureKind::Certificate &&
           result.failure->message.rfind("certificate verify failed: ", 0) == 0;
}

}  // namespace

TEST_CASE("HTTPS with the route's CA succeeds and keeps the connection", "[http][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.server_cert_file, pki.server_key_file);
    Client client(no_env_proxy());
    Route route;
    route.tls.ca_pem = pki.ca_pem;
    for (int i = 0; i < 20; ++i) {
        Result result = client.send(get(server.port(), "/hello"), route);
        REQUIRE(result.ok());
        CHECK(result.response->body == "secure /hello");
    }
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("A server certificate from an unknown CA is a certificate failure", "[http][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.server_cert_file, pki.server_key_file);
    Client client(no_env_proxy());

    Result system_roots = client.send(get(server.port()), Route{});
    INFO((system_roots.failure ? system_roots.failure->message : std::string("no failure")));
    CHECK(is_certificate_failure(system_roots));

    Route other;
    other.tls.ca_pem = pki.other_ca_pem;  // replaces the system roots; does not sign the server
    Result wrong_ca = client.send(get(server.port()), other);
    CHECK(is_certificate_failure(wrong_ca));

    // The right CA afterwards still works: contexts are per CA, not poisoned.
    Route right;
    right.tls.ca_pem = pki.ca_pem;
    CHECK(client.send(get(server.port()), right).ok());
}

TEST_CASE("A certificate for another host name is a certificate failure", "[http][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.wrong_host_cert_file, pki.wrong_host_key_file);
    Client client(no_env_proxy());
    Route route;
    route.tls.ca_pem = pki.ca_pem;
    Result result = client.send(get(server.port()), route);
    CHECK(is_certificate_failure(result));
}

TEST_CASE("A client certificate is presented when the route has one", "[http][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.server_cert_file, pki.server_key_file, pki.ca_file);
    Client client(no_env_proxy());
    Route route;
    route.tls.ca_pem = pki.ca_pem;
    Result without = client.send(get(server.port()), route);
    INFO((without.failure ? without.failure->message : std::string("no failure")));
    CHECK(without.failure);

    route.tls.client_cert_pem = pki.client_cert_pem;
    route.tls.client_key_pem = pki.client_key_pem;
    Result with = client.send(get(server.port(), "/mtls"), route);
    INFO((with.failure ? with.failure->message : std::string()));
    REQUIRE(with.ok());
    CHECK(with.response->body == "secure /mtls");
}

TEST_CASE("Unusable PEM text in the route is a TLS failure that names the field", "[http][tls]") {
    Client client(no_env_proxy());
    Route route;
    route.tls.ca_pem = "not a certificate";
    Result result = client.send(get(1), route);
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Tls);
    CHECK(result.failure->message.find("ca_pem") != std::string::npos);

    const auto& pki = TestPki::get();
    route.tls.ca_pem = pki.ca_pem;
    route.tls.client_cert_pem = pki.client_cert_pem;
    route.tls.client_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    Result bad_key = client.send(get(1), route);
    REQUIRE(bad_key.failure);
    CHECK(bad_key.failure->message.find("client_key_pem") != std::string::npos);
    CHECK(bad_key.failure->message.find("AAAA") == std::string::npos);
}
