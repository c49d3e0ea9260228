#include "test_servers.hpp"

#include <herald/http/client.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace herald::http;
using herald::http::testing::http_response;
using herald::http::testing::RecordedRequest;
using herald::http::testing::ScriptedServer;

namespace {

ClientOptions no_env_proxy() {
    ClientOptions options;
    options.proxy_environment = ProxyEnvironment{};
    return options;
}

std::string base(const ScriptedServer& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

ScriptedServer::Script always(ScriptedServer::Action action, std::string bytes) {
    return [action, bytes](const RecordedRequest&, int) { return ScriptedServer::Reply{action, bytes}; };
}

Request get(std::string url, uint32_t timeout_ms = 5000) {
    Request r;
    r.method = "GET";
    r.url = std::move(url);
    r.timeout_ms = timeout_ms;
    return r;
}

// A port with nothing listening: bound, then released.
uint16_t closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("A request reaches the server byte for byte and the response comes back whole", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond,
                                 "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Second: b\r\nx-first: a\r\n"
                                 "Set-Cookie: one\r\n\r\nhello"));
    Client client(no_env_proxy());
    Request request;
    request.method = "POST";
    request.url = base(server) + "/hooks/a%2Fb?x=1&y=%20#frag";
    request.headers = {{"Content-Type", "application/json"},
                       {"X-Token", "secret", true},
                       {"Host", "evil.example"},
                       {"Connection", "close"},
                       {"Proxy-Authorization", "nope"},
                       {"Content-Length", "999"}};
    request.body = "{\"a\":1}";

    Result result = client.send(request, Route{});

    REQUIRE(result.ok());
    CHECK_FALSE(result.failure);
    CHECK(result.response->status == 201);
    CHECK(result.response->body == "hello");
    CHECK_FALSE(result.response->truncated);
    REQUIRE(result.response->headers.size() == 4);
    CHECK(result.response->headers[0].name == "Content-Length");
    CHECK(result.response->headers[1].name == "X-Second");
    CHECK(result.response->headers[1].value == "b");
    CHECK(result.response->headers[2].name == "x-first");
    CHECK(result.response->headers[3].value == "one");
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].head == "POST /hooks/a%2Fb?x=1&y=%20 HTTP/1.1\r\n"
                          "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"
                          "Content-Type: application/json\r\n"
                          "X-Token: secret\r\n"
                          "User-Agent: herald/0.1\r\n"
                          "Content-Length: 7\r\n\r\n");
    CHECK(seen[0].body == "{\"a\":1}");
}

TEST_CASE("A GET without a body sends no Content-Length and keeps a caller's User-Agent", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "")));
    Client client(no_env_proxy());
    Request request = get(base(server));
    request.headers = {{"User-Agent", "custom/1"}};
    REQUIRE(client.send(request, Route{}).ok());
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].head == "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(server.port()) +
                              "\r\nUser-Agent: custom/1\r\n\r\n");
}

TEST_CASE("URL userinfo becomes Basic authorization", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "")));
    Client client(no_env_proxy());
    REQUIRE(client.send(get("http://user:p%40ss@127.0.0.1:" + std::to_string(server.port()) + "/"), Route{}).ok());
    auto seen = server.requests();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].head.find("Authorization: Basic dXNlcjpwQHNz\r\n") != std::string::npos);  // user:p@ss
}

TEST_CASE("Fifty sequential requests share one keep-alive connection", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "ok")));
    Client client(no_env_proxy());
    for (int i = 0; i < 50; ++i) {
        Request request = get(base(server) + "/n/" + std::to_string(i));
        request.method = "POST";
        request.body = "payload " + std::to_string(i);
        Result result = client.send(request, Route{});
        REQUIRE(result.ok());
        REQUIRE(result.response->body == "ok");
    }
    CHECK(server.connections_accepted() == 1);
    CHECK(client.stats().connections_opened == 1);
    CHECK(client.stats().connections_reused == 49);
    CHECK(client.idle_connections() == 1);
    CHECK(server.requests().size() == 50);
}

