#include <herald/plugin_host/masking.hpp>

#include <catch2/catch.hpp>

using herald::plugin_host::mask_secrets;

TEST_CASE("mask_secrets replaces every occurrence of every secret") {
    CHECK(mask_secrets("a tok b tok", {"tok"}) == "a ***** b *****");
    CHECK(mask_secrets("nothing here", {"tok", ""}) == "nothing here");
    CHECK(mask_secrets("", {"tok"}).empty());
}

TEST_CASE("mask_secrets masks a longer secret whole before a shorter one inside it") {
    CHECK(mask_secrets("key=abcdef", {"abc", "abcdef"}) == "key=*****");
    CHECK(mask_secrets("abc and abcdef", {"abc", "abcdef"}) == "***** and *****");
}
