/* Compiles <herald/plugin.h> as strict C11 and freezes its layout. */
#include <assert.h>
#include <stddef.h>

#define HERALD_ABI_ASSERT(cond, what) _Static_assert(cond, what)
#include "layout_expectations.h"

#include <stdio.h>

int main(void) {
    /* HERALD_HAS_FIELD must work on a struct that is exactly ABI 1.0 sized. */
    herald_http_request request = {0};
    request.struct_size = (uint32_t)offsetof(herald_http_request, flags);
    if (!HERALD_HAS_FIELD(&request, herald_http_request, body)) return 1;
    if (HERALD_HAS_FIELD(&request, herald_http_request, flags)) return 1;
    puts("abi layout (C11) ok");
    return 0;
}
