// gitlab: commit statuses on GitLab.com and self-managed GitLab
// (reference/providers.md §3.8). Two steps: list the commit's statuses with
// our name, then POST ours unless one already says the same.
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

// The project path as one URL path segment: `/` -> %2F and also `.` -> %2E
// (what go-gitlab sends); a numeric project id passes unchanged.
std::string project_segment(std::string_view path) {
    std::string escaped = herald::sdk::url_escape(path);
    std::string out;
    for (char c : escaped) {
        if (c == '.') {
            out += "%2E";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

class GitLabStatus final : public herald::gitcommon::CommitStatusFlow {
public:
    // `project_url` is <origin>/api/v4/projects/<id>.
    GitLabStatus(std::string project_url, std::string token)
        : project_url_(std::move(project_url)), token_(std::move(token)) {}

protected:
    std::string_view provider_name() const override { return "gitlab"; }
    std::string_view state_word(bool failure) const override { return failure ? "failed" : "success"; }
    std::string_view lookup_failure() const override { return "unable to list commit statuses"; }

    // Filtered by name: the unfiltered list is paginated and missed statuses (Flux #1009).
    Request lookup_request(const Event&, const DesiredStatus& d) const override {
        return request(project_url_ + "/repository/commits/" + d.sha + "/statuses?name=" +
                       herald::sdk::url_escape(d.id));
    }

    // GitLab returns the latest status per name; any equal one is a duplicate.
    Existing compare(const nlohmann::json& answer, const Event&, const DesiredStatus& d) const override {
        if (!answer.is_array()) return Existing::None;
        bool ours_seen = false;
        for (const auto& status : answer) {
            auto name = herald::gitcommon::json_string(status, "name");
            if (!name || *name != d.id) continue;
            ours_seen = true;
            auto sha = herald::gitcommon::json_string(status, "sha");
            auto state = herald::gitcommon::json_string(status, "status");
            auto description = herald::gitcommon::json_string(status, "description");
            if (sha && herald::sdk::iequals(*sha, d.sha) && state == d.state && description == d.description)
                return Existing::Same;
        }
        return ours_seen ? Existing::Different : Existing::None;
    }

    Request post_request(const Event&, const DesiredStatus& d) const override {
        Request r = request(project_url_ + "/statuses/" + d.sha);
        r.header("Content-Type", "application/json");
        herald::sdk::JsonWriter w;
        w.begin_object().member("state", d.state).member("name", d.id).member("description", d.description);
        r.body = w.end_object().take();
        return r;
    }

private:
    Request request(std::string url) const {
        Request r;
        r.url = std::move(url);
        r.header("PRIVATE-TOKEN", token_, true);
        r.header("Accept", "application/json");
        return r;
    }

    std::string project_url_;
    std::string token_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    auto repo = herald::gitcommon::repository_from_config(
        cfg, diag, 0, "https://gitlab.com/<group>[/<subgroup>...]/<project> or https://gitlab.com/<project id>");
    auto token = herald::gitcommon::token_from_config(
        cfg, diag, true, "gitlab token cannot be empty: set `token` in the secret referenced by spec.secretRef");
    if (!repo || !token) return nullptr;
    std::string project_url = repo->origin() + "/api/v4/projects/" + project_segment(repo->id);
    return std::make_unique<GitLabStatus>(std::move(project_url), std::move(*token));
}

using herald::sdk::field;
constexpr uint32_t kSecret = herald::sdk::kSecretField;

const herald_field_info fields[] = {
    field("address", HERALD_FIELD_STRING, HERALD_FIELD_REQUIRED,
          "Project address: https://<host>/<group>[/<subgroup>...]/<project>, https://<host>/<project id>, "
          "ssh:// or git@host:group/project.git; the API is <scheme>://<host>/api/v4"),
    field("address", HERALD_FIELD_STRING, kSecret, "Project address kept in the secret; overrides spec.address"),
    field("token", HERALD_FIELD_STRING, kSecret,
          "Personal, group or project access token with the api scope (required unless `password` is set)"),
    field("password", HERALD_FIELD_STRING, kSecret, "Used as the token when `token` is not set"),
};
const herald_type_info types[] = {
    herald::sdk::type("gitlab", "Set GitLab commit statuses from Flux events",
                      HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED, fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.gitlab", "GitLab commit status", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible GitLab commit statuses", types, std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
