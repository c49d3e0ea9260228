// Compiles <herald/plugin.h> as strict C++17 and freezes its layout.
#include <cstddef>
#include <type_traits>

#define HERALD_ABI_ASSERT(cond, what) static_assert(cond, what)
#include "layout_expectations.h"

#include <cstdio>

// The C++ side must see plain C structs: copyable bytes, no hidden members.
static_assert(std::is_standard_layout_v<herald_plugin> && std::is_trivial_v<herald_plugin>, "herald_plugin");
static_assert(std::is_standard_layout_v<herald_event> && std::is_trivial_v<herald_event>, "herald_event");
static_assert(std::is_standard_layout_v<herald_http_request> && std::is_trivial_v<herald_http_request>,
              "herald_http_request");
static_assert(std::is_same_v<decltype(&herald_plugin_entry_v1), herald_plugin_entry_fn>, "entry signature");

int main() {
    herald_type_info info{};
    info.struct_size = sizeof info;
    if (!HERALD_HAS_FIELD(&info, herald_type_info, field_count)) return 1;
    std::puts("abi layout (C++17) ok");
    return 0;
}
