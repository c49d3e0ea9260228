// The Flux event (event.toolkit.fluxcd.io v1beta1, reference/providers.md §1)
// and everything herald derives from it before routing: decoding and encoding
// with Go's encoding/json byte rules, metadata cleaning, the duplicate key, the
// per-Alert metadata and the small text rules the providers share (§3.0).
//
// Everything here is pure (no I/O, no globals) and safe to call from any thread.
#ifndef HERALD_EVENTS_EVENT_HPP
#define HERALD_EVENTS_EVENT_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::events {

// Kubernetes ObjectReference, JSON "involvedObject".
struct ObjectRef {
    std::string kind;
    std::string ns;  // JSON "namespace"
    std::string name;
    std::string uid;
    std::string api_version;       // JSON "apiVersion"
    std::string resource_version;  // JSON "resourceVersion"
    std::string field_path;        // JSON "fieldPath"
};

struct Event {
    ObjectRef object;                  // JSON "involvedObject"
    std::string severity;              // "info" / "error" / anything received
    std::optional<int64_t> timestamp;  // unix seconds, UTC; nullopt = Go's zero time (encoded as null)
    std::string message;
    std::string reason;
    std::map<std::string, std::string> metadata;  // std::map orders keys by byte value, as Go sorts them
    std::string reporting_controller;
    std::string reporting_instance;
};

// ---- JSON --------------------------------------------------------------------

// `event` is set on success; otherwise `error` says what is wrong and where,
// e.g. `json: field "message": expected string, got number`.
struct DecodeResult {
    std::optional<Event> event;
    std::string error;

    bool ok() const { return event.has_value(); }
};

// Decodes a request body the way Go's json.Unmarshal fills the Flux Event:
// * whitespace around one value; the value must be an object or `null` (a zero
//   event); strict JSON syntax everywhere, nesting limited to 10000 levels;
// * member names matched without regard to case (Go's folding, so "Message" and
//   "MESSAGE" fill message); unknown members are skipped; a repeated member
//   decodes again on top of the first (strings: last wins; involvedObject and
//   metadata merge member by member);
// * `null` leaves a string or involvedObject as it was, empties metadata, and
//   resets the timestamp to the zero time; a null metadata value becomes "";
// * any other wrong type is an error (number for message, string for
//   metadata, non-string metadata value, ...);
// * timestamp: Go's time.Parse(time.RFC3339) (fractions with '.' or ',',
//   'Z' or ±hh:mm offsets, one-digit hours; ranges checked), kept as UTC whole
//   seconds; the zero time 0001-01-01T00:00:00Z decodes to nullopt;
// * invalid UTF-8 and lone \u surrogates inside strings become U+FFFD.
DecodeResult decode_event(std::string_view json);

// Canonical Go encoding (§1.1): no whitespace; member order involvedObject
// {kind, namespace, name, uid, apiVersion, resourceVersion, fieldPath: each left
// out when empty}, severity, timestamp (null for nullopt), message, reason,
// metadata (left out when empty, keys sorted), reportingController,
// reportingInstance (left out when empty). Strings are escaped like Go
// (<>& U+2028 U+2029 as \u escapes, invalid UTF-8 as U+FFFD).
std::string encode_event(const Event& e);
// Appends the same bytes to `out` (the hot path reuses one buffer).
void encode_event(const Event& e, std::string& out);

// "2024-05-01T10:00:00Z": Go's UTC RFC 3339 with whole seconds.
std::string format_rfc3339(int64_t unix_seconds);
// Parses with Go's time.Parse(time.RFC3339, s) rules; unix seconds (fraction
// dropped) or nullopt, with the reason in `*error` when given.
std::optional<int64_t> parse_rfc3339(std::string_view s, std::string* error = nullptr);

// ---- metadata (§1.2, §1.5, §1.7) ------------------------------------------------

