/* A plugin written against the bare C ABI. Compiled several times with
 * different definitions to produce refused variants (wrong major, failing
 * init, bad type name) and one that loads (no validate, logs its lifecycle). */
#include <herald/plugin.h>

#include <string.h>

#ifndef PLUGIN_ABI_MAJOR
#define PLUGIN_ABI_MAJOR HERALD_ABI_MAJOR
#endif
#ifndef PLUGIN_INIT_STATUS
#define PLUGIN_INIT_STATUS HERALD_OK
#endif
#ifndef PLUGIN_TYPE
#define PLUGIN_TYPE "test-c"
#endif
#ifndef PLUGIN_ID
#define PLUGIN_ID "io.herald.test.c"
#endif

static const herald_host* g_host;
static int g_instance;

static herald_str cstr(const char* s) {
    herald_str out = {s, strlen(s)};
    return out;
}

static void say(const char* text) {
    if (g_host && g_host->log) g_host->log(g_host, HERALD_LEVEL_INFO, cstr(text));
}

static herald_status c_init(const herald_host* host) {
    g_host = host;
    return PLUGIN_INIT_STATUS;
}

static void c_deinit(void) { say("deinit"); }

static herald_status c_create(size_t type_index, const herald_provider_config* config, const herald_diag* diag,
                              void** out_instance) {
    (void)type_index;
    if (config->channel.size == 6 && memcmp(config->channel.data, "reject", 6) == 0) {
        diag->report(diag->ctx, HERALD_LEVEL_ERROR, cstr("spec.channel"), cstr("rejected by create"));
        return HERALD_E_CONFIG;
    }
    say("create");
    *out_instance = &g_instance;
    return HERALD_OK;
}

static void c_destroy(void* instance) {
    if (instance == &g_instance) say("destroy");
}

static herald_status c_step(const void* instance, const herald_step_input* input, const herald_step_out* out) {
    (void)instance;
    (void)input;
    (void)out;
    return HERALD_DONE;
}

static const herald_field_info fields[] = {
    {sizeof(herald_field_info), "address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, NULL, "Where to send."},
};
static const herald_type_info types[] = {
    {sizeof(herald_type_info), PLUGIN_TYPE, "A type served by a C plugin.", HERALD_TYPE_ORDERED, fields, 1},
};
static const herald_plugin descriptor = {
    sizeof(herald_plugin), PLUGIN_ABI_MAJOR, HERALD_ABI_MINOR, PLUGIN_ID, "C test plugin", "0.1.0",
    "herald tests", "https://example.invalid/c", "Apache-2.0", "Written against plugin.h alone.",
    types, 1, c_init, c_deinit, NULL, c_create, c_destroy, c_step, NULL,
};

HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return &descriptor;
}
