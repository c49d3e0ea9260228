// The canonical Go encoding of an Event (§1.1). Written by hand rather than
// through JsonWriter's object API so the hot path appends to one reused buffer;
// strings still go through JsonWriter::write_string, which holds Go's escaping.
#include <herald/events/event.hpp>
#include <herald/sdk.hpp>

namespace herald::events {
namespace {

using herald::sdk::JsonWriter;

// Writes `"key":"value"` for a non-empty value, with a comma when needed.
void optional_member(std::string& out, bool& first, std::string_view key, const std::string& value) {
    if (value.empty()) return;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out += key;
    out += "\":";
    JsonWriter::write_string(out, value);
}

void object_ref(std::string& out, const ObjectRef& o) {
    out += "{\"involvedObject\":{";
    bool first = true;
    optional_member(out, first, "kind", o.kind);
    optional_member(out, first, "namespace", o.ns);
    optional_member(out, first, "name", o.name);
    optional_member(out, first, "uid", o.uid);
    optional_member(out, first, "apiVersion", o.api_version);
    optional_member(out, first, "resourceVersion", o.resource_version);
    optional_member(out, first, "fieldPath", o.field_path);
    out.push_back('}');
}

size_t estimated_size(const Event& e) {
    size_t n = 200 + e.message.size() + e.reason.size() + e.object.kind.size() + e.object.name.size() +
               e.object.ns.size() + e.object.uid.size() + e.object.api_version.size() +
               e.reporting_controller.size() + e.reporting_instance.size();
    for (const auto& [k, v] : e.metadata) n += k.size() + v.size() + 6;
    return n;
}

}  // namespace

void encode_event(const Event& e, std::string& out) {
    out.reserve(out.size() + estimated_size(e));
    object_ref(out, e.object);
    out += ",\"severity\":";
    JsonWriter::write_string(out, e.severity);
    out += ",\"timestamp\":";
    if (e.timestamp) {
        out.push_back('"');
        out += format_rfc3339(*e.timestamp);
        out.push_back('"');
    } else {
        out += "null";
    }
    out += ",\"message\":";
    JsonWriter::write_string(out, e.message);
    out += ",\"reason\":";
    JsonWriter::write_string(out, e.reason);
    if (!e.metadata.empty()) {
        out += ",\"metadata\":{";
        bool first = true;
        for (const auto& [k, v] : e.metadata) {
            if (!first) out.push_back(',');
            first = false;
            JsonWriter::write_string(out, k);
            out.push_back(':');
            JsonWriter::write_string(out, v);
        }
        out.push_back('}');
    }
    out += ",\"reportingController\":";
    JsonWriter::write_string(out, e.reporting_controller);
    if (!e.reporting_instance.empty()) {
        out += ",\"reportingInstance\":";
        JsonWriter::write_string(out, e.reporting_instance);
    }
    out.push_back('}');
}

std::string encode_event(const Event& e) {
    std::string out;
    encode_event(e, out);
    return out;
}

}  // namespace herald::events
