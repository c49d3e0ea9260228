#include "test_servers.hpp"

#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace herald::http;
using herald::http::testing::ForwardProxy;
using herald::http::testing::http_response;
using herald::http::testing::HttpsServer;
using herald::http::testing::RecordedRequest;
using herald::http::testing::ScriptedServer;
using herald::http::testing::TestPki;

namespace {

ScriptedServer::Script ok_with(std::string body) {
    return [body](const RecordedRequest&, int) {
        return ScriptedServer::Reply{ScriptedServer::Action::Respond, http_response(200, body)};
    };
}

Request get(std::string url) {
    Request r;
    r.method = "GET";
    r.url = std::move(url);
    r.timeout_ms = 5000;
    return r;
}

std::string proxy_url(const ForwardProxy& proxy, const std::string& userinfo = "") {
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(proxy.port());
}

ClientOptions with_environment(ProxyEnvironment env) {
    ClientOptions options;
    options.proxy_environment = std::move(env);
    return options;
}

}  // namespace

TEST_CASE("Plain http through a route proxy uses the absolute-form target", "[http][proxy]") {
    ScriptedServer sink(ok_with("via proxy"));
    ForwardProxy proxy;
    Client client(with_environment({}));
    Route route;
    route.proxy_url = proxy_url(proxy);
    std::string url = "http://sink.invalid:" + std::to_string(sink.port()) + "/hook?x=1";
    for (int i = 0; i < 5; ++i) {
        Result result = client.send(get(url), route);
        REQUIRE(result.ok());
        CHECK(result.response->body == "via proxy");
    }
    auto lines = proxy.request_lines();
    REQUIRE(lines.size() == 1);  // one kept-alive connection through the proxy
    CHECK(lines[0] == "GET " + url + " HTTP/1.1");
    CHECK(proxy.connections_accepted() == 1);
    CHECK(sink.requests().size() == 5);
}

TEST_CASE("Proxy credentials in the proxy URL become Proxy-Authorization", "[http][proxy]") {
    ScriptedServer sink(ok_with("ok"));
    ForwardProxy proxy("Basic dXNlcjpwQHNz");  // user:p@ss
    Client client(with_environment({}));
    Route route;
    route.proxy_url = proxy_url(proxy, "user:p%40ss@");
    Result result = client.send(get("http://sink.invalid:" + std::to_string(sink.port()) + "/"), route);
    REQUIRE(result.ok());
    CHECK(result.response->status == 200);

    route.proxy_url = proxy_url(proxy, "user:wrong@");
    Result denied = client.send(get("http://sink.invalid:" + std::to_string(sink.port()) + "/"), route);
    REQUIRE(denied.ok());  // for plain http the proxy's answer is the response
    CHECK(denied.response->status == 407);
}

TEST_CASE("HTTPS through a proxy tunnels with CONNECT", "[http][proxy][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.server_cert_file, pki.server_key_file);
    ForwardProxy proxy("Basic dXNlcjpzZWNyZXQ=");  // user:secret
    Client client(with_environment({}));
    Route route;
    route.proxy_url = proxy_url(proxy, "user:secret@");
    route.tls.ca_pem = pki.ca_pem;
    std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/tunnel";
    for (int i = 0; i < 3; ++i) {
        Result result = client.send(get(url), route);
        REQUIRE(result.ok());
        CHECK(result.response->body == "secure /tunnel");
    }
    auto lines = proxy.request_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("CONNECT 127.0.0.1:" + std::to_string(server.port()) + " HTTP/1.", 0) == 0);
    CHECK(proxy.authorizations() == std::vector<std::string>{"Basic dXNlcjpzZWNyZXQ="});
}

TEST_CASE("A proxy refusing CONNECT is a proxy failure without the password", "[http][proxy][tls]") {
    const auto& pki = TestPki::get();
    HttpsServer server(pki.server_cert_file, pki.server_key_file);
    ForwardProxy proxy("Basic dXNlcjpzZWNyZXQ=");
    Client client(with_environment({}));
    Route route;
    route.proxy_url = proxy_url(proxy, "user:hunter2@");
    route.tls.ca_pem = pki.ca_pem;
    Result result = client.send(get("https://127.0.0.1:" + std::to_string(server.port()) + "/"), route);
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Proxy);
    CHECK(result.failure->message.find("hunter2") == std::string::npos);
}

