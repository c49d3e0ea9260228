#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using namespace herald::plugin_host;
using namespace herald::plugin_host::test;

namespace {

const std::vector<std::string> kAllBuilt = {"good.so",        "faulty.so",      "c_plugin.so",
                                            "null_entry.so",  "wrong_major.so", "zz_duplicate.so",
                                            "init_fails.so",  "bad_type_name.so", "no_entry.so"};

std::map<std::string, std::string> refusals_by_file(const PluginRegistry& r) {
    std::map<std::string, std::string> out;
    for (const auto& refusal : r.refusals()) out[fs::path(refusal.file).filename().string()] = refusal.reason;
    return out;
}

std::vector<std::string> loaded_ids(const PluginRegistry& r) {
    std::vector<std::string> out;
    for (const auto* p : r.plugins()) out.push_back(p->id);
    return out;
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    out.close();
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
}

std::string read_prefix(const fs::path& path, size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes(n, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(n));
    bytes.resize(static_cast<size_t>(in.gcount()));
    return bytes;
}

}  // namespace

TEST_CASE("Good plugins load and every bad file is refused with its own reason") {
    TempDir dir;
    for (const auto& f : kAllBuilt) dir.add(f);
    write_file(dir.path() / "not_elf.so", std::string(200, '#') + "\nthis is a text file, not a shared library\n");
    write_file(dir.path() / "truncated.so", read_prefix(built_plugin("good.so"), 100));
    write_file(dir.path() / "ignored.txt", "not a .so, never looked at");

    PluginRegistry registry(RegistryOptions{});
    REQUIRE(registry.load_dir(dir.path()) == 3);
    CHECK(loaded_ids(registry) == std::vector<std::string>{"io.herald.test.c", "io.herald.test.faulty",
                                                           "io.herald.test.good"});

    auto refused = refusals_by_file(registry);
    CHECK(refused.size() == 8);
    CHECK(refused["null_entry.so"] == "entry returned NULL (plugin needs a newer herald?)");
    CHECK(refused["wrong_major.so"] == "built for ABI major 2, this herald speaks 1");
    CHECK(refused["init_fails.so"] == "init failed with status 100");
    CHECK_THAT(refused["zz_duplicate.so"], Catch::StartsWith("type \"test-echo\" already served by ") &&
                                               Catch::EndsWith("good.so (io.herald.test.good)"));
    CHECK_THAT(refused["bad_type_name.so"],
               Catch::Contains("\"Test_Bad\"") && Catch::Contains("^[a-z0-9][a-z0-9-]*$"));
    CHECK_THAT(refused["no_entry.so"], Catch::StartsWith("no herald_plugin_entry_v1 symbol") &&
                                           Catch::Contains("undefined symbol: herald_plugin_entry_v1"));
    // dlerror's words, not Boost's "Bad file descriptor".
    CHECK_THAT(refused["not_elf.so"], Catch::StartsWith("cannot load: ") && Catch::Contains("not_elf.so") &&
                                          Catch::Contains("invalid ELF header") &&
                                          !Catch::Contains("Bad file descriptor"));
    // A truncated ELF is refused from its headers, before dlopen sees it.
    CHECK_THAT(refused["truncated.so"], Catch::StartsWith("cannot load: truncated ELF file: ") &&
                                            Catch::Contains("the file has 100 bytes"));
    CHECK(refused.count("ignored.txt") == 0);
}

TEST_CASE("Plugin files writable by group or others are refused unless insecure plugins are allowed") {
    TempDir dir;
    dir.add("good.so", fs::perms::owner_all | fs::perms::group_all | fs::perms::others_read);
    dir.add("faulty.so", fs::perms::owner_all | fs::perms::others_write | fs::perms::others_read);

    PluginRegistry strict(RegistryOptions{});
    CHECK(strict.load_dir(dir.path()) == 0);
    auto refused = refusals_by_file(strict);
    CHECK(refused["good.so"] == "writable by others; refusing (use --allow-insecure-plugins)");
    CHECK(refused["faulty.so"] == "writable by others; refusing (use --allow-insecure-plugins)");

    RegistryOptions lax;
    lax.allow_insecure = true;
    PluginRegistry relaxed(lax);
    CHECK(relaxed.load_dir(dir.path()) == 2);
    CHECK(relaxed.refusals().empty());
}

