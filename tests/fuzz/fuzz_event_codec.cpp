// Event JSON: decoding never crashes, and for every event that decoded the
// canonical encoding decodes back to the same event, and encodes to the same
// bytes again (reference §1.1).
#include "fuzz_support.hpp"

#include <herald/events/event.hpp>

using herald::events::Event;

namespace {

bool same(const Event& a, const Event& b) {
    return a.object.kind == b.object.kind && a.object.ns == b.object.ns && a.object.name == b.object.name &&
           a.object.uid == b.object.uid && a.object.api_version == b.object.api_version &&
           a.object.resource_version == b.object.resource_version && a.object.field_path == b.object.field_path &&
           a.severity == b.severity && a.timestamp == b.timestamp && a.message == b.message && a.reason == b.reason &&
           a.metadata == b.metadata && a.reporting_controller == b.reporting_controller &&
           a.reporting_instance == b.reporting_instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto decoded = herald::events::decode_event(herald::fuzz::as_text(data, size));
    if (!decoded.ok()) return 0;
    std::string canonical = herald::events::encode_event(*decoded.event);
    auto again = herald::events::decode_event(canonical);
    if (!again.ok()) herald::fuzz::property_failed("canonical encoding does not decode");
    if (!same(*decoded.event, *again.event)) herald::fuzz::property_failed("decode(encode(e)) != e");
    if (herald::events::encode_event(*again.event) != canonical) herald::fuzz::property_failed("encoding not stable");
    // The derived values every delivery computes must not crash either.
    Event cleaned = *decoded.event;
    herald::events::clean_metadata(cleaned);
    (void)herald::events::duplicate_key(cleaned);
    (void)herald::events::notification_metadata(cleaned, {{"env", "prod"}}, "summary");
    (void)herald::events::reason_description(cleaned.reason);
    return 0;
}
