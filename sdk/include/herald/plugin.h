/*
 * herald provider plugin ABI, major version 1.
 *
 * This header is the whole contract between the herald daemon (the host) and a
 * provider plugin (a shared library). It is pure C11, includes nothing beyond
 * <stdint.h> <stddef.h> <stdbool.h>, and compiles unchanged as C++17.
 *
 * Rules that hold for every declaration below (docs/PLUGIN_ABI.md has the prose):
 *  - Every extensible struct starts with `uint32_t struct_size` and only grows at
 *    its end. A reader checks HERALD_HAS_FIELD before touching a field that a
 *    later minor added.
 *  - Enums cross as int32_t with #define'd constants; values are never reused.
 *  - Strings are UTF-8 `herald_str {data, size}`; host-provided strings are also
 *    NUL-terminated. Static descriptor strings are plain NUL-terminated `const char*`.
 *  - OWNERSHIP: host -> plugin data is borrowed for the duration of the call
 *    (except `herald_host`, valid from init to deinit). Plugin -> host data is
 *    either static (descriptor, type and field tables: valid until process exit)
 *    or copied by the host before the callback returns (emit_request, save_state,
 *    report). No memory ever changes hands; nobody frees the other side's memory.
 *  - No exception, longjmp, errno or C++ type crosses the boundary.
 *  - THREAD tags: [main-thread] = called from the thread that loaded the plugin,
 *    never concurrently with any other call into the plugin;
 *    [control-thread] = called from one thread at a time, possibly concurrently
 *    with `step` on other instances; [thread-safe] = may be called from any thread,
 *    concurrently, also on the same instance.
 */
#ifndef HERALD_PLUGIN_H
#define HERALD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_ABI_MAJOR 1
#define HERALD_ABI_MINOR 0

/* The one exported symbol's name, as a string (for loaders). */
#define HERALD_ENTRY_SYMBOL "herald_plugin_entry_v1"

#if defined(_WIN32)
#define HERALD_EXPORT __declspec(dllexport)
#else
#define HERALD_EXPORT __attribute__((visibility("default")))
#endif

/* True when the struct pointed to by `ptr` (which starts with struct_size) is
 * large enough to hold `field` of struct type `type`. */
#define HERALD_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ---- plain data ---------------------------------------------------------- */

typedef struct herald_str {
    const char* data; /* may be NULL when size == 0 */
    size_t size;
} herald_str;

typedef struct herald_bytes {
    const uint8_t* data; /* may be NULL when size == 0 */
    size_t size;
} herald_bytes;

/* herald_kv.flags */
#define HERALD_KV_SENSITIVE 0x1u /* value is a secret: the host masks it in every output */

typedef struct herald_kv {
    herald_str key;
    herald_str value;
    uint32_t flags;
} herald_kv;

/* ---- status codes and verdicts (int32_t) --------------------------------- */

typedef int32_t herald_status;
#define HERALD_OK 0 /* init/validate/create succeeded */
/* step verdicts */
#define HERALD_DONE 0 /* send emitted requests (if any), judge them by the default rules, end */
#define HERALD_SEND 1 /* send emitted requests, call step again with their responses */
#define HERALD_SKIP 2 /* event does not apply to this provider; counts as success */
/* error classes, for every function returning herald_status */
#define HERALD_E_CONFIG 100    /* provider configuration is unusable; not retried */
#define HERALD_E_EVENT 101     /* event cannot be delivered by this provider (e.g. no revision) */
#define HERALD_E_PERMANENT 102 /* receiver refused for good (e.g. 401/404); not retried */
#define HERALD_E_RETRYABLE 103 /* try the whole exchange again later, from step 0 */
#define HERALD_E_INTERNAL 104  /* plugin bug; not retried; counts towards the circuit breaker */
/* Any other value returned by a plugin is treated as HERALD_E_INTERNAL. */

