// The egress policy: parsing, the decision order, and the client refusing a
// denied address (after DNS, and through a proxy) before any byte is sent.
// Also: redirects are never followed.
#include "test_servers.hpp"

#include <herald/http/client.hpp>
#include <herald/http/egress.hpp>

#include <catch2/catch.hpp>

using namespace herald::http;
using herald::http::testing::ForwardProxy;
using herald::http::testing::http_response;
using herald::http::testing::RecordedRequest;
using herald::http::testing::ScriptedServer;

namespace {

EgressPolicy policy(std::vector<std::string> allow, std::vector<std::string> deny) {
    std::string error;
    auto p = EgressPolicy::parse(allow, deny, error);
    INFO(error);
    REQUIRE(p);
    return *p;
}

std::optional<std::array<uint8_t, 16>> ip(const char* text) { return parse_ip(text); }

ClientOptions with(EgressPolicy egress) {
    ClientOptions options;
    options.proxy_environment = ProxyEnvironment{};
    options.egress = std::move(egress);
    return options;
}

ScriptedServer ok_server() {
    return ScriptedServer([](const RecordedRequest&, int) {
        return ScriptedServer::Reply{ScriptedServer::Action::Respond, http_response(200, "ok")};
    });
}

Request get(const std::string& url) {
    Request r;
    r.method = "GET";
    r.url = url;
    r.timeout_ms = 3000;
    return r;
}

bool denied(const Result& r) { return r.failure && r.failure->kind == FailureKind::Denied; }

}  // namespace

TEST_CASE("Egress entries parse as CIDRs, IPs and host names, and bad ones are named", "[http][egress]") {
    std::string error;
    CHECK(EgressPolicy::parse({"10.0.0.0/8, 127.0.0.2", "fd00::/8,hooks.example.com"}, {".internal"}, error));
    CHECK_FALSE(EgressPolicy::parse({"10.0.0.0/33"}, {}, error));
    CHECK(error.find("10.0.0.0/33") != std::string::npos);
    CHECK_FALSE(EgressPolicy::parse({}, {"http://x"}, error));
    CHECK(error.find("--egress-deny") != std::string::npos);
    CHECK(parse_network("192.168.1.7/24")->contains(*ip("192.168.1.200")));
    CHECK_FALSE(parse_network("192.168.1.7/24")->contains(*ip("192.168.2.1")));
    CHECK(parse_network("fd00:ec2::254")->contains(*ip("fd00:ec2::254")));
    CHECK(ip_text(*ip("::ffff:169.254.169.254")) == "169.254.169.254");
}

TEST_CASE("Link-local and cloud metadata addresses are denied by default, unless allowed", "[http][egress]") {
    EgressPolicy defaults;
    CHECK(defaults.refusal("169.254.169.254", ip("169.254.169.254")));
    CHECK(defaults.refusal("metadata.internal", ip("169.254.1.1")));  // a name resolving there
    CHECK(defaults.refusal("x", ip("::ffff:169.254.169.254")));       // IPv4-mapped IPv6
    CHECK(defaults.refusal("fd00:ec2::254", ip("fd00:ec2::254")));
    CHECK_FALSE(defaults.refusal("127.0.0.1", ip("127.0.0.1")));
    CHECK_FALSE(defaults.refusal("example.com", std::nullopt));
    CHECK_FALSE(policy({"169.254.169.254"}, {}).refusal("169.254.169.254", ip("169.254.169.254")));
}

