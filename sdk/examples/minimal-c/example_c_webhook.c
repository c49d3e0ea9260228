/* example-c-webhook: the smallest useful provider plugin, in plain C11 against
 * <herald/plugin.h> alone (no C++, no SDK helpers).
 *
 * It POSTs the event's canonical JSON (the bytes herald's `generic` type
 * posts) to the Provider's address. One step, no state: the host sends the
 * request and judges the answer by its default rules.
 *
 * Everything handed to the host is either static (the descriptor tables) or
 * copied by the host before the callback returns, so there is nothing to free
 * but the instance itself. */
#include <herald/plugin.h>

#include <stdlib.h>
#include <string.h>

static herald_str cstr(const char* s) {
    herald_str out = {s, strlen(s)};
    return out;
}

static int has_prefix(herald_str s, const char* prefix) {
    size_t n = strlen(prefix);
    return s.size > n && memcmp(s.data, prefix, n) == 0;
}

/* One Provider: a private, NUL-terminated copy of its address. */
typedef struct instance {
    size_t url_size;
    char url[];
} instance;

static herald_status ex_init(const herald_host* host) {
    (void)host; /* this plugin needs no host service */
    return HERALD_OK;
}

/* The address must be an absolute http(s) URL. It may carry credentials, so
 * the diagnostic never repeats it. */
static herald_status ex_validate(size_t type_index, const herald_provider_config* config, const herald_diag* diag) {
    (void)type_index;
    if (config->address.size == 0) {
        diag->report(diag->ctx, HERALD_LEVEL_ERROR, cstr("spec.address"), cstr("an address is required"));
        return HERALD_E_CONFIG;
    }
    if (!has_prefix(config->address, "http://") && !has_prefix(config->address, "https://")) {
        diag->report(diag->ctx, HERALD_LEVEL_ERROR, cstr("spec.address"),
                     cstr("must be an absolute http:// or https:// URL"));
        return HERALD_E_CONFIG;
    }
    return HERALD_OK;
}

static herald_status ex_create(size_t type_index, const herald_provider_config* config, const herald_diag* diag,
                               void** out_instance) {
    herald_status st = ex_validate(type_index, config, diag);
    if (st != HERALD_OK) return st;
    instance* self = malloc(sizeof *self + config->address.size + 1);
    if (!self) return HERALD_E_INTERNAL;
    self->url_size = config->address.size;
    memcpy(self->url, config->address.data, config->address.size);
    self->url[config->address.size] = '\0';
    *out_instance = self;
    return HERALD_OK;
}

static void ex_destroy(void* self) { free(self); }

/* Thread-safe: reads only the immutable instance and the borrowed input. */
static herald_status ex_step(const void* self_ptr, const herald_step_input* input, const herald_step_out* out) {
    const instance* self = self_ptr;
    herald_kv headers[] = {{{"Content-Type", 12}, {"application/json", 16}, 0}};
    herald_http_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.method = cstr("POST");
    req.url.data = self->url;
    req.url.size = self->url_size;
    req.headers = headers;
    req.header_count = 1;
    req.body.data = (const uint8_t*)input->event->canonical_json.data;
    req.body.size = input->event->canonical_json.size;
    if (out->emit_request(out->ctx, &req) != HERALD_OK) return HERALD_E_INTERNAL;
    return HERALD_DONE;
}

static const herald_field_info fields[] = {
    {sizeof(herald_field_info), "address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, NULL,
     "Where to POST the event JSON"},
};

static const herald_type_info types[] = {
    {sizeof(herald_type_info), "example-c-webhook", "POST the event JSON to a URL (plain C example)", 0, fields,
     sizeof fields / sizeof fields[0]},
};

static const herald_plugin descriptor = {
    sizeof(herald_plugin),
    HERALD_ABI_MAJOR,
    HERALD_ABI_MINOR,
    "io.herald.example.c-webhook",
    "C webhook (SDK example)",
    "1.0.0",
    "herald SDK examples",
    "https://github.com/herald-dev/herald/tree/main/sdk/examples/minimal-c",
    "Apache-2.0",
    "A provider written in plain C11 against plugin.h only",
    types,
    sizeof types / sizeof types[0],
    ex_init,
    NULL, /* deinit: nothing to release */
    ex_validate,
    ex_create,
    ex_destroy,
    ex_step,
    NULL, /* get_extension: none */
};

HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor) {
    (void)host_abi_minor; /* works with every 1.x host */
    return &descriptor;
}