/* Log and diagnostic levels */
typedef int32_t herald_level;
#define HERALD_LEVEL_DEBUG 0
#define HERALD_LEVEL_INFO 1
#define HERALD_LEVEL_WARNING 2
#define HERALD_LEVEL_ERROR 3

/* ---- descriptor (plugin -> host, static) --------------------------------- */

/* herald_field_info.kind */
typedef int32_t herald_field_kind;
#define HERALD_FIELD_STRING 0
#define HERALD_FIELD_INT 1
#define HERALD_FIELD_BOOL 2
#define HERALD_FIELD_DURATION 3 /* Go duration without hours, e.g. "1.5s", "500ms", "2m" */
#define HERALD_FIELD_URL 4      /* absolute http:// or https:// URL */
#define HERALD_FIELD_MAP 5      /* YAML map of string to string, e.g. secret key `headers` */

/* herald_field_info.flags */
#define HERALD_FIELD_REQUIRED 0x1u   /* must be present (after secret resolution) */
#define HERALD_FIELD_SENSITIVE 0x2u  /* masked in every output */
#define HERALD_FIELD_SECRET 0x4u     /* a key of the Provider's secretRef Secret, not a spec field */
#define HERALD_FIELD_DEPRECATED 0x8u /* accepted, with a warning */

/* One configuration field a type understands. Spec fields are named as in the
 * manifest (`address`, `channel`, ...); secret keys carry HERALD_FIELD_SECRET. */
typedef struct herald_field_info {
    uint32_t struct_size;
    const char* name;          /* e.g. "channel", "token" */
    herald_field_kind kind;
    uint32_t flags;
    const char* default_value; /* NULL when none */
    const char* description;   /* one sentence, shown by `herald plugins` */
} herald_field_info;

/* herald_type_info.flags */
#define HERALD_TYPE_COMMIT_STATUS 0x1u /* a git commit-status provider (reference §1.8 filters apply) */
#define HERALD_TYPE_FORWARDS_ALL 0x2u  /* receives commit_status=update events (generic webhooks) */
#define HERALD_TYPE_ORDERED 0x4u       /* deliveries to one Provider must keep their order */

/* One Provider `spec.type` value the plugin serves.
 * Tables (`herald_plugin.types`, `herald_type_info.fields`) are walked with the
 * stride of their first element's struct_size, so these structs may grow in a
 * minor version; every element of one table has the same struct_size. */
typedef struct herald_type_info {
    uint32_t struct_size;
    const char* type;    /* matches ^[a-z0-9][a-z0-9-]*$, e.g. "slack", "generic-hmac" */
    const char* summary; /* one line */
    uint32_t flags;
    const herald_field_info* fields;
    size_t field_count;
} herald_type_info;

/* ---- host services (host -> plugin, valid from init to deinit) ------------ */

typedef struct herald_host herald_host;
struct herald_host {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char* host_name;    /* "herald" */
    const char* host_version; /* SemVer of the daemon */
    void* host_data;          /* opaque, for the host's own use */

    /* Writes one log record attributed to the plugin. The host masks secrets.
     * THREAD: [thread-safe]. OWNERSHIP: `text` is copied before return. */
    void (*log)(const herald_host* host, herald_level level, herald_str text);

    /* HMAC-SHA-256 of `data` keyed with `key`, written to out[32].
     * Returns HERALD_OK, or HERALD_E_INTERNAL on a crypto library failure.
     * THREAD: [thread-safe]. OWNERSHIP: all buffers borrowed for the call. */
    herald_status (*hmac_sha256)(const herald_host* host, herald_bytes key, herald_bytes data,
                                 uint8_t out[32]);

    /* Optional capability tables by id ("herald.<name>/<rev>"); NULL = unsupported.
     * THREAD: [thread-safe]. LIFETIME: the returned table lives until deinit. */
    const void* (*get_extension)(const herald_host* host, const char* id);
};

/* ---- configuration (host -> plugin, borrowed during validate/create) ------ */

