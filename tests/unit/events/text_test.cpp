// Text rules shared by providers: reason description, commit status id, revision and SHA.
#include <herald/events/event.hpp>

#include <catch2/catch.hpp>

using namespace herald::events;
using Map = std::map<std::string, std::string>;

TEST_CASE("A reason becomes a lowercase description split at class changes", "[text]") {
    CHECK(reason_description("ReconciliationSucceeded") == "reconciliation succeeded");
    CHECK(reason_description("HealthCheckFailed") == "health check failed");
    CHECK(reason_description("ApplySucceeded") == "apply succeeded");
    CHECK(reason_description("DependencyNotReady") == "dependency not ready");
    CHECK(reason_description("OCIArtifactFailed") == "oci artifact failed");
    CHECK(reason_description("PDFLoader") == "pdf loader");
    CHECK(reason_description("GitOperationFailed") == "git operation failed");
    CHECK(reason_description("") == "");
    CHECK(reason_description("lowercase") == "lowercase");
    CHECK(reason_description("ABC") == "abc");
    CHECK(reason_description("Version2Released") == "version 2 released");
    CHECK(reason_description("BigHTML") == "big html");
    CHECK(reason_description("Some_Reason") == "some _ reason");
    CHECK(reason_description("Two Words") == "two   words");
    CHECK(reason_description("AB1c") == "ab 1 c");
}

TEST_CASE("A reason that is not valid UTF-8 is not split", "[text]") {
    CHECK(reason_description("Bad\xFFReason") == "bad\xEF\xBF\xBDreason");
}

TEST_CASE("The commit status id is kind, name and the UID's first part, lowercased", "[text]") {
    CHECK(commit_status_id("Kustomization", "gitops-system", "0c9c2e41-d2f9-4f9b-9c41-8c7f23f58ad0") ==
          "kustomization/gitops-system/0c9c2e41");
    CHECK(commit_status_id("HelmRelease", "PodInfo", "NoDashes") == "helmrelease/podinfo/nodashes");
    CHECK(commit_status_id("Kustomization", "apps", "") == "kustomization/apps/");
    CHECK(commit_status_id("Kustomization", "apps", "-x") == "kustomization/apps/");
}

TEST_CASE("The revision is the first of commit, originRevision and revision", "[text]") {
    CHECK(revision_of(Map{{"revision", "r"}, {"originRevision", "o"}, {"commit", "c"}}) == "c");
    CHECK(revision_of(Map{{"revision", "r"}, {"originRevision", "o"}}) == "o");
    CHECK(revision_of(Map{{"revision", "r"}}) == "r");
    CHECK(revision_of(Map{{"other", "x"}}) == "");
    CHECK_FALSE(find_revision(Map{}));
    auto empty = find_revision(Map{{"commit", ""}, {"revision", "r"}});
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("The commit SHA follows the last colon, else the last slash, and must be 40 hex characters",
          "[text]") {
    const std::string sha = "69b59063470310ebbd88a9156325322a124e55a3";
    CHECK(commit_sha("main@sha1:" + sha) == sha);
    CHECK(commit_sha("sha1:" + sha) == sha);
    CHECK(commit_sha("feature/x@sha1:" + sha) == sha);
    CHECK(commit_sha("main/" + sha) == sha);
    CHECK(commit_sha("environment/dev/" + sha) == sha);
    CHECK(commit_sha(sha) == sha);
    CHECK(commit_sha("HEAD/" + sha) == sha);
    CHECK_FALSE(commit_sha(""));
    CHECK_FALSE(commit_sha("main@sha1:69b5906"));
    CHECK_FALSE(commit_sha("sha256:" + sha + sha.substr(0, 24)));
    CHECK_FALSE(commit_sha("main/" + sha + "/"));
    CHECK_FALSE(commit_sha(sha + ":"));
    CHECK_FALSE(commit_sha("main/69b59063470310ebbd88a9156325322a124e55aZ"));
}
