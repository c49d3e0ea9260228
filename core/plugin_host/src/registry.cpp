// Loading: open each *.so, check it, init it; refuse bad files one by one.
#include <herald/plugin_host/registry.hpp>

#include <herald/plugin_host/elf_file.hpp>

#include "descriptor_check.hpp"
#include "loaded_plugin.hpp"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <system_error>
#include <type_traits>

namespace herald::plugin_host {

namespace fs = std::filesystem;

namespace {

// Libraries are never unloaded: code of a plugin may still be referenced
// (host pointers, static descriptors) until exit, and dlclose at shutdown
// has bitten every plugin host that tried. The holder is leaked on purpose
// so not even static destruction closes them.
std::vector<boost::dll::shared_library>& kept_libraries() {
    static auto* libraries = new std::vector<boost::dll::shared_library>();
    return *libraries;
}

std::mutex& kept_mutex() {
    static std::mutex m;
    return m;
}

void keep_forever(boost::dll::shared_library library) {
    std::lock_guard<std::mutex> lock(kept_mutex());
    kept_libraries().push_back(std::move(library));
}

std::string dl_error_text() {
    const char* e = ::dlerror();
    return e ? std::string(e) : std::string();
}

// Why dlsym cannot find the entry, in the loader's own words.
std::string missing_symbol_text(boost::dll::shared_library& library) {
    ::dlerror();
    ::dlsym(library.native(), HERALD_ENTRY_SYMBOL);
    std::string e = dl_error_text();
    return e.empty() ? std::string() : " (" + e + ")";
}

std::optional<std::string> insecure_reason(const fs::path& file, bool allow_insecure) {
    std::error_code ec;
    fs::file_status st = fs::status(file, ec);
    if (ec) return "cannot stat: " + ec.message();
    if (!fs::is_regular_file(st)) return std::string("not a regular file");
    if (allow_insecure) return std::nullopt;
    const fs::perms writable_by_others = fs::perms::group_write | fs::perms::others_write;
    if ((st.permissions() & writable_by_others) != fs::perms::none)
        return std::string("writable by others; refusing (use --allow-insecure-plugins)");
    return std::nullopt;
}

}  // namespace

const herald_type_info& LoadedPlugin::type_at(size_t index) const { return table_at(descriptor->types, index); }

std::string_view level_name(Level level) {
    switch (level) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warning: return "warning";
        case Level::Error: return "error";
    }
    return "error";
}

bool has_errors(const std::vector<Diag>& diags) {
    return std::any_of(diags.begin(), diags.end(), [](const Diag& d) { return d.level == Level::Error; });
}

PluginRegistry::PluginRegistry(RegistryOptions options) : options_(std::move(options)) {}

// Deliberately does not deinit or unload anything: see deinit_all and kept_libraries.
PluginRegistry::~PluginRegistry() = default;

bool PluginRegistry::refuse(const fs::path& file, std::string reason) {
    refusals_.push_back(Refusal{file.string(), std::move(reason)});
    return false;
}

size_t PluginRegistry::load_dir(const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == ".so") files.push_back(it->path());
    }
    if (ec) {
        refuse(dir, "cannot read plugins directory: " + ec.message());
        return 0;
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename().string() < b.filename().string(); });
    size_t loaded = 0;
    for (const fs::path& file : files)
        if (load_file(file)) ++loaded;
    return loaded;
}

bool PluginRegistry::load_file(const fs::path& file) {
    if (auto reason = insecure_reason(file, options_.allow_insecure)) return refuse(file, *reason);
    if (auto truncated = elf_truncation(file)) return refuse(file, "cannot load: " + *truncated);

    ::dlerror();
    std::error_code ec;
    boost::dll::shared_library library(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec || !library.is_loaded()) {
        // Boost says only "Bad file descriptor"; dlerror has the real reason.
        std::string why = dl_error_text();
        return refuse(file, "cannot load: " + (why.empty() ? ec.message() : why));
    }
    if (!library.has(HERALD_ENTRY_SYMBOL)) {
        std::string why = missing_symbol_text(library);
        keep_forever(std::move(library));
        return refuse(file, "no " HERALD_ENTRY_SYMBOL " symbol; not a herald plugin" + why);
    }
    // get<T> with a function type returns the function itself (with a
    // pointer type it would read the symbol's bytes as a pointer).
    auto& entry = library.get<std::remove_pointer_t<herald_plugin_entry_fn>>(HERALD_ENTRY_SYMBOL);
    keep_forever(std::move(library));

    const herald_plugin* descriptor = nullptr;
    try {
        descriptor = entry(HERALD_ABI_MINOR);
    } catch (...) {
        return refuse(file, "entry threw an exception");
    }
    if (!descriptor) return refuse(file, "entry returned NULL (plugin needs a newer herald?)");
    if (auto bad = check_descriptor(*descriptor)) return refuse(file, *bad);

    for (size_t i = 0; i < descriptor->type_count; ++i) {
        const char* type = table_at(descriptor->types, i).type;
        size_t ignored = 0;
        if (const LoadedPlugin* other = plugin_for(type, &ignored))
            return refuse(file, "type \"" + std::string(type) + "\" already served by " + other->info.file + " (" +
                                    other->info.id + ")");
    }

    auto plugin = std::make_shared<LoadedPlugin>();
    plugin->info = describe_descriptor(*descriptor, file.string());
    plugin->descriptor = descriptor;
    plugin->host = make_host_context(plugin->info.id, options_.host_version, options_.log);
    herald_status st = HERALD_E_INTERNAL;
    try {
        st = descriptor->init(&plugin->host->host);
    } catch (...) {
        return refuse(file, "init threw an exception");
    }
    if (st != HERALD_OK) return refuse(file, "init failed with status " + std::to_string(st));
    plugin->initialised = true;
    plugins_.push_back(std::move(plugin));
    return true;
}

const LoadedPlugin* PluginRegistry::plugin_for(std::string_view type, size_t* type_index) const {
    for (const auto& p : plugins_) {
        for (size_t i = 0; i < p->descriptor->type_count; ++i) {
            if (type == p->type_at(i).type) {
                *type_index = i;
                return p.get();
            }
        }
    }
    return nullptr;
}

std::optional<TypeRef> PluginRegistry::find(std::string_view type) const {
    size_t index = 0;
    const LoadedPlugin* p = plugin_for(type, &index);
    if (!p) return std::nullopt;
    return TypeRef{&p->info, index, &p->type_at(index)};
}

bool PluginRegistry::serves(std::string_view type) const { return find(type).has_value(); }

std::vector<const PluginInfo*> PluginRegistry::plugins() const {
    std::vector<const PluginInfo*> out;
    for (const auto& p : plugins_) out.push_back(&p->info);
    return out;
}

std::vector<BreakerState> PluginRegistry::breaker_states() const {
    std::vector<BreakerState> out;
    for (const auto& p : plugins_) {
        auto s = p->breaker.snapshot();
        out.push_back(BreakerState{p->info.id, s.open, s.consecutive, s.open_until_ms});
    }
    return out;
}

void PluginRegistry::deinit_all() {
    if (deinitialised_) return;
    deinitialised_ = true;
    for (const auto& p : plugins_) {
        if (!p->initialised || !p->descriptor->deinit) continue;
        try {
            p->descriptor->deinit();
        } catch (...) {
        }
        p->initialised = false;
    }
}

}  // namespace herald::plugin_host