typedef struct herald_provider_config {
    uint32_t struct_size;
    herald_str type;      /* the spec.type being configured */
    herald_str ns;        /* metadata.namespace */
    herald_str name;      /* metadata.name */
    herald_str uid;       /* metadata.uid, or the stable UID herald derived */
    herald_str address;   /* effective address: the secret's `address` wins over spec.address */
    herald_str channel;   /* spec.channel */
    herald_str username;  /* the secret's `username`, else spec.username */
    uint32_t timeout_ms;  /* spec.timeout, defaulted to 15000 */
    const herald_kv* fields; /* other spec fields of the type's schema that are set */
    size_t field_count;
    const herald_kv* secrets; /* every key of the secretRef Secret, all flagged SENSITIVE */
    size_t secret_count;
} herald_provider_config;

/* Diagnostic sink for validate/create (host-owned, valid during the call). */
typedef struct herald_diag {
    uint32_t struct_size;
    void* ctx;
    /* Reports one problem. `field` is a path such as "spec.address" or
     * "secret.token" (may be empty). THREAD: the calling thread.
     * OWNERSHIP: strings copied before return. */
    void (*report)(void* ctx, herald_level level, herald_str field, herald_str text);
} herald_diag;

/* ---- the exchange (host -> plugin, borrowed during step) ------------------ */

/* herald_event.severity */
#define HERALD_SEVERITY_INFO 0
#define HERALD_SEVERITY_ERROR 1
#define HERALD_SEVERITY_TRACE 2
#define HERALD_SEVERITY_OTHER 3 /* see severity_text */

/* One event as delivered to one Provider: metadata already cleaned, merged with
 * the Alert's eventMetadata/summary and unprefixed (reference §1.2, §1.7). */
typedef struct herald_event {
    uint32_t struct_size;
    herald_str kind;
    herald_str ns;
    herald_str name;
    herald_str uid;
    herald_str api_version;
    herald_str resource_version;
    int32_t severity;         /* HERALD_SEVERITY_* */
    herald_str severity_text; /* as received */
    herald_str timestamp;     /* RFC 3339, UTC, whole seconds ("" when absent) */
    int64_t timestamp_unix_ms;
    herald_str message;
    herald_str reason;
    herald_str reporting_controller;
    herald_str reporting_instance;
    const herald_kv* metadata; /* sorted by key */
    size_t metadata_count;
    herald_str revision;         /* first of metadata commit, originRevision, revision ("" if none) */
    herald_str commit_status_id; /* lowercase(<kind>/<name>/<provider uid up to the first '-'>) */
    herald_str canonical_json;   /* the event encoded with Go's rules: the bytes generic posts */
} herald_event;

typedef struct herald_http_response {
    uint32_t struct_size;
    int32_t status;            /* HTTP status code */
    const herald_kv* headers;  /* in received order, names as received */
    size_t header_count;
    herald_bytes body;         /* possibly truncated to the host's response limit */
} herald_http_response;

typedef struct herald_step_input {
    uint32_t struct_size;
    const herald_event* event;
    uint32_t step;      /* 0-based step within this exchange */
    uint32_t attempt;   /* 0 on the first attempt, +1 on each retry of the whole exchange */
    int64_t now_unix_ms; /* the host's clock, so step stays deterministic */
    const herald_http_response* responses; /* answers to the previous step's requests, in order */
    size_t response_count;
    herald_bytes state; /* bytes saved by the previous step (empty at step 0) */
} herald_step_input;

/* herald_http_request.flags */
#define HERALD_REQ_IDEMPOTENT 0x1u /* safe to repeat (GET); informs retry accounting */

typedef struct herald_http_request {
    uint32_t struct_size;
    herald_str method;        /* "GET", "POST", ... */
    herald_str url;           /* absolute http:// or https:// URL */
    const herald_kv* headers; /* flag HERALD_KV_SENSITIVE on credentials (Authorization, ...) */
    size_t header_count;
    herald_bytes body;
    uint32_t flags;
    uint32_t timeout_ms; /* 0 = the Provider's timeout */
} herald_http_request;

