// bitbucket: Bitbucket Cloud build statuses (reference/providers.md §3.9).
// Two steps: GET our status by key (404 = none yet), then POST it unless it
// already says the same. Only <owner>/<repo> is taken from the address; the
// API base is https://api.bitbucket.org/2.0 or BITBUCKET_API_BASE_URL.
#include <herald/gitcommon/repository.hpp>
#include <herald/gitcommon/sha1.hpp>
#include <herald/gitcommon/status_flow.hpp>
#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace {

using herald::gitcommon::DesiredStatus;
using herald::gitcommon::Existing;
using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Event;
using herald::sdk::Request;

constexpr std::string_view kDefaultApi = "https://api.bitbucket.org/2.0";
constexpr const char* kApiEnv = "BITBUCKET_API_BASE_URL";

// The API base, overridable from the daemon's environment like Flux's client
// library. Reading the environment while creating the instance is
// configuration, not I/O: step stays pure.
std::optional<std::string> api_base(Diagnostics& diag) {
    const char* env = std::getenv(kApiEnv);
    if (!env || !*env) return std::string(kDefaultApi);
    std::string_view value = herald::sdk::trim(env);
    while (herald::sdk::ends_with(value, "/")) value.remove_suffix(1);
    if (!herald::sdk::parse_url(value)) {
        diag.error(std::string("env.") + kApiEnv, "must be an absolute http:// or https:// URL");
        return std::nullopt;
    }
    return std::string(value);
}

// `<user>:<app-password>` with exactly one ':' (a password containing ':' is
// rejected, as in Flux). Returns the Basic credentials.
std::optional<std::string> basic_credentials(const Config& cfg, Diagnostics& diag) {
    auto token = cfg.secret("token");
    if (!token || token->empty()) {
        diag.error("secret.token", "bitbucket token cannot be empty: set `token` to <username>:<app-password>");
        return std::nullopt;
    }
    auto parts = herald::sdk::split(*token, ':');
    if (parts.size() != 2) {
        diag.error("secret.token", "invalid token format, expected to be <user>:<password> (exactly one ':')");
        return std::nullopt;
    }
    return herald::sdk::base64(*token);
}

class BitbucketStatus final : public herald::gitcommon::CommitStatusFlow {
public:
    // `commit_url` is <api>/repositories/<owner>/<repo>/commit.
    BitbucketStatus(std::string commit_url, std::string credentials)
        : commit_url_(std::move(commit_url)), credentials_(std::move(credentials)) {}

protected:
    std::string_view provider_name() const override { return "bitbucket"; }
    std::string_view state_word(bool failure) const override { return failure ? "FAILED" : "SUCCESSFUL"; }
    std::string_view lookup_failure() const override { return "could not get commit status"; }
    bool not_found_means_none() const override { return true; }

    Request lookup_request(const Event&, const DesiredStatus& d) const override {
        return request(commit_url_ + "/" + d.sha + "/statuses/build/" + key(d));
    }

    Existing compare(const nlohmann::json& answer, const Event&, const DesiredStatus& d) const override {
        auto state = herald::gitcommon::json_string(answer, "state");
        auto description = herald::gitcommon::json_string(answer, "description");
        if (!state) return Existing::None;
        return *state == d.state && description == d.description ? Existing::Same : Existing::Different;
    }

    // `name` is lowercase kind/name (not the status ID); `url` is a constant in Flux.
    Request post_request(const Event& event, const DesiredStatus& d) const override {
        Request r = request(commit_url_ + "/" + d.sha + "/statuses/build");
        r.header("Content-Type", "application/json");
        herald::sdk::JsonWriter w;
        w.begin_object()
            .member("key", key(d))
            .member("url", "https://bitbucket.org")
            .member("state", d.state)
            .member("name", herald::sdk::to_lower(std::string(event.kind()) + "/" + std::string(event.name())))
            .member("description", d.description);
        r.body = w.end_object().take();
        return r;
    }

private:
    // Bitbucket keys are limited to 40 characters, hence the SHA-1 of the ID.
    static std::string key(const DesiredStatus& d) { return herald::gitcommon::sha1_hex(d.id); }

    Request request(std::string url) const {
        Request r;
        r.url = std::move(url);
        r.header("Authorization", "Basic " + credentials_, true);
        r.header("Accept", "application/json");
        return r;
    }

    std::string commit_url_;
    std::string credentials_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    auto repo = herald::gitcommon::repository_from_config(cfg, diag, 2, "https://bitbucket.org/<owner>/<repo>");
    auto credentials = basic_credentials(cfg, diag);
    auto api = api_base(diag);
    if (!repo || !credentials || !api) return nullptr;
    if (repo->host != "bitbucket.org")
        diag.warning("spec.address", "the host \"" + repo->host + "\" is ignored: statuses go to " + *api +
                                         " (Bitbucket Server/Data Center is the bitbucketserver type)");
    std::string commit_url = *api + "/repositories/" + herald::sdk::url_escape(repo->segments[0]) + "/" +
                             herald::sdk::url_escape(repo->segments[1]) + "/commit";
    return std::make_unique<BitbucketStatus>(std::move(commit_url), std::move(*credentials));
}

using herald::sdk::field;
constexpr uint32_t kSecret = herald::sdk::kSecretField;

const herald_field_info fields[] = {
    field("address", HERALD_FIELD_STRING, HERALD_FIELD_REQUIRED,
          "Repository address: https://bitbucket.org/<owner>/<repo>, ssh:// or git@bitbucket.org:owner/repo.git "
          "(only owner and repo are used)"),
    field("address", HERALD_FIELD_STRING, kSecret, "Repository address kept in the secret; overrides spec.address"),
    field("token", HERALD_FIELD_STRING, kSecret | HERALD_FIELD_REQUIRED,
          "<username>:<app-password> with exactly one ':', sent as HTTP Basic authentication"),
};
const herald_type_info types[] = {
    herald::sdk::type("bitbucket", "Set Bitbucket Cloud build statuses from Flux events",
                      HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED, fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.bitbucket", "Bitbucket Cloud commit status", "1.0.0", "herald",
        "https://github.com/herald-dev/herald", "Apache-2.0", "Flux-compatible Bitbucket Cloud build statuses", types,
        std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