TEST_CASE("Deny beats allow, an allow list refuses everything else, subdomain entries match subdomains",
          "[http][egress]") {
    auto p = policy({"10.0.0.0/8", ".example.com"}, {"10.0.0.5", "bad.example.com"});
    CHECK(p.refusal("a", ip("10.0.0.5")));
    CHECK_FALSE(p.refusal("a", ip("10.9.9.9")));
    CHECK(p.refusal("a", ip("192.168.0.1"))->find("not in --egress-allow") != std::string::npos);
    CHECK_FALSE(p.refusal("hooks.example.com", ip("192.168.0.1")));
    CHECK_FALSE(p.refusal("HOOKS.Example.com.", std::nullopt));
    CHECK(p.refusal("example.com", std::nullopt));  // ".example.com" is subdomains only
    CHECK(p.refusal("bad.example.com", ip("10.1.1.1"))->find("--egress-deny") != std::string::npos);
    // A proxy address is held to the deny lists only, not to the allow list.
    CHECK_FALSE(p.refusal("proxy", ip("192.168.0.1"), false));
    CHECK(p.refusal("proxy", ip("169.254.0.1"), false));
}

TEST_CASE("A denied address is refused before connecting, also when a host name resolves to it", "[http][egress]") {
    ScriptedServer server = ok_server();
    Client client(with(policy({}, {"127.0.0.0/8"})));
    std::string port = std::to_string(server.port());
    Result by_ip = client.send(get("http://127.0.0.1:" + port + "/secret-path?token=abc"), Route{});
    REQUIRE(denied(by_ip));
    CHECK(by_ip.failure->message.find("--egress-deny") != std::string::npos);
    CHECK(by_ip.failure->message.find("secret-path") == std::string::npos);
    CHECK(by_ip.failure->message.find("abc") == std::string::npos);
    Result by_name = client.send(get("http://localhost:" + port + "/"), Route{});
    CHECK(denied(by_name));
    CHECK(server.connections_accepted() == 0);

    Client allowed(with(policy({}, {"127.0.0.2"})));
    Result ok = allowed.send(get("http://127.0.0.1:" + port + "/"), Route{});
    REQUIRE(ok.ok());
    CHECK(ok.response->status == 200);
}

TEST_CASE("The default policy refuses the metadata endpoint without any I/O", "[http][egress]") {
    Client client(with(EgressPolicy{}));
    Result r = client.send(get("http://169.254.169.254/latest/meta-data/"), Route{});
    REQUIRE(denied(r));
    CHECK(r.failure->message.find("169.254.169.254") != std::string::npos);
    CHECK(r.failure->message.find("meta-data") == std::string::npos);
}

TEST_CASE("Through a proxy the destination is judged by name and the proxy by its address", "[http][egress]") {
    ForwardProxy proxy;
    ScriptedServer server = ok_server();
    Route route;
    route.proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
    std::string url = "http://sink.test:" + std::to_string(server.port()) + "/";

    Client deny_name(with(policy({}, {"sink.test"})));
    CHECK(denied(deny_name.send(get(url), route)));
    CHECK(proxy.connections_accepted() == 0);

    Client deny_proxy(with(policy({}, {"127.0.0.0/8"})));
    Result r = deny_proxy.send(get(url), route);
    REQUIRE(denied(r));
    CHECK(r.failure->message.rfind("proxy ", 0) == 0);
    CHECK(proxy.connections_accepted() == 0);

    Client allowed(with(policy({"sink.test"}, {})));
    Result ok = allowed.send(get(url), route);
    REQUIRE(ok.ok());
    CHECK(ok.response->status == 200);
}

TEST_CASE("A redirect is returned as the 3xx response and never followed", "[http]") {
    ScriptedServer target = ok_server();
    std::string location = "http://127.0.0.1:" + std::to_string(target.port()) + "/elsewhere";
    ScriptedServer server([location](const RecordedRequest&, int) {
        return ScriptedServer::Reply{ScriptedServer::Action::Respond,
                                     http_response(302, "", "Location: " + location + "\r\n")};
    });
    Client client(with(EgressPolicy{}));
    Result r = client.send(get("http://127.0.0.1:" + std::to_string(server.port()) + "/"), Route{});
    REQUIRE(r.ok());
    CHECK(r.response->status == 302);
    CHECK(server.requests().size() == 1);
    CHECK(target.connections_accepted() == 0);
}