/* Output sink for step (host-owned, valid during the call). */
typedef struct herald_step_out {
    uint32_t struct_size;
    void* ctx;
    /* Queues one request. Returns HERALD_OK, or HERALD_E_INTERNAL when a host
     * limit is exceeded (too many requests, body too large, bad URL).
     * OWNERSHIP: the request and everything it points to is copied before return. */
    herald_status (*emit_request)(void* ctx, const herald_http_request* request);
    /* Replaces the state handed to the next step (at most 64 KiB).
     * OWNERSHIP: copied before return. */
    herald_status (*save_state)(void* ctx, herald_bytes state);
    /* Reports a diagnostic; an error-level text becomes the delivery's last error.
     * OWNERSHIP: copied before return. */
    void (*report)(void* ctx, herald_level level, herald_str field, herald_str text);
} herald_step_out;

/* ---- the plugin descriptor ------------------------------------------------ */

typedef struct herald_plugin herald_plugin;
struct herald_plugin {
    uint32_t struct_size;
    uint32_t abi_major; /* HERALD_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor; /* HERALD_ABI_MINOR the plugin was built against */
    const char* id;     /* reverse-DNS, e.g. "io.herald.provider.generic" */
    const char* name;
    const char* version; /* SemVer of the plugin itself */
    const char* vendor;
    const char* url;
    const char* license; /* SPDX identifier */
    const char* description;
    const herald_type_info* types;
    size_t type_count;

    /* Called once after loading, before anything else. Non-OK disables the plugin.
     * THREAD: [main-thread]. LIFETIME: `host` stays valid until deinit returns. */
    herald_status (*init)(const herald_host* host);

    /* Called once at shutdown, after every instance was destroyed. May be NULL.
     * THREAD: [main-thread]. */
    void (*deinit)(void);

    /* Checks a configuration for `types[type_index]` without creating anything;
     * reports every problem through `diag`. Pure: no I/O. May be NULL, then the
     * host uses create + destroy. Returns HERALD_OK or HERALD_E_CONFIG.
     * THREAD: [thread-safe]. OWNERSHIP: `config` and `diag` borrowed for the call. */
    herald_status (*validate)(size_t type_index, const herald_provider_config* config,
                              const herald_diag* diag);

    /* Creates an immutable instance for one Provider. Must copy whatever it keeps
     * from `config`. Returns HERALD_OK and sets *out_instance, or an error status
     * with diagnostics. THREAD: [control-thread]. */
    herald_status (*create)(size_t type_index, const herald_provider_config* config,
                            const herald_diag* diag, void** out_instance);

    /* Releases an instance, exactly once, after every step on it returned.
     * THREAD: [control-thread]. */
    void (*destroy)(void* instance);

    /* Runs one step of an exchange: emits 0..N requests through `out` and returns
     * a verdict (HERALD_DONE, HERALD_SEND, HERALD_SKIP or an HERALD_E_* class).
     * Deterministic: the output depends only on (instance, input, host crypto).
     * THREAD: [thread-safe], also concurrently on the same instance.
     * OWNERSHIP: `input` and `out` borrowed for the call. */
    herald_status (*step)(const void* instance, const herald_step_input* input,
                          const herald_step_out* out);

    /* Optional capability tables by id; may be NULL. THREAD: [thread-safe]. */
    const void* (*get_extension)(const char* id);
};

/* The one exported function. Returns the plugin's static descriptor, or NULL
 * when the plugin needs a newer host minor than `host_abi_minor`.
 * Pure: no allocation, no I/O, no host calls.
 * THREAD: [main-thread]. LIFETIME: the descriptor lives until process exit. */
typedef const herald_plugin* (*herald_plugin_entry_fn)(uint32_t host_abi_minor);
HERALD_EXPORT const herald_plugin* herald_plugin_entry_v1(uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HERALD_PLUGIN_H */
