// Metadata cleaning, the duplicate key and the per-Alert metadata.
#include <herald/events/event.hpp>

#include <catch2/catch.hpp>
#include <openssl/sha.h>

#include <string>

using namespace herald::events;
using Map = std::map<std::string, std::string>;

namespace {

Event kustomization(Map md, std::string api_version = "kustomize.toolkit.fluxcd.io/v1") {
    Event e;
    e.object.kind = "Kustomization";
    e.object.ns = "flux-system";
    e.object.name = "apps";
    e.object.api_version = std::move(api_version);
    e.message = "Health check passed";
    e.metadata = std::move(md);
    return e;
}

// SHA-256 through the one-shot API, independent of the library's EVP path.
std::string sha256_hex(const std::string& s) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), md);
    char buf[3];
    std::string hex;
    for (unsigned char c : md) {
        std::snprintf(buf, sizeof buf, "%02x", c);
        hex += buf;
    }
    return hex;
}

}  // namespace

TEST_CASE("The API group is what precedes the only slash of apiVersion", "[metadata]") {
    CHECK(api_group("kustomize.toolkit.fluxcd.io/v1") == "kustomize.toolkit.fluxcd.io");
    CHECK(api_group("v1") == "");
    CHECK(api_group("") == "");
    CHECK(api_group("/") == "");
    CHECK(api_group("/v1") == "");
    CHECK(api_group("g/") == "g");
    CHECK(api_group("a/b/c") == "");
}