TEST_CASE("An unreachable proxy is a proxy failure", "[http][proxy]") {
    Client client(with_environment({}));
    Route route;
    {
        ForwardProxy gone;
        route.proxy_url = proxy_url(gone);
    }
    Result result = client.send(get("http://sink.invalid/"), route);
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Proxy);

    route.proxy_url = "socks5://127.0.0.1:1080";
    CHECK(client.send(get("http://sink.invalid/"), route).failure->kind == FailureKind::Proxy);
}

TEST_CASE("HTTP_PROXY from the process environment is used, loopback targets go direct", "[http][proxy]") {
    ScriptedServer sink(ok_with("ok"));
    ForwardProxy proxy;
    ::setenv("HTTP_PROXY", proxy_url(proxy).c_str(), 1);
    ::setenv("NO_PROXY", "excluded.invalid", 1);
    Client client;  // snapshots the environment now
    ::unsetenv("HTTP_PROXY");
    ::unsetenv("NO_PROXY");

    std::string port = std::to_string(sink.port());
    REQUIRE(client.send(get("http://sink.invalid:" + port + "/env"), Route{}).ok());
    REQUIRE(client.send(get("http://127.0.0.1:" + port + "/direct"), Route{}).ok());
    auto lines = proxy.request_lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "GET http://sink.invalid:" + port + "/env HTTP/1.1");
    CHECK(sink.requests().size() == 2);
    // NO_PROXY: the name does not resolve, so going direct fails with DNS instead of reaching the proxy.
    Result excluded = client.send(get("http://excluded.invalid:" + port + "/"), Route{});
    REQUIRE(excluded.failure);
    CHECK(excluded.failure->kind == FailureKind::Dns);
    CHECK(proxy.request_lines().size() == 1);
}

TEST_CASE("HTTPS_PROXY applies to https URLs only", "[http][proxy]") {
    ProxyEnvironment env;
    env.https_proxy = "http://secure-proxy:3128";
    CHECK(env.proxy_for("https", "api.example.com", 443) == "http://secure-proxy:3128");
    CHECK(env.proxy_for("http", "api.example.com", 80).empty());
    env.http_proxy = "http://plain-proxy:3128";
    CHECK(env.proxy_for("http", "api.example.com", 80) == "http://plain-proxy:3128");
}

TEST_CASE("NO_PROXY follows Go's matching rules", "[http][proxy]") {
    ProxyEnvironment env;
    env.http_proxy = "http://proxy:3128";
    auto proxied = [&](std::string_view host, uint16_t port = 80) { return !env.proxy_for("http", host, port).empty(); };

    env.no_proxy = "";
    CHECK(proxied("example.com"));
    CHECK_FALSE(proxied("localhost"));
    CHECK_FALSE(proxied("127.0.0.1"));
    CHECK_FALSE(proxied("127.4.5.6"));
    CHECK_FALSE(proxied("::1"));

    env.no_proxy = "example.com, .internal ,*.corp, 10.0.0.0/8, 192.168.1.5, host.test:8080, [2001:db8::1]";
    CHECK_FALSE(proxied("example.com"));
    CHECK_FALSE(proxied("api.example.com"));
    CHECK(proxied("notexample.com"));
    CHECK_FALSE(proxied("a.internal"));
    CHECK(proxied("internal"));
    CHECK_FALSE(proxied("x.corp"));
    CHECK_FALSE(proxied("10.1.2.3"));
    CHECK(proxied("11.1.2.3"));
    CHECK_FALSE(proxied("192.168.1.5"));
    CHECK(proxied("192.168.1.6"));
    CHECK_FALSE(proxied("host.test", 8080));
    CHECK(proxied("host.test", 80));
    CHECK_FALSE(proxied("2001:db8::1"));
    CHECK_FALSE(proxied("API.EXAMPLE.COM"));

    env.no_proxy = "*";
    CHECK_FALSE(proxied("anything.example"));
}
