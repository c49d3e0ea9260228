/* The frozen layout of ABI 1.0 on LP64 (x86_64, aarch64): size and offset of
 * every field of every public struct in <herald/plugin.h>, and the value of
 * every constant. Included by abi_layout.c (C11) and abi_layout.cpp (C++17),
 * which define HERALD_ABI_ASSERT(cond, what).
 *
 * Changing any number here is an ABI break: a new major, never an edit.
 * A new minor may only add lines (new fields at the end of a struct). */
#ifndef HERALD_TESTS_ABI_LAYOUT_EXPECTATIONS_H
#define HERALD_TESTS_ABI_LAYOUT_EXPECTATIONS_H

#include <herald/plugin.h>

#if defined(__LP64__)

#define HERALD_SIZE(type, n) HERALD_ABI_ASSERT(sizeof(type) == (n), "sizeof(" #type ")")
#define HERALD_OFFSET(type, field, n) HERALD_ABI_ASSERT(offsetof(type, field) == (n), "offsetof(" #type ", " #field ")")
#define HERALD_VALUE(name, n) HERALD_ABI_ASSERT((name) == (n), #name)


HERALD_SIZE(herald_str, 16);
HERALD_OFFSET(herald_str, data, 0);
HERALD_OFFSET(herald_str, size, 8);

HERALD_SIZE(herald_bytes, 16);
HERALD_OFFSET(herald_bytes, data, 0);
HERALD_OFFSET(herald_bytes, size, 8);

HERALD_SIZE(herald_kv, 40);
HERALD_OFFSET(herald_kv, key, 0);
HERALD_OFFSET(herald_kv, value, 16);
HERALD_OFFSET(herald_kv, flags, 32);

HERALD_SIZE(herald_field_info, 40);
HERALD_OFFSET(herald_field_info, struct_size, 0);
HERALD_OFFSET(herald_field_info, name, 8);
HERALD_OFFSET(herald_field_info, kind, 16);
HERALD_OFFSET(herald_field_info, flags, 20);
HERALD_OFFSET(herald_field_info, default_value, 24);
HERALD_OFFSET(herald_field_info, description, 32);

HERALD_SIZE(herald_type_info, 48);
HERALD_OFFSET(herald_type_info, struct_size, 0);
HERALD_OFFSET(herald_type_info, type, 8);
HERALD_OFFSET(herald_type_info, summary, 16);
HERALD_OFFSET(herald_type_info, flags, 24);
HERALD_OFFSET(herald_type_info, fields, 32);
HERALD_OFFSET(herald_type_info, field_count, 40);

HERALD_SIZE(herald_host, 64);
HERALD_OFFSET(herald_host, struct_size, 0);
HERALD_OFFSET(herald_host, abi_major, 4);
HERALD_OFFSET(herald_host, abi_minor, 8);
HERALD_OFFSET(herald_host, host_name, 16);
HERALD_OFFSET(herald_host, host_version, 24);
HERALD_OFFSET(herald_host, host_data, 32);
HERALD_OFFSET(herald_host, log, 40);
HERALD_OFFSET(herald_host, hmac_sha256, 48);
HERALD_OFFSET(herald_host, get_extension, 56);

HERALD_SIZE(herald_provider_config, 160);
HERALD_OFFSET(herald_provider_config, struct_size, 0);
HERALD_OFFSET(herald_provider_config, type, 8);
HERALD_OFFSET(herald_provider_config, ns, 24);
HERALD_OFFSET(herald_provider_config, name, 40);
HERALD_OFFSET(herald_provider_config, uid, 56);
HERALD_OFFSET(herald_provider_config, address, 72);
HERALD_OFFSET(herald_provider_config, channel, 88);
HERALD_OFFSET(herald_provider_config, username, 104);
HERALD_OFFSET(herald_provider_config, timeout_ms, 120);
HERALD_OFFSET(herald_provider_config, fields, 128);
HERALD_OFFSET(herald_provider_config, field_count, 136);
HERALD_OFFSET(herald_provider_config, secrets, 144);
HERALD_OFFSET(herald_provider_config, secret_count, 152);

HERALD_SIZE(herald_diag, 24);
HERALD_OFFSET(herald_diag, struct_size, 0);
HERALD_OFFSET(herald_diag, ctx, 8);
HERALD_OFFSET(herald_diag, report, 16);

HERALD_SIZE(herald_event, 280);
HERALD_OFFSET(herald_event, struct_size, 0);
HERALD_OFFSET(herald_event, kind, 8);
HERALD_OFFSET(herald_event, ns, 24);
HERALD_OFFSET(herald_event, name, 40);
HERALD_OFFSET(herald_event, uid, 56);
HERALD_OFFSET(herald_event, api_version, 72);
HERALD_OFFSET(herald_event, resource_version, 88);
HERALD_OFFSET(herald_event, severity, 104);
HERALD_OFFSET(herald_event, severity_text, 112);
HERALD_OFFSET(herald_event, timestamp, 128);
HERALD_OFFSET(herald_event, timestamp_unix_ms, 144);
HERALD_OFFSET(herald_event, message, 152);
HERALD_OFFSET(herald_event, reason, 168);
HERALD_OFFSET(herald_event, reporting_controller, 184);
HERALD_OFFSET(herald_event, reporting_instance, 200);
HERALD_OFFSET(herald_event, metadata, 216);
HERALD_OFFSET(herald_event, metadata_count, 224);
HERALD_OFFSET(herald_event, revision, 232);
HERALD_OFFSET(herald_event, commit_status_id, 248);
HERALD_OFFSET(herald_event, canonical_json, 264);

