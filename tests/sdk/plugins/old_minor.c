/* A plugin as an older 1.x SDK would have built it: its descriptor ends
 * before the last member of today's herald_plugin (get_extension), so its
 * struct_size is smaller; type and field tables have the 1.0 sizes. The host
 * must read only the members inside struct_size and run it like any other. */
#include <herald/plugin.h>

#include <stdlib.h>
#include <string.h>

/* herald_plugin as it was before get_extension was appended. */
typedef struct old_plugin {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char *id, *name, *version, *vendor, *url, *license, *description;
    const herald_type_info* types;
    size_t type_count;
    herald_status (*init)(const herald_host*);
    void (*deinit)(void);
    herald_status (*validate)(size_t, const herald_provider_config*, const herald_diag*);
    herald_status (*create)(size_t, const herald_provider_config*, const herald_diag*, void**);
    void (*destroy)(void*);
    herald_status (*step)(const void*, const herald_step_input*, const herald_step_out*);
} old_plugin;

static herald_str cstr(const char* s) {
    herald_str out = {s, strlen(s)};
    return out;
}

static herald_status old_init(const herald_host* host) {
    (void)host;
    return HERALD_OK;
}

static herald_status old_create(size_t type_index, const herald_provider_config* config, const herald_diag* diag,
                                void** out_instance) {
    (void)type_index;
    if (config->address.size == 0) {
        diag->report(diag->ctx, HERALD_LEVEL_ERROR, cstr("spec.address"), cstr("required"));
        return HERALD_E_CONFIG;
    }
    char* url = malloc(config->address.size + 1);
    if (!url) return HERALD_E_INTERNAL;
    memcpy(url, config->address.data, config->address.size);
    url[config->address.size] = '\0';
    *out_instance = url;
    return HERALD_OK;
}

static void old_destroy(void* instance) { free(instance); }

static herald_status old_step(const void* instance, const herald_step_input* input, const herald_step_out* out) {
    herald_kv headers[] = {{{"X-Compat", 8}, {"old-minor", 9}, 0}};
    herald_http_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.method = cstr("POST");
    req.url = cstr((const char*)instance);
    req.headers = headers;
    req.header_count = 1;
    req.body.data = (const uint8_t*)input->event->canonical_json.data;
    req.body.size = input->event->canonical_json.size;
    return out->emit_request(out->ctx, &req) == HERALD_OK ? HERALD_DONE : HERALD_E_INTERNAL;
}

static const herald_field_info fields[] = {
    {sizeof(herald_field_info), "address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, NULL, "Where to send."},
};
static const herald_type_info types[] = {
    {sizeof(herald_type_info), "compat-old-minor", "Built against an older minor.", 0, fields, 1},
};
static const old_plugin descriptor = {
    sizeof(old_plugin), HERALD_ABI_MAJOR, 0, "io.herald.test.old-minor", "old minor", "1.0.0", "herald tests",
    "https://example.invalid/old", "Apache-2.0", "A descriptor without get_extension.", types, 1,
    old_init, NULL, NULL, old_create, old_destroy, old_step,
};

HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return (const herald_plugin*)(const void*)&descriptor;
}
