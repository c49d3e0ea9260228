/* A plugin as a newer 1.x SDK would build it: descriptor, type and field
 * structs carry members this host does not know (appended at their ends), and
 * abi_minor is above the host's. It needs nothing new from the host, so its
 * entry returns the descriptor; the host must walk the tables with the
 * plugin's stride and ignore the extra members. */
#include <herald/plugin.h>

#include <string.h>

typedef struct newer_field {
    herald_field_info base;
    const char* example; /* a member from the future */
} newer_field;

typedef struct newer_type {
    herald_type_info base;
    const char* docs_url;  /* members from the future */
    uint64_t future_flags;
} newer_type;

typedef struct newer_plugin {
    herald_plugin base;
    const void* future_table;
} newer_plugin;

static int g_instance;

static herald_status nm_init(const herald_host* host) {
    (void)host;
    return HERALD_OK;
}

static herald_status nm_create(size_t type_index, const herald_provider_config* config, const herald_diag* diag,
                               void** out_instance) {
    (void)type_index;
    (void)config;
    (void)diag;
    *out_instance = &g_instance;
    return HERALD_OK;
}

static void nm_destroy(void* instance) { (void)instance; }

static herald_status nm_step(const void* instance, const herald_step_input* input, const herald_step_out* out) {
    (void)instance;
    (void)input;
    (void)out;
    return HERALD_SKIP;
}

#define FIELD(n, k, f, d) {{sizeof(newer_field), n, k, f, NULL, d}, "example"}
static const newer_field fields_a[] = {
    FIELD("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "Where to send."),
    FIELD("token", HERALD_FIELD_STRING, HERALD_FIELD_SECRET | HERALD_FIELD_SENSITIVE, "A token."),
};
static const newer_field fields_b[] = {
    FIELD("channel", HERALD_FIELD_STRING, 0, "A channel."),
    FIELD("timeout", HERALD_FIELD_DURATION, 0, "A duration."),
};
static const newer_type types[] = {
    {{sizeof(newer_type), "compat-newer-a", "First type.", 0, &fields_a[0].base, 2}, "https://example.invalid/a", 7},
    {{sizeof(newer_type), "compat-newer-b", "Second type.", HERALD_TYPE_ORDERED, &fields_b[0].base, 2},
     "https://example.invalid/b", 9},
};
static const newer_plugin descriptor = {
    {sizeof(newer_plugin), HERALD_ABI_MAJOR, HERALD_ABI_MINOR + 1, "io.herald.test.newer-minor", "newer minor",
     "1.1.0", "herald tests", "https://example.invalid/newer", "Apache-2.0", "Bigger structs from a newer minor.",
     &types[0].base, 2, nm_init, NULL, NULL, nm_create, nm_destroy, nm_step, NULL},
    NULL,
};

HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor) {
    (void)host_abi_minor;
    return &descriptor.base;
}
