/* One C plugin compiled several ways for the bad-plugin-file list: a wrong
 * major, a failing init, a type another plugin already serves, and a plain
 * good one (used for the writable-by-others case). */
#include <herald/plugin.h>

#include <string.h>

#ifndef PLUGIN_ABI_MAJOR
#define PLUGIN_ABI_MAJOR HERALD_ABI_MAJOR
#endif
#ifndef PLUGIN_INIT_STATUS
#define PLUGIN_INIT_STATUS HERALD_OK
#endif
#ifndef PLUGIN_TYPE
#define PLUGIN_TYPE "compat-bad"
#endif
#ifndef PLUGIN_ID
#define PLUGIN_ID "io.herald.test.bad"
#endif

static int g_instance;

static herald_status bad_init(const herald_host* host) {
    (void)host;
    return PLUGIN_INIT_STATUS;
}

static herald_status bad_create(size_t type_index, const herald_provider_config* config, const herald_diag* diag,
                                void** out_instance) {
    (void)type_index;
    (void)config;
    (void)diag;
    *out_instance = &g_instance;
    return HERALD_OK;
}

static void bad_destroy(void* instance) { (void)instance; }

static herald_status bad_step(const void* instance, const herald_step_input* input, const herald_step_out* out) {
    (void)instance;
    (void)input;
    (void)out;
    return HERALD_SKIP;
}

static const herald_field_info fields[] = {
    {sizeof(herald_field_info), "address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, NULL, "Where to send."},
};
static const herald_type_info types[] = {
    {sizeof(herald_type_info), PLUGIN_TYPE, "A type served by a test plugin.", 0, fields, 1},
};
static const herald_plugin descriptor = {
    sizeof(herald_plugin), PLUGIN_ABI_MAJOR, HERALD_ABI_MINOR, PLUGIN_ID, "bad test plugin", "0.1.0",
    "herald tests", "https://example.invalid/bad", "Apache-2.0", "Refused on purpose.",
    types, 1, bad_init, NULL, NULL, bad_create, bad_destroy, bad_step, NULL,
};

HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return &descriptor;
}
