// Alert spec (§1.6, §1.7): event sources, severity, regex lists, metadata.
#include "loader.hpp"

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>

namespace herald::config::detail {
namespace {

EventSource parse_event_source(const YAML::Node& node, const std::string& path, const Alert& alert,
                               const Origin& origin, Reporter& report) {
    EventSource source;
    MapReader entry(node, path, origin, report);
    if (!entry.is_map()) {
        report.error(origin, path, "must be a map with kind and name");
        return source;
    }
    source.kind = entry.take_string("kind").value_or("");
    if (source.kind.empty()) report.error(origin, entry.field("kind"), "is required");
    source.name = entry.take_string("name").value_or("");
    if (source.name.empty()) report.error(origin, entry.field("name"), "is required (\"*\" matches any name)");
    source.ns = entry.take_string("namespace").value_or("");
    if (source.ns.empty()) source.ns = alert.ns;
    source.match_labels = entry.take_string_map("matchLabels").value_or(std::map<std::string, std::string>{});
    entry.take("apiVersion");  // allowed, and ignored like Flux does
    entry.warn_unknown();
    return source;
}

// Each entry must compile; the index and the compiler's reason are reported.
std::vector<std::string> take_regex_list(MapReader& spec, std::string_view key) {
    auto list = spec.take_string_list(key).value_or(std::vector<std::string>{});
    for (size_t i = 0; i < list.size(); ++i) {
        try {
            Poco::RegularExpression compiled(list[i]);
        } catch (const Poco::Exception& e) {
            spec.report().error(spec.origin(), spec.field(key) + "[" + std::to_string(i) + "]",
                                "invalid regular expression: " + e.message());
        }
    }
    return list;
}

}  // namespace

Alert parse_alert(const YAML::Node& node, Alert a, const Origin& origin, Reporter& report) {
    MapReader spec(node, "spec", origin, report);
    if (!spec.is_map()) {
        report.error(origin, "spec", "must be a map");
        return a;
    }
    auto errors_before = report.error_count();
    a.provider_ref = spec.take_name_ref("providerRef").value_or("");
    if (a.provider_ref.empty() && report.error_count() == errors_before)
        report.error(origin, "spec.providerRef.name", "is required");

    auto sources = spec.take("eventSources");
    if (!sources || !sources->IsSequence() || sources->size() == 0) {
        report.error(origin, "spec.eventSources", "must be a non-empty list of {kind, name[, namespace, matchLabels]}");
    } else {
        for (size_t i = 0; i < sources->size(); ++i)
            a.event_sources.push_back(parse_event_source((*sources)[i], "spec.eventSources[" + std::to_string(i) + "]",
                                                         a, origin, report));
    }

    a.event_severity = spec.take_string("eventSeverity").value_or("info");
    if (a.event_severity != "info" && a.event_severity != "error")
        report.error(origin, "spec.eventSeverity", "must be info or error, not \"" + a.event_severity + "\"");
    a.inclusion_list = take_regex_list(spec, "inclusionList");
    a.exclusion_list = take_regex_list(spec, "exclusionList");
    a.event_metadata = spec.take_string_map("eventMetadata").value_or(std::map<std::string, std::string>{});
    a.summary = spec.take_string("summary").value_or("");
    a.suspend = spec.take_bool("suspend").value_or(false);
    spec.warn_unknown();
    return a;
}

}  // namespace herald::config::detail
