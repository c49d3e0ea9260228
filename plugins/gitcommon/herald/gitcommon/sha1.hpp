// SHA-1 for the Bitbucket status key (reference/providers.md §3.9: the key is
// the hex SHA-1 of the commit status ID, because Bitbucket limits keys to 40
// characters). Written here because plugins link no crypto library and the
// host offers only HMAC-SHA-256. Not for security: it names a status.
#ifndef HERALD_GITCOMMON_SHA1_HPP
#define HERALD_GITCOMMON_SHA1_HPP

#include <herald/sdk.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace herald::gitcommon {

namespace detail {
inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// Folds one 64-byte block into the running hash (FIPS 180-4 §6.1.2).
inline void sha1_block(std::array<uint32_t, 5>& h, const unsigned char* p) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
        w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) | (uint32_t(p[4 * i + 2]) << 8) |
               uint32_t(p[4 * i + 3]);
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rotl(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}
}  // namespace detail

// Lowercase hex SHA-1 of `data`.
inline std::string sha1_hex(std::string_view data) {
    std::array<uint32_t, 5> h = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string msg(data);
    const uint64_t bits = uint64_t(data.size()) * 8;
    msg.push_back('\x80');
    while (msg.size() % 64 != 56) msg.push_back('\0');
    for (int i = 7; i >= 0; --i) msg.push_back(char(uint8_t(bits >> (8 * i))));
    for (size_t off = 0; off < msg.size(); off += 64)
        detail::sha1_block(h, reinterpret_cast<const unsigned char*>(msg.data()) + off);
    uint8_t digest[20];
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 4; ++j) digest[i * 4 + j] = uint8_t(h[i] >> (24 - 8 * j));
    return sdk::hex(digest, sizeof digest);
}

}  // namespace herald::gitcommon

#endif  // HERALD_GITCOMMON_SHA1_HPP