// The API group of an apiVersion, as Kubernetes' ParseGroupVersion splits it:
// "kustomize.toolkit.fluxcd.io/v1" -> "kustomize.toolkit.fluxcd.io"; "v1", "",
// "/" and anything with more than one '/' -> "".
std::string api_group(std::string_view api_version);

// Prefix of the keys Flux objects pass through their annotations.
inline constexpr std::string_view kAnnotationPrefix = "event.toolkit.fluxcd.io/";

// Keeps only the metadata the notification-controller keeps (head rules, plus
// the v1beta1-era unprefixed keys). With group = api_group(object.api_version),
// a key is kept when
//   * it starts with "event.toolkit.fluxcd.io/"; or
//   * group is not empty, it starts with "<group>/" and the rest is not
//     "checksum" or "digest" (compared without regard to case); or
//   * it contains no '/' at all (v1beta1 era, e.g. "revision", "commit_status")
//     and is not "checksum" or "digest" (without regard to case).
// Every other key is dropped. Prefixes stay; notification_metadata strips them.
void clean_metadata(Event& e);

// Rate-limit key (§1.5, v1.0+ labelled form): lowercase hex SHA-256 of
//   event/name=<name>/namespace=<ns>/kind=<kind>/message=<message>
// followed, each only when present, by /originRevision=<v>, /revision=<v>,
// /token=<v>; each value read from "<group>/<key>", else from the unprefixed
// "<key>" (v1beta1 era).
std::string duplicate_key(const Event& cleaned);
// The string duplicate_key hashes (for logs and tests).
std::string duplicate_key_text(const Event& cleaned);

// Metadata a notification carries for one Alert (§1.7 head rules), keys
// unprefixed. Sources from lowest to highest precedence:
//   1. "event.toolkit.fluxcd.io/<k>" -> <k>;
//   2. the Alert's spec.eventMetadata, as is;
//   3. the Alert's spec.summary (when not empty) -> "summary";
//   4. the controller's keys: "<group>/<k>" -> <k>, and the unprefixed
//      v1beta1-era keys; when both forms exist the prefixed one wins.
// "<group>/token" and a bare "token" are left out. `conflicts` lists (sorted)
// every key that came from more than one source; the higher source won.
struct MergedMetadata {
    std::map<std::string, std::string> metadata;
    std::vector<std::string> conflicts;
};
MergedMetadata notification_metadata(const Event& cleaned, const std::map<std::string, std::string>& event_metadata,
                                     std::string_view summary);

// ---- text rules of the providers (§3.0) --------------------------------------------

// Reason split into words where the character class changes (lower, upper,
// digit, other), the last capital of an upper-case run moving to the next
// lower-case word, joined with spaces and lowercased:
// "ReconciliationSucceeded" -> "reconciliation succeeded", "OCIArtifactFailed"
// -> "oci artifact failed". Invalid UTF-8 is not split. Non-ASCII characters
// count as "other" (Go uses the Unicode classes; Flux reasons are ASCII).
std::string reason_description(std::string_view reason);

// Default commit status id: lowercase "<kind>/<name>/<uid up to its first '-'>".
std::string commit_status_id(std::string_view kind, std::string_view name, std::string_view provider_uid);

// Revision of a notification (unprefixed metadata): the first of "commit",
// "originRevision", "revision" that is present; "" when none is.
std::string_view revision_of(const std::map<std::string, std::string>& unprefixed_md);
// Same, telling a missing revision apart from an empty one.
std::optional<std::string_view> find_revision(const std::map<std::string, std::string>& unprefixed_md);

// Commit SHA of a revision: what follows the last ':' if there is one, else
// the last '/' segment, else the whole value; nullopt unless exactly 40 hex
// characters ("main@sha1:<sha>", "main/<sha>", "<sha>").
std::optional<std::string> commit_sha(std::string_view revision);

}  // namespace herald::events

#endif  // HERALD_EVENTS_EVENT_HPP
