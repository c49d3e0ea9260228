// azuredevops: Azure DevOps (Azure Repos) commit statuses
// (reference/providers.md §3.11). Two steps: list the commit's statuses, then
// POST ours unless the first one with our name and genre already says the same.
#include <herald/gitcommon/repository.hpp>
#include <herald/gitcommon/status_flow.hpp>
#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

namespace {

using herald::gitcommon::DesiredStatus;
using herald::gitcommon::Existing;
using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Event;
using herald::sdk::Request;

// The API version travels in the Accept header, as the Go SDK Flux uses sends it.
constexpr const char* kAccept = "application/json;api-version=6.0";

// `fluxcd`, or `fluxcd:<summary>` when the Alert set a summary (Flux v1.0+).
std::string genre(const Event& event) {
    auto summary = event.metadata("summary");
    if (!summary || summary->empty()) return "fluxcd";
    return "fluxcd:" + std::string(*summary);
}

class AzureDevOpsStatus final : public herald::gitcommon::CommitStatusFlow {
public:
    // `commits_url` is <orgURL>/<project>/_apis/git/repositories/<repo>/commits.
    AzureDevOpsStatus(std::string commits_url, std::string credentials)
        : commits_url_(std::move(commits_url)), credentials_(std::move(credentials)) {}

protected:
    std::string_view provider_name() const override { return "azure devops"; }
    std::string_view state_word(bool failure) const override { return failure ? "error" : "succeeded"; }

    Request lookup_request(const Event&, const DesiredStatus& d) const override {
        return request(statuses_url(d));
    }

    // The first status with our name and genre decides.
    Existing compare(const nlohmann::json& answer, const Event& event, const DesiredStatus& d) const override {
        if (!answer.is_object() || !answer.contains("value") || !answer["value"].is_array()) return Existing::None;
        const std::string our_genre = genre(event);
        for (const auto& status : answer["value"]) {
            if (!status.is_object() || !status.contains("context")) continue;
            const auto& context = status["context"];
            if (herald::gitcommon::json_string(context, "name") != d.id ||
                herald::gitcommon::json_string(context, "genre") != our_genre)
                continue;
            bool same = herald::gitcommon::json_string(status, "state") == d.state &&
                        herald::gitcommon::json_string(status, "description").value_or("") == d.description;
            return same ? Existing::Same : Existing::Different;
        }
        return Existing::None;
    }

    Request post_request(const Event& event, const DesiredStatus& d) const override {
        Request r = request(statuses_url(d));
        r.header("Content-Type", "application/json;charset=utf-8");
        herald::sdk::JsonWriter w;
        w.begin_object().key("context").begin_object().member("genre", genre(event)).member("name", d.id).end_object();
        w.member("description", d.description).member("state", d.state);
        r.body = w.end_object().take();
        return r;
    }

private:
    std::string statuses_url(const DesiredStatus& d) const { return commits_url_ + "/" + d.sha + "/statuses"; }

    Request request(std::string url) const {
        Request r;
        r.url = std::move(url);
        r.header("Authorization", "Basic " + credentials_, true);
        r.header("Accept", kAccept);
        return r;
    }

    std::string commits_url_;
    std::string credentials_;
};

// Azure's ssh clone address git@ssh.dev.azure.com:v3/<org>/<project>/<repo>
// names the same repository as https://dev.azure.com/<org>/<project>/_git/<repo>.
void use_https_form_of_ssh_address(herald::gitcommon::Repository& repo) {
    if (repo.host != "ssh.dev.azure.com" || repo.segments.size() != 4 || repo.segments[0] != "v3") return;
    repo.host = "dev.azure.com";
    repo.port.clear();
    repo.segments = {repo.segments[1], repo.segments[2], "_git", repo.segments[3]};
}

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    auto repo = herald::gitcommon::repository_from_config(cfg, diag, 4,
                                                          "https://dev.azure.com/<org>/<project>/_git/<repo>");
    if (repo) use_https_form_of_ssh_address(*repo);
    auto pat = herald::gitcommon::token_from_config(
        cfg, diag, false,
        "azure devops token cannot be empty: set `token` to a personal access token with Code (status) scope "
        "(workload identity is not supported by this plugin)");
    if (!repo || !pat) return nullptr;
    // The Go SDK lowercases the organisation URL; project and repo keep their case.
    std::string org_url = herald::sdk::to_lower(repo->origin() + "/" + repo->segments[0]);
    std::string commits_url = org_url + "/" + herald::sdk::url_escape(repo->segments[1]) +
                              "/_apis/git/repositories/" + herald::sdk::url_escape(repo->segments[3]) + "/commits";
    return std::make_unique<AzureDevOpsStatus>(std::move(commits_url), herald::sdk::base64(":" + *pat));
}

using herald::sdk::field;
constexpr uint32_t kSecret = herald::sdk::kSecretField;

const herald_field_info fields[] = {
    field("address", HERALD_FIELD_STRING, HERALD_FIELD_REQUIRED,
          "Repository address with four path segments: https://dev.azure.com/<org>/<project>/_git/<repo> "
          "(legacy <org>.visualstudio.com addresses are not accepted)"),
    field("address", HERALD_FIELD_STRING, kSecret, "Repository address kept in the secret; overrides spec.address"),
    field("token", HERALD_FIELD_STRING, kSecret | HERALD_FIELD_REQUIRED,
          "Personal access token, sent as HTTP Basic authentication with an empty user name"),
};
const herald_type_info types[] = {
    herald::sdk::type("azuredevops", "Set Azure DevOps commit statuses from Flux events",
                      HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED, fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.azuredevops", "Azure DevOps commit status", "1.0.0", "herald",
        "https://github.com/herald-dev/herald", "Apache-2.0", "Flux-compatible Azure DevOps commit statuses", types,
        std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