TEST_CASE("Chunked responses are assembled and keep the connection", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond,
                                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    Client client(no_env_proxy());
    for (int i = 0; i < 3; ++i) {
        Result result = client.send(get(base(server)), Route{});
        REQUIRE(result.ok());
        CHECK(result.response->body == "hello world");
    }
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("Concurrent senders never share a connection and still reuse them", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "ok")));
    Client client(no_env_proxy());
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 50; ++i) {
                if (client.send(get(base(server)), Route{}).ok()) ok.fetch_add(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(ok.load() == 200);
    CHECK(server.connections_accepted() <= 4);
    CHECK(server.requests().size() == 200);
}

TEST_CASE("A pooled connection the server closed is replaced without failing the request", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::RespondThenClose, http_response(200, "ok")));
    Client client(no_env_proxy());
    for (int i = 0; i < 3; ++i) {
        Result result = client.send(get(base(server)), Route{});
        REQUIRE(result.ok());
        CHECK(result.response->body == "ok");
    }
    CHECK(server.connections_accepted() == 3);
    CHECK(client.stats().stale_retries == 2);
    CHECK(client.stats().failures == 0);
}

TEST_CASE("A response with Connection: close is not pooled", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "ok", "Connection: close\r\n")));
    Client client(no_env_proxy());
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    CHECK(client.idle_connections() == 0);
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    CHECK(server.connections_accepted() == 2);
    CHECK(client.stats().stale_retries == 0);
}

TEST_CASE("A fresh connection closed without an answer is a failure, not a retry", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::CloseWithoutAnswer, ""));
    Client client(no_env_proxy());
    Result result = client.send(get(base(server)), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Io);
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("Every status code is a response, not a failure", "[http]") {
    for (int status : {204, 301, 404, 429, 500, 503}) {
        std::string body = status == 204 ? "" : "status body";
        ScriptedServer server(always(ScriptedServer::Action::Respond,
                                     status == 204 ? "HTTP/1.1 204 No Content\r\nRetry-After: 7\r\n\r\n"
                                                   : http_response(status, body, "Retry-After: 7\r\n")));
        Client client(no_env_proxy());
        Result result = client.send(get(base(server)), Route{});
        REQUIRE(result.ok());
        CHECK(result.response->status == status);
        CHECK(result.response->body == body);
    }
}

TEST_CASE("A server that never answers gives a timeout failure", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Hang, ""));
    Client client(no_env_proxy());
    Result result = client.send(get(base(server) + "/secret-path", 300), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Timeout);
    CHECK(result.failure->message.find("300 ms") != std::string::npos);
    CHECK(result.failure->message.find("secret-path") == std::string::npos);
}

TEST_CASE("A refused connection is classified as a connect failure", "[http]") {
    Client client(no_env_proxy());
    Result result = client.send(get("http://127.0.0.1:" + std::to_string(closed_port()) + "/"), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Connect);
    CHECK(result.failure->message.find("connection refused") != std::string::npos);
    CHECK(client.stats().failures == 1);
}

TEST_CASE("A host name that does not resolve is a DNS failure", "[http]") {
    Client client(no_env_proxy());
    Result result = client.send(get("http://no-such-host.invalid/"), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Dns);
}

TEST_CASE("Bodies above the limit are truncated and their connection is dropped", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, std::string(5000, 'x'))));
    ClientOptions options = no_env_proxy();
    options.response_body_limit = 1000;
    Client client(options);
    Result result = client.send(get(base(server)), Route{});
    REQUIRE(result.ok());
    CHECK(result.response->truncated);
    CHECK(result.response->body == std::string(1000, 'x'));
    CHECK(client.idle_connections() == 0);
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("A body of exactly the limit is not truncated", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, std::string(1000, 'y'))));
    ClientOptions options = no_env_proxy();
    options.response_body_limit = 1000;
    Client client(options);
    Result result = client.send(get(base(server)), Route{});
    REQUIRE(result.ok());
    CHECK_FALSE(result.response->truncated);
    CHECK(result.response->body.size() == 1000);
}

