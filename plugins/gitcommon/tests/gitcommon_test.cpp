// Unit tests of the rules the commit-status plugins share (reference/providers.md
// §3.0, §5.1 util_test vectors).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <herald/gitcommon/repository.hpp>
#include <herald/gitcommon/sha1.hpp>
#include <herald/gitcommon/text.hpp>

using namespace herald::gitcommon;

TEST_CASE("SHA-1 matches the published and the Flux test vectors") {
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(sha1_hex("kustomization/namespace-foo-and-service-bar") == "12ea142172e98435e16336acbbed8919610922c3");
    CHECK(sha1_hex("kustomization/apps/0c9c2e41") == "534add2e1e94c46fbe0f8e657ba36c652fa8d2dd");
    CHECK(sha1_hex("kustomization/flux-system") == "7ee09b39bb5fcd57a9a22251f1d4985d06412b9a");
    CHECK(sha1_hex(std::string(1000, 'a')) == "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST_CASE("The description splits the reason where the character class changes") {
    CHECK(description_from_reason("ReconciliationSucceeded") == "reconciliation succeeded");
    CHECK(description_from_reason("HealthCheckFailed") == "health check failed");
    CHECK(description_from_reason("DependencyNotReady") == "dependency not ready");
    CHECK(description_from_reason("OCIArtifactPushed") == "oci artifact pushed");
    CHECK(description_from_reason("HTTPRequest2Failed") == "http request 2 failed");
    CHECK(description_from_reason("already lower") == "already   lower");
    CHECK(description_from_reason("Foo_Bar") == "foo _ bar");
    CHECK(description_from_reason("ABC") == "abc");
    CHECK(description_from_reason("") == "");
    CHECK(description_from_reason("Bad\xffUTF") == "bad\xffutf");
}

TEST_CASE("The commit SHA comes after the last colon, else the last slash") {
    const std::string sha = "69b59063470310ebbd88a9156325322a124e55a3";
    CHECK(commit_sha("main@sha1:" + sha) == sha);
    CHECK(commit_sha("feature/x@sha1:" + sha) == sha);
    CHECK(commit_sha("sha1:" + sha) == sha);
    CHECK(commit_sha("main/" + sha) == sha);
    CHECK(commit_sha("environment/dev/" + sha) == sha);
    CHECK(commit_sha(sha) == sha);
    CHECK_FALSE(commit_sha("main"));
    CHECK_FALSE(commit_sha("main/"));
    CHECK_FALSE(commit_sha("main@sha1:69b5906"));
    CHECK_FALSE(commit_sha("sha256:" + sha + sha.substr(0, 24)));
    CHECK_FALSE(commit_sha("main/" + sha.substr(0, 39) + "g"));
}

TEST_CASE("Repository addresses parse in https, http, ssh and scp form") {
    auto https = parse_repository("https://github.com/owner/repo.git");
    REQUIRE(https.repository);
    CHECK(https.repository->origin() == "https://github.com");
    CHECK(https.repository->id == "owner/repo");

    auto http = parse_repository("http://127.0.0.1:8080/owner/repo");
    REQUIRE(http.repository);
    CHECK(http.repository->origin() == "http://127.0.0.1:8080");

    auto ssh = parse_repository("ssh://git@ghe.example.com:2222/team/infra.git");
    REQUIRE(ssh.repository);
    CHECK(ssh.repository->origin() == "https://ghe.example.com:2222");
    CHECK(ssh.repository->id == "team/infra");

    auto scp = parse_repository("git@gitlab.com:group/sub/project.git");
    REQUIRE(scp.repository);
    CHECK(scp.repository->origin() == "https://gitlab.com");
    CHECK(scp.repository->segments == std::vector<std::string>{"group", "sub", "project"});

    auto escaped = parse_repository("https://dev.azure.com/org/My%20Project/_git/repo");
    REQUIRE(escaped.repository);
    CHECK(escaped.repository->segments[1] == "My Project");

    auto trailing = parse_repository("https://github.com/owner/repo/");
    REQUIRE(trailing.repository);
    CHECK(trailing.repository->segments.size() == 3);
}

TEST_CASE("Addresses that are not repositories are rejected with a reason") {
    CHECK_FALSE(parse_repository("").repository);
    CHECK_FALSE(parse_repository("https://github.com").repository);
    CHECK_FALSE(parse_repository("https://github.com/").repository);
    CHECK(parse_repository("git://github.com/o/r").error.find("unsupported scheme \"git\"") != std::string::npos);
    CHECK_FALSE(parse_repository("github.com/owner/repo").repository);
    CHECK_FALSE(parse_repository("https://github.com/o/r?x=1").repository);
    CHECK_FALSE(parse_repository("https://github.com/o/r%2").repository);
}

TEST_CASE("HTML escapes are undone pairwise") {
    CHECK(without_html_escapes(R"({"a":"\u003cb\u003e \u0026"})") == R"({"a":"<b> &"})");
    CHECK(without_html_escapes(R"({"a":"\\u003c"})") == R"({"a":"\\u003c"})");
    CHECK(without_html_escapes(R"({"a":"\u2028"})") == R"({"a":"\u2028"})");
}
