// Revision and address parsers: events::commit_sha / find_revision and the
// git plugins' shared parsers (gitcommon) on arbitrary text.
#include "fuzz_support.hpp"

#include <herald/events/event.hpp>
#include <herald/gitcommon/repository.hpp>
#include <herald/gitcommon/sha1.hpp>
#include <herald/gitcommon/text.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text = herald::fuzz::as_text(data, size);
    auto core_sha = herald::events::commit_sha(text);
    auto plugin_sha = herald::gitcommon::commit_sha(text);
    // The core and the plugins must agree on what a revision's SHA is.
    if (core_sha.has_value() != plugin_sha.has_value() || (core_sha && *core_sha != *plugin_sha))
        herald::fuzz::property_failed("events::commit_sha and gitcommon::commit_sha disagree");
    (void)herald::events::find_revision({{"revision", std::string(text)}});
    (void)herald::events::api_group(text);
    (void)herald::events::commit_status_id(text, text, text);
    auto repo = herald::gitcommon::parse_repository(text);
    if (repo.repository) {
        (void)repo.repository->origin();
        if (repo.repository->segments.empty()) herald::fuzz::property_failed("repository without segments");
    }
    (void)herald::gitcommon::description_from_reason(text);
    (void)herald::gitcommon::without_html_escapes(text);
    (void)herald::gitcommon::excerpt(text);
    (void)herald::gitcommon::sha1_hex(text);
    return 0;
}
