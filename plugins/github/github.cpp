// github: commit statuses on GitHub and GitHub Enterprise
// (reference/providers.md §3.7). Two steps: list the statuses of the commit,
// then POST ours unless the newest one with our context already says the same.
#include <herald/gitcommon/repository.hpp>
#include <herald/gitcommon/status_flow.hpp>
#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using herald::gitcommon::DesiredStatus;
using herald::gitcommon::Existing;
using herald::gitcommon::Repository;
using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Event;
using herald::sdk::Request;

// github.com talks to api.github.com; any other host is GitHub Enterprise at
// <origin>/api/v3, except hosts that already are API hosts (GHE.com data residency).
std::string api_base(const Repository& repo) {
    if (repo.host == "github.com") return "https://api.github.com";
    if (herald::sdk::starts_with(repo.host, "api.") || repo.host.find(".api.") != std::string::npos)
        return repo.origin();
    return repo.origin() + "/api/v3";
}

class GitHubStatus final : public herald::gitcommon::CommitStatusFlow {
public:
    // `repo_url` is <api>/repos/<owner>/<repo>.
    GitHubStatus(std::string repo_url, std::string token) : repo_url_(std::move(repo_url)), token_(std::move(token)) {}

protected:
    std::string_view provider_name() const override { return "github"; }
    std::string_view state_word(bool failure) const override { return failure ? "failure" : "success"; }

    Request lookup_request(const Event&, const DesiredStatus& d) const override {
        return request(repo_url_ + "/commits/" + d.sha + "/statuses?per_page=50");
    }

    // GitHub lists newest first; the first status with our context decides.
    // Entries without context, state or description are skipped (as Flux does).
    Existing compare(const nlohmann::json& answer, const Event&, const DesiredStatus& d) const override {
        if (!answer.is_array()) return Existing::None;
        for (const auto& status : answer) {
            auto context = herald::gitcommon::json_string(status, "context");
            auto state = herald::gitcommon::json_string(status, "state");
            auto description = herald::gitcommon::json_string(status, "description");
            if (!context || !state || !description || *context != d.id) continue;
            return *state == d.state && *description == d.description ? Existing::Same : Existing::Different;
        }
        return Existing::None;
    }

    // go-github encodes without HTML escaping and ends the body with a newline.
    Request post_request(const Event&, const DesiredStatus& d) const override {
        Request r = request(repo_url_ + "/statuses/" + d.sha);
        r.header("Content-Type", "application/json");
        herald::sdk::JsonWriter w;
        w.begin_object().member("state", d.state).member("description", d.description).member("context", d.id);
        w.end_object();
        r.body = herald::gitcommon::without_html_escapes(w.str()) + "\n";
        return r;
    }

private:
    Request request(std::string url) const {
        Request r;
        r.url = std::move(url);
        r.header("Authorization", "Bearer " + token_, true);
        r.header("Accept", "application/vnd.github+json");
        r.header("X-GitHub-Api-Version", "2022-11-28");
        r.header("User-Agent", "herald-github/1.0.0");
        return r;
    }

    std::string repo_url_;
    std::string token_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    auto repo = herald::gitcommon::repository_from_config(cfg, diag, 2, "https://github.com/<owner>/<repo>");
    auto token = herald::gitcommon::token_from_config(
        cfg, diag, true,
        "a GitHub token is required: set `token` in the secret referenced by spec.secretRef "
        "(GitHub App authentication is not supported by this plugin)");
    if (token && cfg.secret("githubAppID"))
        diag.warning("secret.githubAppID", "GitHub App authentication is not supported; the token is used");
    if (!repo || !token) return nullptr;
    std::string repo_url = api_base(*repo) + "/repos/" + herald::sdk::url_escape(repo->segments[0]) + "/" +
                           herald::sdk::url_escape(repo->segments[1]);
    return std::make_unique<GitHubStatus>(std::move(repo_url), std::move(*token));
}

using herald::sdk::field;
constexpr uint32_t kSecret = herald::sdk::kSecretField;

const herald_field_info fields[] = {
    field("address", HERALD_FIELD_STRING, HERALD_FIELD_REQUIRED,
          "Repository address: https://github.com/<owner>/<repo>, ssh:// or git@host:owner/repo.git; "
          "any other host is GitHub Enterprise (<scheme>://<host>/api/v3)"),
    field("address", HERALD_FIELD_STRING, kSecret, "Repository address kept in the secret; overrides spec.address"),
    field("token", HERALD_FIELD_STRING, kSecret,
          "Personal access or fine-grained token with commit status write access (required unless `password` is set)"),
    field("password", HERALD_FIELD_STRING, kSecret, "Used as the token when `token` is not set"),
};
const herald_type_info types[] = {
    herald::sdk::type("github", "Set GitHub commit statuses from Flux events",
                      HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED, fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.github", "GitHub commit status", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible GitHub and GitHub Enterprise commit statuses", types, std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