TEST_CASE("A body cut short by the server is a failure", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::RespondThenClose,
                                 "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"));
    Client client(no_env_proxy());
    Result result = client.send(get(base(server)), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Protocol);
}

TEST_CASE("Garbage instead of HTTP is a protocol failure", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::RespondThenClose, "SMTP ready\r\n\r\n"));
    Client client(no_env_proxy());
    Result result = client.send(get(base(server)), Route{});
    REQUIRE(result.failure);
    CHECK(result.failure->kind == FailureKind::Protocol);
}

TEST_CASE("Bad URLs and bad headers fail before any connection", "[http]") {
    Client client(no_env_proxy());
    for (const char* url : {"", "ftp://host/", "http://", "http:// spaced/", "http://host:99999/", "/relative"}) {
        Result result = client.send(get(url), Route{});
        REQUIRE(result.failure);
        CHECK(result.failure->kind == FailureKind::BadUrl);
    }
    Request request = get("http://127.0.0.1:1/");
    request.headers = {{"X-Injected", "a\r\nEvil: yes"}};
    CHECK(client.send(request, Route{}).failure->kind == FailureKind::BadRequest);
    request.headers = {{"Bad Name", "v"}};
    CHECK(client.send(request, Route{}).failure->kind == FailureKind::BadRequest);
    request.headers.clear();
    request.method = "GE T";
    CHECK(client.send(request, Route{}).failure->kind == FailureKind::BadRequest);
    CHECK(client.stats().connections_opened == 0);
}

TEST_CASE("A timeout on a reused connection is reported, not retried", "[http]") {
    ScriptedServer server([](const RecordedRequest&, int index) {
        if (index == 0) return ScriptedServer::Reply{ScriptedServer::Action::Respond, http_response(200, "first")};
        return ScriptedServer::Reply{ScriptedServer::Action::Hang, ""};
    });
    Client client(no_env_proxy());
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    Result second = client.send(get(base(server), 300), Route{});
    REQUIRE(second.failure);
    CHECK(second.failure->kind == FailureKind::Timeout);
    CHECK(client.stats().stale_retries == 0);
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("Connections idle longer than the idle timeout are not reused", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "ok")));
    ClientOptions options = no_env_proxy();
    options.idle_timeout_ms = 20;
    Client client(options);
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(client.send(get(base(server)), Route{}).ok());
    CHECK(server.connections_accepted() == 2);
    CHECK(client.stats().connections_reused == 0);
}

TEST_CASE("No connection is kept when the idle limit is zero", "[http]") {
    ScriptedServer server(always(ScriptedServer::Action::Respond, http_response(200, "ok")));
    ClientOptions options = no_env_proxy();
    options.max_idle_per_endpoint = 0;
    Client client(options);
    for (int i = 0; i < 3; ++i) REQUIRE(client.send(get(base(server)), Route{}).ok());
    CHECK(server.connections_accepted() == 3);
    CHECK(client.idle_connections() == 0);
}

TEST_CASE("Different endpoints get separate pools", "[http]") {
    ScriptedServer one(always(ScriptedServer::Action::Respond, http_response(200, "one")));
    ScriptedServer two(always(ScriptedServer::Action::Respond, http_response(200, "two")));
    Client client(no_env_proxy());
    for (int i = 0; i < 3; ++i) {
        CHECK(client.send(get(base(one)), Route{}).response->body == "one");
        CHECK(client.send(get(base(two)), Route{}).response->body == "two");
    }
    CHECK(one.connections_accepted() == 1);
    CHECK(two.connections_accepted() == 1);
    CHECK(client.idle_connections() == 2);
}