HERALD_SIZE(herald_http_response, 40);
HERALD_OFFSET(herald_http_response, struct_size, 0);
HERALD_OFFSET(herald_http_response, status, 4);
HERALD_OFFSET(herald_http_response, headers, 8);
HERALD_OFFSET(herald_http_response, header_count, 16);
HERALD_OFFSET(herald_http_response, body, 24);

HERALD_SIZE(herald_step_input, 64);
HERALD_OFFSET(herald_step_input, struct_size, 0);
HERALD_OFFSET(herald_step_input, event, 8);
HERALD_OFFSET(herald_step_input, step, 16);
HERALD_OFFSET(herald_step_input, attempt, 20);
HERALD_OFFSET(herald_step_input, now_unix_ms, 24);
HERALD_OFFSET(herald_step_input, responses, 32);
HERALD_OFFSET(herald_step_input, response_count, 40);
HERALD_OFFSET(herald_step_input, state, 48);

HERALD_SIZE(herald_http_request, 80);
HERALD_OFFSET(herald_http_request, struct_size, 0);
HERALD_OFFSET(herald_http_request, method, 8);
HERALD_OFFSET(herald_http_request, url, 24);
HERALD_OFFSET(herald_http_request, headers, 40);
HERALD_OFFSET(herald_http_request, header_count, 48);
HERALD_OFFSET(herald_http_request, body, 56);
HERALD_OFFSET(herald_http_request, flags, 72);
HERALD_OFFSET(herald_http_request, timeout_ms, 76);

HERALD_SIZE(herald_step_out, 40);
HERALD_OFFSET(herald_step_out, struct_size, 0);
HERALD_OFFSET(herald_step_out, ctx, 8);
HERALD_OFFSET(herald_step_out, emit_request, 16);
HERALD_OFFSET(herald_step_out, save_state, 24);
HERALD_OFFSET(herald_step_out, report, 32);

HERALD_SIZE(herald_plugin, 144);
HERALD_OFFSET(herald_plugin, struct_size, 0);
HERALD_OFFSET(herald_plugin, abi_major, 4);
HERALD_OFFSET(herald_plugin, abi_minor, 8);
HERALD_OFFSET(herald_plugin, id, 16);
HERALD_OFFSET(herald_plugin, name, 24);
HERALD_OFFSET(herald_plugin, version, 32);
HERALD_OFFSET(herald_plugin, vendor, 40);
HERALD_OFFSET(herald_plugin, url, 48);
HERALD_OFFSET(herald_plugin, license, 56);
HERALD_OFFSET(herald_plugin, description, 64);
HERALD_OFFSET(herald_plugin, types, 72);
HERALD_OFFSET(herald_plugin, type_count, 80);
HERALD_OFFSET(herald_plugin, init, 88);
HERALD_OFFSET(herald_plugin, deinit, 96);
HERALD_OFFSET(herald_plugin, validate, 104);
HERALD_OFFSET(herald_plugin, create, 112);
HERALD_OFFSET(herald_plugin, destroy, 120);
HERALD_OFFSET(herald_plugin, step, 128);
HERALD_OFFSET(herald_plugin, get_extension, 136);

HERALD_VALUE(HERALD_ABI_MAJOR, 1);
HERALD_VALUE(HERALD_ABI_MINOR, 0);
HERALD_VALUE(HERALD_KV_SENSITIVE, 0x1u);
HERALD_VALUE(HERALD_OK, 0);
HERALD_VALUE(HERALD_DONE, 0);
HERALD_VALUE(HERALD_SEND, 1);
HERALD_VALUE(HERALD_SKIP, 2);
HERALD_VALUE(HERALD_E_CONFIG, 100);
HERALD_VALUE(HERALD_E_EVENT, 101);
HERALD_VALUE(HERALD_E_PERMANENT, 102);
HERALD_VALUE(HERALD_E_RETRYABLE, 103);
HERALD_VALUE(HERALD_E_INTERNAL, 104);
HERALD_VALUE(HERALD_LEVEL_DEBUG, 0);
HERALD_VALUE(HERALD_LEVEL_INFO, 1);
HERALD_VALUE(HERALD_LEVEL_WARNING, 2);
HERALD_VALUE(HERALD_LEVEL_ERROR, 3);
HERALD_VALUE(HERALD_FIELD_STRING, 0);
HERALD_VALUE(HERALD_FIELD_INT, 1);
HERALD_VALUE(HERALD_FIELD_BOOL, 2);
HERALD_VALUE(HERALD_FIELD_DURATION, 3);
HERALD_VALUE(HERALD_FIELD_URL, 4);
HERALD_VALUE(HERALD_FIELD_MAP, 5);
HERALD_VALUE(HERALD_FIELD_REQUIRED, 0x1u);
HERALD_VALUE(HERALD_FIELD_SENSITIVE, 0x2u);
HERALD_VALUE(HERALD_FIELD_SECRET, 0x4u);
HERALD_VALUE(HERALD_FIELD_DEPRECATED, 0x8u);
HERALD_VALUE(HERALD_TYPE_COMMIT_STATUS, 0x1u);
HERALD_VALUE(HERALD_TYPE_FORWARDS_ALL, 0x2u);
HERALD_VALUE(HERALD_TYPE_ORDERED, 0x4u);
HERALD_VALUE(HERALD_SEVERITY_INFO, 0);
HERALD_VALUE(HERALD_SEVERITY_ERROR, 1);
HERALD_VALUE(HERALD_SEVERITY_TRACE, 2);
HERALD_VALUE(HERALD_SEVERITY_OTHER, 3);
HERALD_VALUE(HERALD_REQ_IDEMPOTENT, 0x1u);

/* Enums cross as fixed-width integers. */
HERALD_VALUE(sizeof(herald_status), 4);
HERALD_VALUE(sizeof(herald_level), 4);
HERALD_VALUE(sizeof(herald_field_kind), 4);

#endif /* __LP64__ */

#endif
