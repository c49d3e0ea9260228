// The exchange every commit-status provider runs (reference/providers.md
// §3.7-3.11, plugin-abi.md §3.4):
//   step 0: skip `Progressing`; derive SHA, state and description; GET the
//           existing status(es) -> SEND;
//   step 1: a failed lookup ends the exchange (retryable or permanent); when
//           the newest matching status already shows our state and
//           description nothing is posted (Flux's duplicate suppression);
//           otherwise POST the status -> DONE (the host judges the POST).
// A provider supplies only its URLs, bodies and the comparison.
#ifndef HERALD_GITCOMMON_STATUS_FLOW_HPP
#define HERALD_GITCOMMON_STATUS_FLOW_HPP

#include <herald/gitcommon/text.hpp>
#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace herald::gitcommon {

// What the commit should show after this event.
struct DesiredStatus {
    std::string sha;          // 40 hex characters
    std::string id;           // commit status ID (host-computed, §3.0)
    std::string state;        // the provider's word, e.g. "success"
    bool failure = false;     // an error event
    std::string description;  // from the reason
};

// What the lookup found for our status.
enum class Existing { None, Same, Different };

// A string member of a JSON object, or nullopt when absent or not a string.
inline std::optional<std::string> json_string(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return std::nullopt;
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

class CommitStatusFlow : public sdk::Provider {
public:
    sdk::Verdict step(sdk::Step& step) const final {
        const sdk::Event& event = step.event();
        // Flux sends nothing for Progressing and reports success.
        if (event.reason() == "Progressing") return sdk::Verdict::Skip;
        auto desired = desired_status(step);
        if (!desired) return sdk::Verdict::EventError;
        if (step.index() == 0) return send_lookup(step, *desired);
        if (step.index() != 1 || step.response_count() != 1)
            return step.fail(sdk::Verdict::Internal, "unexpected step " + std::to_string(step.index()) + " with " +
                                                         std::to_string(step.response_count()) + " responses");
        return post_unless_present(step, *desired);
    }

protected:
    // Short name used in messages ("github").
    virtual std::string_view provider_name() const = 0;
    // The provider's state word for a success or a failure.
    virtual std::string_view state_word(bool failure) const = 0;
    // The GET that finds existing statuses (method and flags are set by the flow).
    virtual sdk::Request lookup_request(const sdk::Event& event, const DesiredStatus& desired) const = 0;
    // Reads a 2xx lookup answer.
    virtual Existing compare(const nlohmann::json& answer, const sdk::Event& event,
                             const DesiredStatus& desired) const = 0;
    // The POST that sets the status.
    virtual sdk::Request post_request(const sdk::Event& event, const DesiredStatus& desired) const = 0;
    // True when the lookup addresses one status and 404 means "not there yet".
    virtual bool not_found_means_none() const { return false; }
    // Prefix of the error text when the lookup fails.
    virtual std::string_view lookup_failure() const { return "could not list commit statuses"; }

private:
    // SHA, state and description from the event; reports why not (E_EVENT).
    std::optional<DesiredStatus> desired_status(sdk::Step& step) const {
        const sdk::Event& event = step.event();
        DesiredStatus d;
        d.id = std::string(event.commit_status_id());
        if (d.id.empty()) {
            step.report(HERALD_LEVEL_ERROR, "", "commit status cannot be empty");
            return std::nullopt;
        }
        if (event.revision().empty()) {
            step.report(HERALD_LEVEL_ERROR, "", "missing revision metadata");
            return std::nullopt;
        }
        auto sha = commit_sha(event.revision());
        if (!sha) {
            step.report(HERALD_LEVEL_ERROR, "",
                        "failed to extract commit hash from '" + std::string(event.revision()) + "' revision");
            return std::nullopt;
        }
        d.sha = std::string(*sha);
        if (event.severity() != "info" && event.severity() != "error") {
            step.report(HERALD_LEVEL_ERROR, "",
                        "can't convert severity \"" + std::string(event.severity()) + "\" to a " +
                            std::string(provider_name()) + " commit state (only info and error events)");
            return std::nullopt;
        }
        d.failure = event.severity() == "error";
        d.state = std::string(state_word(d.failure));
        d.description = description_from_reason(event.reason());
        return d;
    }

    sdk::Verdict send_lookup(sdk::Step& step, const DesiredStatus& desired) const {
        sdk::Request r = lookup_request(step.event(), desired);
        r.method = "GET";
        r.body.clear();
        r.flags |= HERALD_REQ_IDEMPOTENT;
        step.emit(r);
        return sdk::Verdict::Send;
    }

    sdk::Verdict post_unless_present(sdk::Step& step, const DesiredStatus& desired) const {
        const sdk::Response answer = step.response(0);
        Existing existing = Existing::None;
        if (answer.status() == 404 && not_found_means_none()) {
            existing = Existing::None;
        } else if (!answer.ok()) {
            std::string body = excerpt(answer.body());
            return step.fail(sdk::Step::classify_status(answer.status()),
                             std::string(lookup_failure()) + ": request failed with status code " +
                                 std::to_string(answer.status()) + (body.empty() ? "" : ": " + body));
        } else {
            auto parsed = nlohmann::json::parse(answer.body(), nullptr, false);
            if (parsed.is_discarded()) {
                // Duplicate suppression is an optimisation: an unreadable (e.g.
                // truncated) list must not stop the status from being set.
                step.report(HERALD_LEVEL_WARNING, "",
                            "could not parse the existing commit statuses; posting without the duplicate check");
            } else {
                existing = compare(parsed, step.event(), desired);
            }
        }
        if (existing == Existing::Same) {
            step.report(HERALD_LEVEL_INFO, "",
                        "commit status \"" + desired.id + "\" on " + desired.sha + " is already " + desired.state +
                            " (\"" + desired.description + "\"); not posting it again");
            return sdk::Verdict::Done;
        }
        sdk::Request post = post_request(step.event(), desired);
        post.method = "POST";
        step.emit(post);
        return sdk::Verdict::Done;
    }
};

}  // namespace herald::gitcommon

#endif  // HERALD_GITCOMMON_STATUS_FLOW_HPP