TEST_CASE("Cleaning keeps the object's group, annotations and v1beta1 keys", "[metadata]") {
    Event e = kustomization({
        {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"},
        {"kustomize.toolkit.fluxcd.io/commit_status", "update"},
        {"kustomize.toolkit.fluxcd.io/checksum", "x"},
        {"kustomize.toolkit.fluxcd.io/Digest", "sha256:y"},
        {"kustomize.toolkit.fluxcd.io/token", "t"},
        {"event.toolkit.fluxcd.io/env", "prod"},
        {"helm.toolkit.fluxcd.io/revision", "other group"},
        {"kustomize.toolkit.fluxcd.io.evil/revision", "prefix without slash"},
        {"kustomize.toolkit.fluxcd.io", "group without slash"},
        {"revision", "main/abc"},
        {"commit_status", "update"},
        {"checksum", "x"},
        {"DIGEST", "y"},
        {"a/b", "unrelated"},
    });
    clean_metadata(e);
    CHECK(e.metadata == Map{
                            {"commit_status", "update"},
                            {"event.toolkit.fluxcd.io/env", "prod"},
                            {"kustomize.toolkit.fluxcd.io", "group without slash"},
                            {"kustomize.toolkit.fluxcd.io/commit_status", "update"},
                            {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"},
                            {"kustomize.toolkit.fluxcd.io/token", "t"},
                            {"revision", "main/abc"},
                        });
}

TEST_CASE("Without an API group only annotations and unprefixed keys survive cleaning", "[metadata]") {
    for (const char* version : {"", "v1", "a/b/c"}) {
        Event e = kustomization({{"/revision", "1"},
                                 {"kustomize.toolkit.fluxcd.io/revision", "2"},
                                 {"event.toolkit.fluxcd.io/k", "3"},
                                 {"revision", "4"},
                                 {"/checksum", "5"}},
                                version);
        clean_metadata(e);
        CHECK(e.metadata == Map{{"event.toolkit.fluxcd.io/k", "3"}, {"revision", "4"}});
    }
}

TEST_CASE("The duplicate key hashes the labelled parts in Flux's order", "[dedup]") {
    Event e = kustomization({{"kustomize.toolkit.fluxcd.io/token", "tok"},
                             {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"},
                             {"kustomize.toolkit.fluxcd.io/originRevision", "oci@sha256:def"},
                             {"event.toolkit.fluxcd.io/revision", "ignored"}});
    e.severity = "info";
    e.reason = "Progressing";
    e.timestamp = 1714557600;
    const std::string expected =
        "event/name=apps/namespace=flux-system/kind=Kustomization/message=Health check passed"
        "/originRevision=oci@sha256:def/revision=main@sha1:abc/token=tok";
    CHECK(duplicate_key_text(e) == expected);
    CHECK(duplicate_key(e) == sha256_hex(expected));
    CHECK(duplicate_key(e).size() == 64);

    Event bare = kustomization({});
    CHECK(duplicate_key(bare) ==
          sha256_hex("event/name=apps/namespace=flux-system/kind=Kustomization/message=Health check passed"));
}

TEST_CASE("The duplicate key ignores severity, reason, timestamp and other metadata", "[dedup]") {
    Event a = kustomization({{"kustomize.toolkit.fluxcd.io/revision", "r1"}});
    Event b = a;
    b.severity = "error";
    b.reason = "Other";
    b.timestamp = 5;
    b.metadata["event.toolkit.fluxcd.io/env"] = "prod";
    b.metadata["commit_status"] = "update";
    CHECK(duplicate_key(a) == duplicate_key(b));
    b.metadata["kustomize.toolkit.fluxcd.io/revision"] = "r2";
    CHECK(duplicate_key(a) != duplicate_key(b));
    Event c = a;
    c.message += ".";
    CHECK(duplicate_key(a) != duplicate_key(c));
}

TEST_CASE("The duplicate key falls back to unprefixed v1beta1 keys", "[dedup]") {
    Event old = kustomization({{"revision", "main/abc"}, {"token", "t"}}, "kustomize.toolkit.fluxcd.io/v1beta1");
    CHECK(duplicate_key_text(old) ==
          "event/name=apps/namespace=flux-system/kind=Kustomization/message=Health check passed/revision=main/abc/token=t");
    Event both = kustomization({{"revision", "old"}, {"kustomize.toolkit.fluxcd.io/revision", "new"}});
    CHECK_THAT(duplicate_key_text(both), Catch::EndsWith("/revision=new"));
    Event empty_value = kustomization({{"kustomize.toolkit.fluxcd.io/revision", ""}});
    CHECK_THAT(duplicate_key_text(empty_value), Catch::EndsWith("/revision="));
}

TEST_CASE("Notification metadata merges four sources in precedence order", "[metadata]") {
    Event e = kustomization({
        {"event.toolkit.fluxcd.io/env", "from-annotation"},
        {"event.toolkit.fluxcd.io/team", "platform"},
        {"event.toolkit.fluxcd.io/summary", "annotated summary"},
        {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:abc"},
        {"kustomize.toolkit.fluxcd.io/commit_status", "update"},
        {"kustomize.toolkit.fluxcd.io/token", "secret-ish"},
        {"kustomize.toolkit.fluxcd.io/cluster", "from-controller"},
    });
    auto m = notification_metadata(e, Map{{"env", "prod"}, {"cluster", "from-alert"}, {"region", "eu"}}, "sum");
    CHECK(m.metadata == Map{
                            {"cluster", "from-controller"},
                            {"commit_status", "update"},
                            {"env", "prod"},
                            {"region", "eu"},
                            {"revision", "main@sha1:abc"},
                            {"summary", "sum"},
                            {"team", "platform"},
                        });
    CHECK(m.conflicts == std::vector<std::string>{"cluster", "env", "summary"});
}

TEST_CASE("Notification metadata without an Alert contribution strips prefixes and drops the token",
          "[metadata]") {
    Event e = kustomization({{"kustomize.toolkit.fluxcd.io/revision", "r"}, {"kustomize.toolkit.fluxcd.io/token", "t"}});
    auto m = notification_metadata(e, {}, "");
    CHECK(m.metadata == Map{{"revision", "r"}});
    CHECK(m.conflicts.empty());

    Event only_token = kustomization({{"kustomize.toolkit.fluxcd.io/token", "t"}, {"token", "u"}});
    CHECK(notification_metadata(only_token, {}, "").metadata.empty());
    CHECK(notification_metadata(kustomization({}), {}, "").metadata.empty());
}

TEST_CASE("Unprefixed v1beta1 keys count as the controller's, below a prefixed key of the same name",
          "[metadata]") {
    Event e = kustomization({{"revision", "main/old"},
                             {"commit_status", "update"},
                             {"kustomize.toolkit.fluxcd.io/revision", "main@sha1:new"},
                             {"summary", "controller summary"}},
                            "kustomize.toolkit.fluxcd.io/v1beta1");
    auto m = notification_metadata(e, Map{{"commit_status", "alert"}}, "alert summary");
    CHECK(m.metadata == Map{{"commit_status", "update"}, {"revision", "main@sha1:new"}, {"summary", "controller summary"}});
    CHECK(m.conflicts == std::vector<std::string>{"commit_status", "summary"});

    Event old = kustomization({{"revision", "main/abc"}}, "v1");
    CHECK(notification_metadata(old, {}, "s").metadata == Map{{"revision", "main/abc"}, {"summary", "s"}});
}

TEST_CASE("A decoded, cleaned and merged event encodes like providers.md example A", "[metadata]") {
    auto r = decode_event(
        R"({"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps","uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},"severity":"info","timestamp":"2024-05-01T10:00:00.123456Z","message":"Reconciliation finished in 1.5s, next run in 10m0s","reason":"ReconciliationSucceeded","metadata":{"kustomize.toolkit.fluxcd.io/revision":"main@sha1:69b59063470310ebbd88a9156325322a124e55a3","kustomize.toolkit.fluxcd.io/commit_status":"update","kustomize.toolkit.fluxcd.io/checksum":"x","kustomize.toolkit.fluxcd.io/token":"t","source.toolkit.fluxcd.io/revision":"nope"},"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"})");
    REQUIRE(r.ok());
    Event e = *r.event;
    clean_metadata(e);
    e.metadata = notification_metadata(e, Map{{"env", "prod"}}, "").metadata;
    CHECK(encode_event(e) ==
          R"({"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps","uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},"severity":"info","timestamp":"2024-05-01T10:00:00Z","message":"Reconciliation finished in 1.5s, next run in 10m0s","reason":"ReconciliationSucceeded","metadata":{"commit_status":"update","env":"prod","revision":"main@sha1:69b59063470310ebbd88a9156325322a124e55a3"},"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7c7b47f5f-8bhrp"})");
}
