// The source of ../sha256_blocks_x86_64.S (see generate.sh): the SHA-256 block functions,
// compiled with -O3 once, so that their speed does not depend on the build configuration (the
// SwiftPM plugin builds Lepton in debug, where C is compiled with -O0).

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256_generic.inc"

void lepton_sha256_blocks_generic(uint32_t state[8], const uint8_t *data, size_t blocks) {
    lepton_sha256_blocks_portable(state, data, blocks);
}

// With the CPU's SHA extensions (Intel SHA-NI, AMD since Zen): sha256rnds2 does two rounds,
// sha256msg1/msg2 the message schedule. The state is kept as ABEF and CDGH.
__attribute__((target("sha,sse4.1,ssse3"))) void lepton_sha256_blocks_ni(
    uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);           // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);     // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);  // CDGH
    while (blocks--) {
        const __m128i abef = state0, cdgh = state1;
        __m128i w[4];
#pragma clang loop unroll(full)
        for (int g = 0; g < 16; g++) {
            if (g < 4) w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), mask);
            __m128i message = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&lepton_sha256_k[4 * g]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, message);
            if (g >= 3 && g <= 14) {
                __m128i shifted = _mm_alignr_epi8(w[g & 3], w[(g - 1) & 3], 4);
                w[(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(g + 1) & 3], shifted), w[g & 3]);
            }
            message = _mm_shuffle_epi32(message, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, message);
            if (g >= 1 && g <= 12) w[(g - 1) & 3] = _mm_sha256msg1_epu32(w[(g - 1) & 3], w[g & 3]);
        }
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
        data += 64;
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);        // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);     // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);     // ABEF
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}
