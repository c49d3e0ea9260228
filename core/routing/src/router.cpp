#include <herald/routing/router.hpp>

#include <herald/plugin.h>

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>

#include <optional>

namespace herald::routing {

struct Router::CompiledAlert {
    const config::Alert* alert = nullptr;
    std::optional<size_t> provider_index;  // nullopt: the providerRef names no Provider
    uint32_t provider_flags = 0;
    std::vector<std::unique_ptr<Poco::RegularExpression>> inclusion, exclusion;
};

namespace {

// Unanchored search; an expression PCRE gives up on (match limit) counts as
// no match, so a pathological pattern cannot stall intake (see compile()).
bool search(const Poco::RegularExpression& re, const std::string& text) {
    try {
        // The overload with a Match searches; match(text, offset) would anchor
        // the expression at both ends.
        Poco::RegularExpression::Match m;
        return re.match(text, 0, m) > 0;
    } catch (const Poco::Exception&) {
        return false;
    }
}

// PCRE's match limit (10 million steps) restarts at every start position of
// an unanchored search, so a backtracking pattern such as (a+)+$ may cost up
// to 10M steps per byte of a 3 MiB message: minutes of intake time. Compiled
// as one anchored match, \A(?s:.*?)(?:pattern), the same start positions are
// tried inside a single match, so the limit bounds the whole search (about a
// second at worst) and the answer (is there a match?) is the same. A pattern
// that cannot be wrapped (a leading (*VERB), an unterminated \Q) is used as is.
std::unique_ptr<Poco::RegularExpression> compile_bounded(const std::string& pattern) {
    if (pattern.rfind("(*", 0) != 0) {
        try {
            return std::make_unique<Poco::RegularExpression>("(?s:.*?)(?:" + pattern + ")",
                                                             Poco::RegularExpression::RE_ANCHORED);
        } catch (const Poco::Exception&) {
        }
    }
    return std::make_unique<Poco::RegularExpression>(pattern);
}

std::vector<std::unique_ptr<Poco::RegularExpression>> compile(const std::vector<std::string>& patterns) {
    std::vector<std::unique_ptr<Poco::RegularExpression>> out;
    for (const auto& p : patterns) {
        try {
            out.push_back(compile_bounded(p));
        } catch (const Poco::Exception&) {
            // config::load refuses Alerts whose expressions do not compile.
        }
    }
    return out;
}

// §1.6 step 2: does one eventSources entry take the event?
bool source_matches(const config::EventSource& src, const config::Alert& alert, const events::Event& e) {
    const std::string& ns = src.ns.empty() ? alert.ns : src.ns;
    if (src.kind != e.object.kind || ns != e.object.ns) return false;
    if (src.name != "*" && src.name != e.object.name) return false;
    // Labels live on the Kubernetes object, which herald cannot read: an entry
    // with matchLabels matches nothing (as Flux does when the object can't be fetched).
    return src.match_labels.empty();
}

}  // namespace

const std::string* controller_metadata(const events::Event& cleaned, const std::string& key) {
    std::string group = events::api_group(cleaned.object.api_version);
    if (!group.empty()) {
        auto it = cleaned.metadata.find(group + "/" + key);
        if (it != cleaned.metadata.end()) return &it->second;
    }
    auto it = cleaned.metadata.find(key);
    return it == cleaned.metadata.end() ? nullptr : &it->second;
}

Router::Router(const config::Config& config, std::function<uint32_t(const std::string&)> type_flags)
    : config_(config) {
    for (const auto& a : config.alerts) {
        auto c = std::make_unique<CompiledAlert>();
        c->alert = &a;
        for (size_t i = 0; i < config.providers.size(); ++i) {
            const auto& p = config.providers[i];
            if (p.ns == a.ns && p.name == a.provider_ref) {
                c->provider_index = i;
                c->provider_flags = type_flags ? type_flags(p.type) : 0;
                break;
            }
        }
        c->inclusion = compile(a.inclusion_list);
        c->exclusion = compile(a.exclusion_list);
        alerts_.push_back(std::move(c));
    }
}

Router::~Router() = default;

std::vector<Routed> Router::route(const events::Event& cleaned) const { return route(cleaned, nullptr); }

std::vector<Routed> Router::route(const events::Event& e, std::vector<AlertDecision>* decisions) const {
    std::vector<Routed> out;
    const std::string* commit_status = controller_metadata(e, "commit_status");
    const bool update_event = commit_status && *commit_status == "update";
    const bool has_commit = e.metadata.count(std::string(events::kAnnotationPrefix) + "commit") > 0;

    for (const auto& c : alerts_) {
        const config::Alert& a = *c->alert;
        AlertDecision d{a.key(), a.ns + "/" + a.provider_ref, false, ""};
        auto decide = [&](std::string reason) {
            d.reason = std::move(reason);
            if (decisions) decisions->push_back(d);
        };
        if (a.suspend) { decide("alert is suspended"); continue; }
        bool source = false, severity_ok = true;
        for (const auto& s : a.event_sources) {
            if (source_matches(s, a, e)) { source = true; break; }
        }
        if (!source) {
            decide("no eventSources entry matches " + e.object.kind + "/" + e.object.ns + "/" + e.object.name);
            continue;
        }
        if (a.event_severity == "error" && e.severity != "error") severity_ok = false;
        if (!severity_ok) { decide("eventSeverity is error and the event is " + e.severity); continue; }
        if (!c->inclusion.empty()) {
            bool any = false;
            for (const auto& re : c->inclusion) any = any || search(*re, e.message);
            if (!any) { decide("no inclusionList expression matches the message"); continue; }
        }
        bool excluded = false;
        for (size_t i = 0; i < c->exclusion.size() && !excluded; ++i) {
            if (search(*c->exclusion[i], e.message)) {
                excluded = true;
                decide("exclusionList[" + std::to_string(i) + "] matches the message");
            }
        }
        if (excluded) continue;
        if (!c->provider_index) { decide("providerRef names no Provider"); continue; }
        const config::Provider& p = config_.providers[*c->provider_index];
        if (p.suspend) { decide("provider " + p.key() + " is suspended"); continue; }

        // §1.8 filters.
        const uint32_t flags = c->provider_flags;
        const bool commit_type = flags & HERALD_TYPE_COMMIT_STATUS;
        if (update_event && !commit_type && !(flags & HERALD_TYPE_FORWARDS_ALL)) {
            decide("commit_status=update events do not go to " + p.type + " providers");
            continue;
        }
        if (commit_type && !has_commit && !update_event && e.severity != "error") {
            decide("commit status providers need a commit key, a commit_status=update event or an error event");
            continue;
        }
        auto merged = events::notification_metadata(e, a.event_metadata, a.summary);
        if (commit_type && !events::find_revision(merged.metadata)) {
            decide("the event carries no revision for a commit status");
            continue;
        }
        Routed r;
        r.provider_index = *c->provider_index;
        r.alert_key = a.key();
        r.notification = e;
        r.notification.metadata = std::move(merged.metadata);
        out.push_back(std::move(r));
        d.matched = true;
        decide("matched");
    }
    return out;
}

}  // namespace herald::routing