TEST_CASE("A missing plugins directory is one refusal naming the directory") {
    PluginRegistry registry(RegistryOptions{});
    CHECK(registry.load_dir("/nonexistent/herald/plugins") == 0);
    REQUIRE(registry.refusals().size() == 1);
    CHECK(registry.refusals()[0].file == "/nonexistent/herald/plugins");
    CHECK_THAT(registry.refusals()[0].reason, Catch::StartsWith("cannot read plugins directory"));
}

TEST_CASE("The registry finds the plugin and type index serving a type") {
    Loaded env({"good.so", "c_plugin.so"});
    auto ref = env.registry->find("test-two-step");
    REQUIRE(ref);
    CHECK(ref->plugin->id == "io.herald.test.good");
    CHECK(ref->type_index == 1);
    CHECK(std::string(ref->info->type) == "test-two-step");
    CHECK(ref->info->flags == (HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED));
    CHECK(env.registry->serves("test-c"));
    CHECK(env.registry->serves("test-echo"));
    CHECK_FALSE(env.registry->serves("slack"));
    CHECK_FALSE(env.registry->find("test"));
}

TEST_CASE("Loading the same plugin twice refuses the second copy") {
    Loaded env({"good.so"});
    fs::copy_file(built_plugin("good.so"), env.dir.path() / "good-copy.so");
    fs::permissions(env.dir.path() / "good-copy.so", fs::perms::owner_all);
    CHECK_FALSE(env.registry->load_file(env.dir.path() / "good-copy.so"));
    CHECK_THAT(env.registry->refusals().back().reason, Catch::Contains("already served by"));
}

TEST_CASE("describe_json lists plugins with their types, field schema and the refusals") {
    Loaded env({"good.so", "null_entry.so"});
    auto doc = nlohmann::json::parse(env.registry->describe_json());
    REQUIRE(doc["plugins"].size() == 1);
    const auto& p = doc["plugins"][0];
    CHECK(p["id"] == "io.herald.test.good");
    CHECK(p["version"] == "1.2.3");
    CHECK(p["license"] == "Apache-2.0");
    CHECK(p["vendor"] == "herald tests");
    CHECK(p["abi"] == "1.0");
    REQUIRE(p["types"].size() == 2);
    CHECK(p["types"][1]["flags"] == nlohmann::json::array({"commit-status", "ordered"}));
    const auto& fields = p["types"][0]["fields"];
    CHECK(fields[0]["path"] == "spec.address");
    CHECK(fields[0]["kind"] == "url");
    CHECK(fields[0]["required"] == true);
    CHECK(fields[2]["default"] == "1");
    CHECK(fields[3]["default"] == "false");
    CHECK(fields[7]["path"] == "secret.token");
    CHECK(fields[7]["secret"] == true);
    REQUIRE(doc["refused"].size() == 1);
    CHECK_THAT(doc["refused"][0]["file"].get<std::string>(), Catch::EndsWith("null_entry.so"));
    CHECK(doc["refused"][0]["reason"] == "entry returned NULL (plugin needs a newer herald?)");
}

TEST_CASE("describe_text names each plugin, type, field and refusal") {
    Loaded env({"good.so", "wrong_major.so"});
    std::string text = env.registry->describe_text();
    CHECK_THAT(text, Catch::Contains("io.herald.test.good 1.2.3 (good) from "));
    CHECK_THAT(text, Catch::Contains("type test-two-step [commit-status, ordered]: GET then POST."));
    CHECK_THAT(text, Catch::Contains("secret.token (string, required, sensitive): The API token."));
    CHECK_THAT(text, Catch::Contains("refused:\n"));
    CHECK_THAT(text, Catch::Contains("wrong_major.so: built for ABI major 2, this herald speaks 1"));
}

TEST_CASE("deinit_all calls every plugin's deinit once") {
    Loaded env({"c_plugin.so"});
    env.registry->deinit_all();
    env.registry->deinit_all();
    CHECK(env.log.count("io.herald.test.c: deinit") == 1);
}

TEST_CASE("Plugin log lines reach the log sink with secrets masked") {
    Loaded env({"good.so"});
    auto created = env.registry->create(echo_settings());
    REQUIRE(created.instance);
    ScriptedSender sender;
    auto result = run_exchange(*created.instance, event_with_reason("log"), 0, 1000, sender.sender());
    CHECK(result.outcome == Outcome::Delivered);
    CHECK(env.log.count("info io.herald.test.good: using token *****") == 1);
    CHECK(env.log.count("s3cr3t-t0ken") == 0);
}
